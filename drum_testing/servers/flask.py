"""The Flask server type: a Flask app that hands every request to the core, on werkzeug.

Both WSGI types (this one and Gunicorn) serve the same app, whose WSGI entry is
:class:`~drum_testing.servers.wsgi.CoreWSGI`.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import FrameType
from typing import TYPE_CHECKING, Any

import flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from drum_testing.core import PredictionCore
from drum_testing.flusher import StdoutFlusher
from drum_testing.servers.wsgi import CoreWSGI

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
"""How often werkzeug's loop looks for a shutdown request (seconds)."""
DRAIN_TIMEOUT = 30.0
"""How long a stopping server waits for requests in flight (seconds)."""
REQUEST_THREADS = 32
"""Requests answered at once; more wait for a thread."""
_ACCESS_LOG = logging.getLogger("werkzeug")


class CoreFlask(flask.Flask):
    """A Flask app with no routes of its own: every request goes to the core.

    Its WSGI entry is :class:`~drum_testing.servers.wsgi.CoreWSGI` (Flask's documented
    ``wsgi_app`` hook), so werkzeug's routing, Flask's request context and its response
    objects never run: no HTML 404, no slash redirect, no automatic OPTIONS answer, and
    about 100 µs less per request. It stays a Flask app for what expects one (its test
    client, for instance).
    """

    def __init__(self, core: PredictionCore, flusher: StdoutFlusher | None = None) -> None:
        super().__init__("drum_testing")
        self.core = core
        self.core_wsgi = CoreWSGI(core, flusher)
        self.wsgi_app = self.core_wsgi  # type: ignore[method-assign]

    @property
    def flusher(self) -> StdoutFlusher | None:
        return self.core_wsgi.flusher

    @flusher.setter
    def flusher(self, flusher: StdoutFlusher | None) -> None:
        self.core_wsgi.flusher = flusher


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, minus the per-request log line's cost when it is not logged.

    werkzeug formats (and colours) every access line before the logger drops it.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if _ACCESS_LOG.isEnabledFor(logging.INFO):
            super().log_request(code, size)


class PooledWSGIServer(BaseWSGIServer):
    """werkzeug's server, answering connections on a pool of threads.

    werkzeug's threaded server starts a thread per connection, and it closes every
    connection after one request, so that is a thread per request. A pool keeps /ping/
    answering beside slow predictions, as threads do, without paying for a new one each
    time; and it knows what is in flight, so a stopping server can wait for it.
    """

    multithread = True

    def __init__(
        self, host: str, port: int, app: WSGIApplication, *, fd: int, threads: int
    ) -> None:
        super().__init__(host, port, app, handler=QuietRequestHandler, fd=fd)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="request")
        self._lock = threading.Lock()
        self._in_flight: set[Future[None]] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        future = self._pool.submit(self._answer, request, client_address)
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._forget)

    def _answer(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight.discard(future)

    def drain(self, timeout: float) -> bool:
        """Wait for the requests in flight; False if some were still running at ``timeout``."""
        with self._lock:
            pending = set(self._in_flight)
        _, not_done = wait(pending, timeout)
        self._pool.shutdown(wait=False)
        return not not_done


def serve(core: PredictionCore, sock: socket.socket) -> int:
    """Serve ``core`` on ``sock`` with werkzeug until SIGTERM or SIGINT; returns 0.

    Stopping: the accept loop ends, requests in flight are answered (up to
    :data:`DRAIN_TIMEOUT`), then the flusher stops after a final flush.
    """
    settings = core.settings
    flusher = StdoutFlusher(settings.flush_interval)
    app = CoreFlask(core, flusher)
    host, port = sock.getsockname()[:2]
    server = PooledWSGIServer(host, port, app, fd=sock.fileno(), threads=REQUEST_THREADS)
    sock.close()  # werkzeug serves a duplicate of the descriptor.

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logger.info("received signal %d; stopping", signum)
        # shutdown() waits for serve_forever() to return, so it must not run on this
        # (the main) thread, which is the one serving.
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    flusher.start()
    logger.warning(
        "serving %s model on http://%s:%s (flask)", settings.target_type.value, host, port
    )
    try:
        server.serve_forever(poll_interval=POLL_INTERVAL)
    finally:
        if not server.drain(DRAIN_TIMEOUT):
            logger.warning("requests still in flight after %.0f s; stopping anyway", DRAIN_TIMEOUT)
        flusher.stop()
    return 0
