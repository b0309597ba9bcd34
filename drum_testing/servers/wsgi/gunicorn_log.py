"""Gunicorn's log, written through the one handler of the log (:mod:`drum_testing.telemetry.logs`).

Gunicorn gives its error log (its start-up, worker and signal lines) a handler and a format of
its own, and stops it from propagating; :class:`DrumGunicornLogger` takes that handler away
and lets the records propagate to the root's, so gunicorn's lines have the same format as every
other line (``--log-format json`` included). Its access log stays off (``accesslog`` unset):
the access log is the core's, the same line on every type.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger


class DrumGunicornLogger(Logger):  # type: ignore[misc]  # gunicorn ships no types
    """Gunicorn's logger, its error log going to the root logger's handler."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # also on a reload: its level (loglevel), and its own handler
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True
