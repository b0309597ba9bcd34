"""The reliability battery: every server type and worker count in one run, hostile clients
and faults, as ``nox -s reliability`` runs it.

Unlike the functional tests, these name their server type: each test runs once per
:data:`SHAPES` entry, so one run holds the three types side by side.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drum_testing.testing import DrumServerRun
from tests.helpers.models import MODELS
from tests.helpers.servers import Shape, Start

SHAPES = [("flask", 1), ("gunicorn", 1), ("gunicorn", 2), ("fastapi", 1), ("fastapi", 2)]
"""(server type, workers): flask has no workers of its own."""


@pytest.fixture(params=SHAPES, ids=[f"{t}-{w}w" for t, w in SHAPES])
def shape(request: pytest.FixtureRequest) -> Shape:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def start(shape: Shape, tmp_path: Path) -> Iterator[Start]:
    """``start("regression", "--read-timeout", "1", ...)``: a started server of this shape,
    stopped at teardown whatever happened."""
    runs: list[DrumServerRun] = []

    def _start(model: str = "regression", *args: str, **kwargs: Any) -> DrumServerRun:
        target = "textgeneration" if model == "chat" else model
        server_type, workers = shape
        run = DrumServerRun(
            target,
            None,
            MODELS / model,
            server_type=server_type,
            max_workers=workers,
            extra_args=list(args),
            log_dir=tmp_path,  # under pytest's temporary directories, which it prunes
            **kwargs,
        )
        runs.append(run)
        return run.start()

    try:
        yield _start
    finally:
        for run in reversed(runs):
            run.stop()
