"""A rolling restart behind nginx loses no request: the scenario of issue 20.

Two replicas of one shape behind nginx (:mod:`tests.helpers.nginx`), each in turn stopped
with SIGTERM under load and replaced on its port (:mod:`tests.helpers.rolling`). nginx
passes a POST to the other replica only if it was never sent (the connection was refused):
once sent, a replica that closes the keep-alive connection it travels on, resets it, or
answers 502 or 503 while it stops fails that request, as it would behind any balancer that
does not resend what is not idempotent. So every request must be answered 200, and every
replica must exit 0 (a clean stop within the drain time).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drum_testing.testing import DrumServerRun
from tests.helpers import nginx
from tests.helpers.models import MODELS
from tests.helpers.rolling import rolling_restart
from tests.helpers.servers import Shape

pytestmark = [
    pytest.mark.skipif(nginx.missing() is not None, reason=nginx.missing() or ""),
    pytest.mark.timeout(300),
]

ROLLS = 2
"""Each replica once: enough to meet every way a stop can lose a request, and short."""
SECONDS = 3.0
"""Seconds of load at least; the rolls take what they take beyond it."""
BETWEEN = 200
"""Successes through nginx before the first roll and after each: both replicas serve."""
STOP_GRACE = 45.0
"""SIGTERM to SIGKILL: beyond the server's drain time (30 s), so what ends it is its own."""


def test_a_rolling_restart_behind_nginx_fails_no_request(shape: Shape, tmp_path: Path) -> None:
    server_type, workers = shape

    def make(port: int | None) -> DrumServerRun:
        return DrumServerRun(
            "regression",
            None,
            MODELS / "regression",
            server_type=server_type,
            max_workers=workers,
            port=port,
            log_dir=tmp_path,
            stop_timeout=STOP_GRACE,
        )

    outcome = rolling_restart(
        make, tmp_path / "nginx", rolls=ROLLS, seconds=SECONDS, between=BETWEEN
    )
    assert outcome.rolls == ROLLS, f"{outcome}"
    assert outcome.requests > BETWEEN * (ROLLS + 1), f"{outcome}"
    assert outcome.failed == 0, f"{outcome}"
    assert outcome.rolled_exits == [0] * ROLLS, f"{outcome}"
    assert outcome.final_exits == [0, 0], f"{outcome}"
