"""The flask and gunicorn types with a model's ``custom_flask.py``: Flask's own request
handling around the core, as DRUM's app has it.

Without an extension the app's WSGI entry is the core itself (:class:`.flask.CoreFlask`),
and no Flask machinery runs. An extension's ``init_app(app)`` expects a real Flask app, so
here Flask routes every request: DRUM's routes are registered under DRUM's endpoint names
(``model_api.ping``, ``model_api.info``, ``model_api.predict``, ...; an extension may test
``request.endpoint``), each answered by the core, and the extension's ``before_request``,
``after_request``, routes and error handlers run as they would on DRUM. What Flask would
answer itself is the core's to answer: an unknown route or a wrong method (Flask's 404 and
405) goes to the core, and no route redirects or answers ``OPTIONS`` on its own.

Answers the extension makes (a 401 from a ``before_request``, a route of its own) carry the
headers every answer carries (:func:`~drum_testing.app.core.answer_headers`), as DRUM's
``after_request`` adds them; an exception its code raises is a JSON error: its own status
for an HTTP exception (``abort(401)``), else 500, the message in DRUM's words.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from drum_testing.app.core import VERSION_HEADER, PredictionCore, answer_headers
from drum_testing.app.routes import ROUTES
from drum_testing.servers.extensions import import_extension
from drum_testing.servers.flusher import StdoutFlusher, StdoutFlusherWSGIMiddleware

from .adapter import CoreWSGI

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

BLUEPRINT = "model_api"
"""DRUM's blueprint, so endpoints are ``model_api.<name>``."""
DRUM_ENDPOINTS = {"models": "get_supported_llm_models"}
"""DRUM's view names where they differ from our handlers' names."""


class ReplayableInput:
    """A request body stream that can give again what was read of it before the core reads.

    An extension may read the body (``request.get_data()``, to check a signature); the core
    then reads it from the start. What is read before :meth:`rewind` is kept; after it,
    reads return that first, then the rest of the stream, and nothing more is kept.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._kept = bytearray()
        self._replay: io.BytesIO | None = None

    def rewind(self) -> None:
        self._replay = io.BytesIO(bytes(self._kept))
        self._kept = bytearray()

    def read(self, size: int | None = -1) -> bytes:
        if self._replay is None:
            data: bytes = self._stream.read(size)
            self._kept += data
            return data
        data = self._replay.read(size)
        if size is None or size < 0:
            rest: bytes = self._stream.read()
            return data + rest
        if len(data) < size:
            more: bytes = self._stream.read(size - len(data))
            data += more
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self._replay is None:
            line: bytes = self._stream.readline(size)
            self._kept += line
            return line
        line = self._replay.readline(size)
        if line.endswith(b"\n") or (size is not None and 0 <= size <= len(line)):
            return line
        wanted = -1 if size is None or size < 0 else size - len(line)
        more: bytes = self._stream.readline(wanted)
        return line + more


class _Replayable:
    """WSGI middleware: the body stream becomes a :class:`ReplayableInput`."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"] = ReplayableInput(environ["wsgi.input"])
        return self.app(environ, start_response)


class ExtendedFlask(flask.Flask):
    """A Flask app whose routes are DRUM's, each answered by the core, for an extension."""

    def __init__(self, core: PredictionCore, flusher: StdoutFlusher | None = None) -> None:
        super().__init__("drum_testing")
        self.core = core
        self._core_wsgi = CoreWSGI(core)
        blueprint = flask.Blueprint(BLUEPRINT, __name__)
        for path, route in ROUTES.items():
            name = route.handler.__name__
            blueprint.add_url_rule(
                path,
                DRUM_ENDPOINTS.get(name, name),
                self._answer,
                methods=sorted(route.methods),
                strict_slashes=False,  # the core redirects, with its own answer
                provide_automatic_options=False,  # the core answers OPTIONS
            )
        self.register_blueprint(blueprint, url_prefix=core.settings.url_prefix)
        self.register_error_handler(Exception, self._error)
        self.after_request(self._stamp)  # runs after the extension's own, added later
        entry: WSGIApplication = _Replayable(self.wsgi_app)
        if flusher is not None:
            entry = StdoutFlusherWSGIMiddleware(entry, flusher)
        self.wsgi_app = entry  # type: ignore[method-assign, assignment]

    def _answer(self, **_: Any) -> WerkzeugResponse:
        """Hand the request to the core (the body from its start), streaming its answer."""
        environ = flask.request.environ
        body = environ.get("wsgi.input")
        if isinstance(body, ReplayableInput):
            body.rewind()
        return self.response_class.from_app(self._core_wsgi, environ)

    def _error(self, exc: Exception) -> WerkzeugResponse:
        if exc is flask.request.routing_exception:
            return self._answer()  # an unknown route or a wrong method: the core's answer
        if isinstance(exc, HTTPException):
            if exc.response is not None:
                return exc.response  # type: ignore[return-value]  # a full response
            status, message = exc.code or 500, f"ERROR: {exc}"
        else:
            logger.exception("the server extension raised on %s", flask.request.path)
            status, message = 500, f"ERROR: {exc}"
        response = flask.jsonify({"message": message})
        response.status_code = status
        return response

    @staticmethod
    def _stamp(response: flask.Response) -> flask.Response:
        if VERSION_HEADER not in response.headers:
            for name, value in answer_headers(flask.request.headers.get("X-Request-ID")):
                response.headers[name] = value
        return response


def extended_app(core: PredictionCore, flusher: StdoutFlusher | None, path: Path) -> ExtendedFlask:
    """The app with the extension at ``path`` applied (its ``init_app(app)`` called)."""
    module = import_extension(path)
    app = ExtendedFlask(core, flusher)
    logger.warning("extending the Flask app with %s", path)
    module.init_app(app)
    return app
