"""Gunicorn's threaded worker, with a read timeout on every request.

Gunicorn's ``gthread`` worker waits for a new connection's first bytes with a timeout,
but once they arrive it reads the rest of the request with no timeout at all: a client
that sends half a request line holds a thread for ever, and enough of them leave none
for ``/ping/``. Here each pause while a request is read may last ``read_timeout``, as on
the other types; the socket timeout bounds the body too, which the adapter answers 408.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker


class TimedConn(TConn):  # type: ignore[misc]  # gunicorn ships no types
    """A connection whose socket times out reads after ``cfg.drum_read_timeout`` seconds."""

    def init(self) -> None:
        # gthread makes the socket blocking (no timeout) before each request, then calls
        # init(), which is where the timeout goes back on.
        super().init()
        self.sock.settimeout(self.cfg.drum_read_timeout)


class TimedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """``gthread`` with :class:`TimedConn` connections."""

    def enqueue_req(self, conn: Any) -> None:
        # The one place every connection passes on its way to a thread (new, kept alive or
        # deferred), in every gunicorn we support; no state is added, only the class.
        if type(conn) is TConn:
            conn.__class__ = TimedConn
        super().enqueue_req(conn)

    def init_process(self) -> None:
        logging.getLogger("gunicorn.error").addFilter(_quiet_read_timeouts)
        super().init_process()


def _quiet_read_timeouts(record: logging.LogRecord) -> bool:
    """Drop gunicorn's traceback for a client that timed out: a stalled client is normal."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, TimeoutError)
