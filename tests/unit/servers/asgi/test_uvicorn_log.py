"""Uvicorn's log through the log's one handler, in the process that builds the config and in
each worker it spawns (which calls ``configure_logging`` again in a new interpreter)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.asgi.fastapi import DrumUvicornConfig
from drum_testing.telemetry.logs import JsonFormatter
from tests.helpers.models import MODELS

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def restored() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    kept = [(list(lg.handlers), lg.propagate, lg.level) for lg in loggers]
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.captureWarnings(False)
        for lg, (handlers, propagate, level) in zip(loggers, kept, strict=True):
            lg.handlers[:], lg.propagate = handlers, propagate
            lg.setLevel(level)


def test_a_config_sends_uvicorns_lines_to_the_roots_handler_in_the_logs_format(
    restored: None,
) -> None:
    settings = Settings(
        code_dir=MODELS / "regression",
        target_type=TargetType.REGRESSION,
        log_format="json",
        logging_level="INFO",
    )
    config = DrumUvicornConfig(settings, None, log_level="info")
    config.configure_logging()  # as a spawned worker does: still one handler of ours
    ours = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(ours) == 1
    assert all(logging.getLogger(name).handlers == [] for name in ("uvicorn", "uvicorn.error"))
    assert logging.getLogger("uvicorn.error").propagate
    assert logging.getLogger("uvicorn.error").isEnabledFor(logging.INFO)
