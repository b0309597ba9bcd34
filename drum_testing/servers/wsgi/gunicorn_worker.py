"""Gunicorn's threaded worker, with a read timeout on every request.

Gunicorn's ``gthread`` worker waits for a new connection's first bytes with a timeout,
but once they arrive it reads the rest of the request with no timeout at all: a client
that sends half a request line holds a thread for ever, and enough of them leave none
for ``/ping/``. Here each pause while a request is read may last ``read_timeout``, as on
the other types; the socket timeout bounds the body too, which the adapter answers 408.

Gunicorn's ``timeout`` (``--worker-timeout``, DataRobot's ``DRUM_CLIENT_REQUEST_TIMEOUT``)
replaces a worker that stops telling the arbiter it is alive. DRUM's sync worker is silent
while it answers, so a request that runs longer than that is cut short: its worker is
aborted, the client gets 500, and a new worker takes its place. ``gthread``'s main loop keeps
talking while its threads work, so it never would: here the worker falls silent once a
request has run longer than the timeout, and when the arbiter aborts it, each overdue request
whose answer has not begun gets 500 (JSON, as every error of ours) before the worker exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from drum_testing.servers.drain import (
    BACKLOG_WAIT,
    POLL_INTERVAL,
    queued_connections,
    refuse_new_connections,
)


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

    wsgi: Any  # gunicorn's: the application, set by load_wsgi
    sockets: list[Any]  # gunicorn's listeners (its wrappers of the socket)
    drum_stop_by: float | None = None  # stopping: the deadline for emptying the backlog

    def init_process(self) -> None:
        logging.getLogger("gunicorn.error").addFilter(_quiet_read_timeouts)
        self.drum_busy: dict[int, Busy] = {}  # by thread: the requests being answered
        super().init_process()

    def handle_exit(self, sig: int, frame: Any) -> None:
        """SIGTERM: refuse new connections, and stop once the backlog is empty (the loop
        below keeps accepting until then); a second SIGTERM (the arbiter's, after the
        group's) changes nothing."""
        if not self.alive or self.drum_stop_by is not None:
            return
        for listener in self.sockets:
            refuse_new_connections(listener)
        self.drum_stop_by = time.monotonic() + BACKLOG_WAIT
        self.method_queue.defer(lambda: None)  # wake the poller, as gthread's own does

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        stop_by = self.drum_stop_by if self.alive else None
        if stop_by is None:
            super().wait_for_and_dispatch_events(timeout)
            return
        super().wait_for_and_dispatch_events(min(timeout, POLL_INTERVAL))
        if time.monotonic() >= stop_by or not any(map(queued_connections, self.sockets)):
            super().handle_exit(signal.SIGTERM, None)  # gthread's stop from here

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = self.wsgi
        busy = self.drum_busy

        def noting_the_answer(environ: Any, start_response: Any) -> Any:
            def start(*args: Any) -> Any:
                request = busy.get(threading.get_ident())
                if request is not None:
                    request.answering = True
                return start_response(*args)

            return app(environ, start)

        self.wsgi = noting_the_answer

    def handle_request(self, req: Any, conn: Any) -> Any:
        ident = threading.get_ident()
        self.drum_busy[ident] = Busy(time.monotonic(), conn.sock)
        try:
            return super().handle_request(req, conn)
        finally:
            self.drum_busy.pop(ident, None)

    def _overdue(self) -> list[Busy]:
        timeout = self.cfg.timeout
        if not timeout:
            return []
        now = time.monotonic()
        # list() copies in one step under the GIL; the threads change the dict meanwhile.
        return [r for r in list(getattr(self, "drum_busy", {}).values()) if now - r.since > timeout]

    def notify(self) -> None:
        """Tell the arbiter we are alive, unless a request has outrun the timeout."""
        if not self._overdue():
            super().notify()

    def handle_abort(self, sig: int, frame: Any) -> None:
        """The arbiter gave up on us: answer each overdue request 500 (DRUM's status), then
        exit as gunicorn's workers do."""
        for request in self._overdue():
            if not request.answering:
                request.answering = True
                with contextlib.suppress(OSError):
                    request.sock.sendall(_timeout_answer(self.cfg.timeout))
                    request.sock.shutdown(socket.SHUT_RDWR)  # the model's late answer goes nowhere
        super().handle_abort(sig, frame)


@dataclass
class Busy:
    """A request a thread is answering: since when, on which socket, and whether its answer
    has begun (the app called ``start_response``)."""

    since: float
    sock: socket.socket
    answering: bool = False


def _timeout_answer(timeout: int) -> bytes:
    body = json.dumps(
        {
            "message": f"ERROR: the request ran longer than the worker timeout of {timeout} s "
            "(--worker-timeout, DRUM_CLIENT_REQUEST_TIMEOUT); its worker was replaced"
        }
    ).encode()
    head = (
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _quiet_read_timeouts(record: logging.LogRecord) -> bool:
    """Drop gunicorn's traceback for a client that timed out: a stalled client is normal."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, TimeoutError)
