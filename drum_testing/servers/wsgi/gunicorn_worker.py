"""Gunicorn's threaded worker, with a read timeout on every request.

Gunicorn's ``gthread`` worker waits for a new connection's first bytes with a timeout,
but once they arrive it reads the rest of the request with no timeout at all: a client
that sends half a request line holds a thread for ever, and enough of them leave none
for ``/ping/``. Here each pause while a request is read may last ``read_timeout``, as on
the other types; the socket timeout bounds the body too, which the adapter answers 408.

Gunicorn's ``timeout`` (``--worker-timeout``, DataRobot's ``DRUM_CLIENT_REQUEST_TIMEOUT``)
replaces a worker that stops telling the arbiter it is alive. DRUM's sync worker is silent
while it answers, so a request that runs longer than that is cut short, its worker killed
and replaced. ``gthread``'s main loop keeps talking while its threads work, so it never
would: here the worker falls silent once a request has run longer than the timeout, and the
arbiter replaces it as DRUM's is replaced.
"""

from __future__ import annotations

import logging
import threading
import time
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
        self.drum_busy_since: dict[int, float] = {}  # thread id: when its request began
        super().init_process()

    def handle_request(self, req: Any, conn: Any) -> Any:
        ident = threading.get_ident()
        self.drum_busy_since[ident] = time.monotonic()
        try:
            return super().handle_request(req, conn)
        finally:
            self.drum_busy_since.pop(ident, None)

    def notify(self) -> None:
        """Tell the arbiter we are alive, unless a request has outrun the timeout."""
        timeout = self.cfg.timeout
        # list() copies in one step under the GIL; the threads change the dict meanwhile.
        oldest = min(list(getattr(self, "drum_busy_since", {}).values()), default=None)
        if timeout and oldest is not None and time.monotonic() - oldest > timeout:
            return  # silent: the arbiter replaces this worker, as DRUM's sync one
        super().notify()


def _quiet_read_timeouts(record: logging.LogRecord) -> bool:
    """Drop gunicorn's traceback for a client that timed out: a stalled client is normal."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, TimeoutError)
