"""A rolling restart behind nginx, real DRUM 1.18.1 beside ours (issue 20's scenario).

The same run as the reliability session's (:mod:`tests.helpers.rolling`): two replicas behind
nginx, each in turn stopped with SIGTERM under load and replaced on its port. DRUM 1.18.1
loses a few requests in it (a 502 where a server closed a keep-alive connection that a
request was already on): its figure is recorded (the session's summary, and the test's
``record_property``), not asserted; ours must lose none, on the same server types with one
worker, DRUM's default. Skipped without nginx, or without real DRUM for DRUM's runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from drum_testing.launch.drum import DrumNotFoundError, find_drum
from drum_testing.testing import DrumServerRun
from tests.helpers import nginx
from tests.helpers.models import MODELS
from tests.helpers.rolling import Outcome, rolling_restart

pytestmark = [
    pytest.mark.skipif(nginx.missing() is not None, reason=nginx.missing() or ""),
    pytest.mark.timeout(600),  # four starts of DRUM, whose imports take seconds each
]

ROLLS = 2
SECONDS = 5.0
BETWEEN = 200
START = 150.0
"""Readiness timeout: DRUM's imports alone take seconds, more with other tests running."""
STOP_GRACE = 45.0
"""SIGTERM to SIGKILL: beyond our drain time (30 s), and DRUM's gunicorn's graceful timeout."""


def _drum_missing() -> str | None:
    try:
        find_drum()
    except DrumNotFoundError as exc:
        return str(exc)
    return None


def _roll(runtime: str, server_type: str, tmp_path: Path) -> Outcome:
    def make(port: int | None) -> DrumServerRun:
        return DrumServerRun(
            "regression",
            None,
            MODELS / "regression",
            runtime=runtime,
            server_type=server_type,
            port=port,
            log_dir=tmp_path,
            wait_for_server_timeout=START,
            stop_timeout=STOP_GRACE,
            fail_on_shutdown_error=False,  # a DRUM that outlives its grace is a figure too
        )

    return rolling_restart(make, tmp_path / "nginx", rolls=ROLLS, seconds=SECONDS, between=BETWEEN)


@pytest.mark.skipif(_drum_missing() is not None, reason=_drum_missing() or "")
@pytest.mark.parametrize("server_type", ["flask", "gunicorn"])
def test_drums_rolling_restart_is_measured(
    server_type: str,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    rolling_summary: list[str],
) -> None:
    outcome = _roll("drum", server_type, tmp_path)
    name = {"flask": "werkzeug", "gunicorn": "gunicorn"}[server_type]
    rolling_summary.append(f"DRUM 1.18.1 {name}, 1 worker: {outcome}")
    record_property("requests", outcome.requests)
    record_property("failed", outcome.failed)
    # What the harness must have done for the figure to mean anything; not DRUM's figure.
    assert outcome.rolls == ROLLS, f"{outcome}"
    assert outcome.requests > BETWEEN * (ROLLS + 1), f"{outcome}"


@pytest.mark.parametrize("server_type", ["flask", "gunicorn"])
def test_ours_loses_no_request_where_drum_is_measured(
    server_type: str,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    rolling_summary: list[str],
) -> None:
    outcome = _roll("drum_testing", server_type, tmp_path)
    rolling_summary.append(f"ours {server_type}, 1 worker: {outcome}")
    record_property("requests", outcome.requests)
    record_property("failed", outcome.failed)
    assert outcome.rolls == ROLLS, f"{outcome}"
    assert outcome.requests > BETWEEN * (ROLLS + 1), f"{outcome}"
    assert outcome.failed == 0, f"{outcome}"
    assert outcome.rolled_exits == [0] * ROLLS, f"{outcome}"
