"""The Flask server type: a Flask app that hands every request to the core, on werkzeug.

Both WSGI types (this one and Gunicorn) serve the same app, whose WSGI entry is
:class:`~drum_testing.servers.wsgi.adapter.CoreWSGI`.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import FrameType
from typing import TYPE_CHECKING, Any

import flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from drum_testing.app.core import PredictionCore
from drum_testing.config.console import fail
from drum_testing.http.body import READ_CHUNK
from drum_testing.servers.drain import IDLE_LINGER, bytes_waiting, stop_accepting
from drum_testing.servers.extensions import FLASK_EXTENSION, find_extension
from drum_testing.servers.flusher import StdoutFlusher, StdoutFlusherWSGIMiddleware
from drum_testing.servers.shutdown import abandon
from drum_testing.telemetry import setup as telemetry

from .adapter import CoreWSGI
from .extension import ExtendedFlask, extended_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
"""How often werkzeug's loop looks for a shutdown request (seconds)."""
EXTENSION_FAILED = 1
"""The exit status when the model's server extension fails, as for a model that fails to load."""


class CoreFlask(flask.Flask):
    """A Flask app with no routes of its own: every request goes to the core.

    Its WSGI entry is :class:`~drum_testing.servers.wsgi.adapter.CoreWSGI` (Flask's
    documented ``wsgi_app`` hook), so werkzeug's routing, Flask's request context and its
    response objects never run: no HTML 404, no slash redirect, no automatic OPTIONS answer,
    and about 100 µs less per request. It stays a Flask app for what expects one (its test
    client, for instance). With a ``flusher``, every answer marks activity on it.
    """

    def __init__(self, core: PredictionCore, flusher: StdoutFlusher | None = None) -> None:
        super().__init__("drum_testing")
        self.core = core
        entry: WSGIApplication = CoreWSGI(core)
        if flusher is not None:
            entry = StdoutFlusherWSGIMiddleware(entry, flusher)
        self.wsgi_app = entry  # type: ignore[method-assign, assignment]


class CappedReads:
    """A connection's reader whose every sized read asks for at most ``READ_CHUNK`` bytes.

    werkzeug drains a body the app left unread (refused: 413, 503), so that the client can
    read the answer instead of a reset, in reads of 10 MB: each allocates its 10 MB and fills
    it from a client that keeps sending. Many refused uploads at once would hold that beside
    the body budget (measured: +19 MiB for one refused 100 MiB body). The adapter's own reads
    ask for 1 MiB at most already; everything else is the reader's own.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > READ_CHUNK:
            size = READ_CHUNK
        data: bytes = self._reader.read(size)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, without werkzeug's request lines, reading through
    :class:`CappedReads`.

    The access log is the core's (:mod:`drum_testing.telemetry.access`), the same line on
    every type; werkzeug's own would be a second one, in its own format (and werkzeug
    formats and colours it before its logger drops it).
    """

    server: PooledWSGIServer

    def setup(self) -> None:
        super().setup()
        self.rfile = CappedReads(self.rfile)  # type: ignore[assignment]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def handle_one_request(self) -> None:
        """werkzeug's, with the two timeouts of :class:`~drum_testing.config.settings.Settings`.

        A connection on which nothing has arrived may wait ``keepalive_timeout``; once a
        request has begun, each pause may last ``read_timeout`` (the socket timeout, which
        then also bounds each read of the body: the adapter answers 408). Without them a
        client that sends half a request line holds its thread for ever.
        """
        self.server.waiting_for_head(self.connection, True)
        try:
            self.connection.settimeout(self.server.keepalive_timeout)
            try:
                started = self.rfile.peek(1)  # type: ignore[attr-defined]  # a BufferedReader
            except OSError:  # timed out, the client went, or the server is stopping
                started = b""
            # A request has begun: from here a stopping server answers it (drain). Before
            # anything is read, so that the drain, which never closes a connection with
            # bytes waiting, cannot close one whose head is half read.
            self.server.waiting_for_head(self.connection, False)
            if not started:
                self.close_connection = True
                return
            self.connection.settimeout(self.server.read_timeout)
            super().handle_one_request()
        finally:
            self.server.waiting_for_head(self.connection, False)


class PooledWSGIServer(BaseWSGIServer):
    """werkzeug's server, answering connections on a pool of threads.

    werkzeug's threaded server starts a thread per connection, and it closes every
    connection after one request, so that is a thread per request. A pool keeps /ping/
    answering beside slow predictions and stalled clients, as threads do, without paying
    for a new one each time; and it knows what is in flight, so a stopping server can wait
    for it.
    """

    multithread = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        *,
        fd: int,
        threads: int,
        read_timeout: float,
        keepalive_timeout: float,
    ) -> None:
        super().__init__(host, port, app, handler=QuietRequestHandler, fd=fd)
        self.read_timeout = read_timeout
        self.keepalive_timeout = keepalive_timeout
        # The pool starts a thread only when none is idle: ``threads`` is a ceiling.
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="request")
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a connection stopped waiting
        self._in_flight: set[Future[None]] = set()
        self._waiting: set[socket.socket] = set()

    def waiting_for_head(self, connection: socket.socket, waiting: bool) -> None:
        """Note whether ``connection`` is waiting for a request head (idle, or arriving)."""
        with self._lock:
            if waiting:
                self._waiting.add(connection)
            elif connection in self._waiting:
                self._waiting.discard(connection)
                self._changed.notify_all()

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

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def drain(self, timeout: float) -> bool:
        """Answer what has arrived; False if requests were still running at ``timeout``.

        Call it once the listener is closed. A connection with no request yet (accepted
        just before the stop, its client about to send) may have one on its way: it gets
        :data:`~drum_testing.servers.drain.IDLE_LINGER` to begin, and is then closed
        unless bytes wait on it. Every answer says ``Connection: close`` (werkzeug's
        always do), so no connection is left idle after its answer.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            self._changed.wait_for(lambda: not self._waiting, min(IDLE_LINGER, timeout))
            for connection in self._waiting:
                if not bytes_waiting(connection):
                    with contextlib.suppress(OSError):
                        connection.shutdown(socket.SHUT_RDWR)
            pending = set(self._in_flight)
        _, not_done = wait(pending, max(deadline - time.monotonic(), 0.0))
        self._pool.shutdown(wait=False)
        return not not_done


def build_app(
    core: PredictionCore, flusher: StdoutFlusher | None = None
) -> CoreFlask | ExtendedFlask:
    """The app of both WSGI types: :class:`CoreFlask`, or, when the model folder has a
    ``custom_flask.py``, the app it extends (:mod:`.extension`).

    As in DRUM, a model that failed to load (the error server) runs no extension. An
    extension that fails to import or to initialise stops the start, unless the server
    runs with ``--with-error-server``: it then answers 513 with that error, as DRUM does.
    """
    path = find_extension(core.settings.code_dir, FLASK_EXTENSION)
    if path is None:
        return CoreFlask(core, flusher)
    if core.model is None:
        logger.warning("the model failed to load: %s is not applied (as in DRUM)", path)
        return CoreFlask(core, flusher)
    try:
        return extended_app(core, flusher, path)
    except Exception as exc:
        if not core.settings.with_error_server:
            raise
        logger.exception("the server extension failed; answering 513 (--with-error-server)")
        failed = PredictionCore(
            core.settings, None, server_type=core.server_type, load_error=repr(exc)
        )
        return CoreFlask(failed, flusher)


def serve(
    core: PredictionCore, sock: socket.socket, exporters: telemetry.Telemetry | None = None
) -> int:
    """Serve ``core`` on ``sock`` with werkzeug until SIGTERM or SIGINT; returns 0.

    Stopping (:mod:`~drum_testing.servers.drain`): new connections are refused, the accept
    loop takes what is queued and ends, what has arrived is answered (up to
    ``drain_timeout``), then the flusher stops after a final flush. A model still busy
    then is abandoned: the process exits at once with status 1
    (:mod:`~drum_testing.servers.shutdown`).
    """
    settings = core.settings
    flusher = StdoutFlusher(settings.flush_interval)
    try:
        app = build_app(core, flusher)
    except Exception as exc:
        sock.close()
        traceback.print_exc()
        return fail("server", f"the server extension failed: {exc}", EXTENSION_FAILED)
    host, port = sock.getsockname()[:2]
    server = PooledWSGIServer(
        host,
        port,
        app,
        fd=sock.fileno(),
        threads=settings.threads,
        read_timeout=settings.read_timeout,
        keepalive_timeout=settings.keepalive_timeout,
    )
    sock.close()  # werkzeug serves a duplicate of the descriptor.

    def stop() -> None:
        # The accept loop keeps taking what is queued until the backlog is empty.
        stop_accepting([server.socket])
        server.shutdown()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logger.info("received signal %d; stopping", signum)
        # shutdown() waits for serve_forever() to return, so it must not run on this
        # (the main) thread, which is the one serving.
        threading.Thread(target=stop, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    flusher.start()
    logger.info("serving %s model on http://%s:%s (flask)", settings.target_type.value, host, port)
    try:
        server.serve_forever(poll_interval=POLL_INTERVAL)
    finally:
        server.server_close()  # refused from now: the balancer tries another replica
        drained = server.drain(settings.drain_timeout)
        # The worker contexts' stop step, for the one process flask has: after the drain,
        # so every request's span has ended, and before the last flush of the output.
        if exporters is not None:
            exporters.stop()
        flusher.stop()
    if not drained:
        abandon(server.in_flight, settings.drain_timeout)
    return 0
