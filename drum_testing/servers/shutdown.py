"""The end of a stop that did not go well: a model still busy after the drain time.

Every type waits ``Settings.drain_timeout`` for requests in flight when it is stopped. A
model still running after that cannot be interrupted (Python cannot stop a thread), and
the threads that run it would keep the process alive at exit: Python joins them, so a hung
model would hold a "stopped" server until SIGKILL. Instead the process says so and exits
at once with :data:`ABANDONED`, so that whoever stopped it sees the stop was not clean.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drum_testing.app.core import PredictionCore
    from drum_testing.config.settings import Settings

logger = logging.getLogger(__name__)

ABANDONED = 1
"""The exit status of a process that abandoned a busy model."""


def abandon(in_flight: int, drain_timeout: float) -> None:
    """Log that ``in_flight`` requests are abandoned, flush, and exit with ABANDONED."""
    logger.error(
        "%d request(s) still running in the model after the drain time of %g s; "
        "abandoning them and exiting with status %d",
        in_flight,
        drain_timeout,
        ABANDONED,
    )
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or gone: nothing to save
            stream.flush()
    os._exit(ABANDONED)  # not sys.exit: that would join the threads still running the model


def abandon_if_busy(core: PredictionCore, drain_timeout: float) -> None:
    """Exit with ABANDONED if ``core`` is still answering requests; return otherwise."""
    busy = core.in_flight
    if busy:
        abandon(busy, drain_timeout)


def supervised(settings: Settings) -> bool:
    """Whether the fastapi type runs uvicorn's supervisor, which spawns the workers that load
    the model and serve: for more than one worker, and to replace a recycled one (flask
    serves in one process whatever the settings say; gunicorn always forks)."""
    return settings.max_workers > 1 or settings.max_requests > 0


def recycling(settings: Settings) -> str:
    """How workers are recycled (a worker's planned stop, ``--max-requests``), for the
    start-up line: ``""`` when they are not."""
    if not settings.max_requests:
        return ""
    jitter = f" + 0 to {settings.max_requests_jitter}" if settings.max_requests_jitter else ""
    return f", each replaced after {settings.max_requests}{jitter} requests"
