"""The Flask server type: a Flask app that hands every request to the core, on werkzeug.

The app is also the WSGI application Gunicorn serves, so both WSGI types share it.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any

import flask
from werkzeug.serving import BaseWSGIServer, make_server

from drum_testing.core import PredictionCore
from drum_testing.flusher import StdoutFlusher
from drum_testing.messages import Headers, Request, Response, read_limited, status_line

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
"""How often werkzeug's loop looks for a shutdown request (seconds)."""
DRAIN_TIMEOUT = 30.0
"""How long a stopping server waits for requests in flight (seconds)."""


class CoreFlask(flask.Flask):
    """A Flask app with no routes of its own: every request goes to the core.

    Overriding ``dispatch_request`` (Flask's documented hook) rather than registering a
    catch-all rule keeps werkzeug's routing out of the way, so its HTML 404s, slash
    redirects and automatic OPTIONS answers never reach a client.
    """

    def __init__(self, core: PredictionCore, flusher: StdoutFlusher | None = None) -> None:
        super().__init__("drum_testing")
        self.core = core
        self.flusher = flusher

    def dispatch_request(self) -> flask.Response:
        incoming = flask.request
        limit = self.core.settings.max_body_bytes
        body, too_large = read_limited(incoming.stream.read, incoming.content_length, limit)
        request = Request(
            method=incoming.method,
            path=incoming.path,
            query_string=incoming.query_string.decode("latin-1"),
            headers=Headers(incoming.headers.items()),
            body=body,
            body_too_large=too_large,
        )
        return to_flask(self.core.handle(request), self.flusher)


def to_flask(response: Response, flusher: StdoutFlusher | None) -> flask.Response:
    answer = flask.Response(
        response.body, status=status_line(response.status), headers=response.headers
    )
    if flusher is not None:
        # After the response, streamed ones included: werkzeug calls this on close.
        answer.call_on_close(flusher.mark_activity)
    return answer


class InFlight:
    """WSGI middleware that counts requests until their response is closed."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self._count = 0
        self._idle = threading.Condition()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        with self._idle:
            self._count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _ClosingBody(body, self._done)

    def _done(self) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is in flight; False if the timeout came first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


class _ClosingBody:
    def __init__(self, body: Iterable[bytes], on_close: Callable[[], None]) -> None:
        self._body = body
        self._on_close = on_close

    def __iter__(self) -> Any:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close()


def serve(core: PredictionCore, sock: socket.socket) -> int:
    """Serve ``core`` on ``sock`` with werkzeug until SIGTERM or SIGINT; returns 0.

    Stopping: the accept loop ends, requests in flight are answered (up to
    :data:`DRAIN_TIMEOUT`), then the flusher stops after a final flush.
    """
    settings = core.settings
    flusher = StdoutFlusher(settings.flush_interval)
    app = CoreFlask(core, flusher)
    in_flight = InFlight(app.wsgi_app)
    app.wsgi_app = in_flight  # type: ignore[method-assign]
    host, port = sock.getsockname()[:2]
    server: BaseWSGIServer = make_server(host, port, app, threaded=True, fd=sock.fileno())
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
        if not in_flight.wait_idle(DRAIN_TIMEOUT):
            logger.warning("requests still in flight after %.0f s; stopping anyway", DRAIN_TIMEOUT)
        flusher.stop()
    return 0
