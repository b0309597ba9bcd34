"""Routes, error rules and headers: everything a client can see, written once.

Server types are adapters: they turn their request object into a
:class:`~drum_testing.http.messages.Request`, call :meth:`PredictionCore.handle`, and write
the :class:`~drum_testing.http.messages.Response` back. Parity across types holds because no
route, error rule or header lives anywhere but here (the routes themselves in
:mod:`~drum_testing.app.routes`).

::

    core = PredictionCore(settings, Model.load(settings), server_type="flask")
    response = core.handle(Request("GET", "/ping/"))
    assert response.status == 200
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from drum_testing.config.memory import body_budget
from drum_testing.config.settings import Settings
from drum_testing.errors import user_http_error
from drum_testing.http.budget import BodyBudget
from drum_testing.http.errors import RequestError
from drum_testing.http.json import JSON, dumps
from drum_testing.http.messages import BodyFault, Request, Response, error_response, json_response
from drum_testing.model.model import Model
from drum_testing.telemetry.access import log_access
from drum_testing.telemetry.context import RequestScope, request_scope
from drum_testing.telemetry.stream import ScopedStream
from drum_testing.telemetry.tracing import route_span
from drum_testing.version import DRUM_VERSION, VERSION

from .core_answers import OWN_VERSION_HEADER as OWN_VERSION_HEADER
from .core_answers import REQUEST_ID_HEADERS as REQUEST_ID_HEADERS
from .core_answers import USER_ERROR_HEADER as USER_ERROR_HEADER
from .core_answers import VERSION_HEADER as VERSION_HEADER
from .failures import model_failure
from .openapi import served_routes
from .routes import Route
from .state import Serving
from .stats import Stats

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
"""``Retry-After`` of a body refused for want of room in the body budget: the bodies that
fill it are being read, and most requests are done within a second."""


def answer_headers(request_id: str | None) -> list[tuple[str, str]]:
    """The headers every answer carries: the version, and the request id (the client's
    ``X-Request-ID``, else a new one). A server extension's own answers get them too."""
    request_id = request_id or uuid.uuid4().hex
    return [
        (VERSION_HEADER, DRUM_VERSION),
        (OWN_VERSION_HEADER, VERSION),
        *((name, request_id) for name in REQUEST_ID_HEADERS),
    ]


def _since(started: float) -> float:
    return time.perf_counter() - started


class PredictionCore:
    """Turns a :class:`Request` into a :class:`Response` for one loaded model.

    ``model`` is None when loading failed and the server runs with ``--with-error-server``;
    ``load_error`` then says why, and the core answers as DRUM's error server: the liveness
    routes (``/``, ``/ping/``, ``/health/``) and the scoring routes answer 513 with
    ``{"message": "ERROR: <load_error>"}``, and the routes it does not have are not there (404).
    ``load_detail`` is what we add beside DRUM's message.
    """

    def __init__(
        self,
        settings: Settings,
        model: Model | None,
        *,
        server_type: str,
        load_error: str | None = None,
        load_detail: str | None = None,
    ) -> None:
        if model is None and load_error is None:
            raise ValueError("PredictionCore needs a model or the error that stopped loading it")
        self.settings = settings
        self.model = model
        self.server_type = server_type
        self.load_error = load_error
        self.load_detail = load_detail
        self.stats = Stats()
        self.serving = Serving(settings, model, server_type, self.stats)
        self.body_budget = BodyBudget(body_budget(settings))
        """The request bodies this process holds: adapters read every body within it."""
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self._routes = {
            settings.url_prefix + path: route
            for path, route in served_routes(settings).items()
            if model is not None or route.error_server
        }

    @classmethod
    def load(cls, settings: Settings) -> PredictionCore:
        """Load the model and build the core for it.

        If loading fails, the error propagates, unless the server runs with
        ``--with-error-server``: then the core answers 513 with the error instead.
        """
        try:
            model = Model.load(settings)
        except Exception as exc:
            if not settings.with_error_server:
                raise
            logger.exception("the model failed to load; answering 513 (--with-error-server)")
            return cls(
                settings,
                None,
                server_type=settings.server_type.value,
                # DRUM's error server sends the error's text ("ERROR: {exc}").
                load_error=str(exc),
                load_detail="the model failed to load: "
                + (getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"),
            )
        return cls(settings, model, server_type=settings.server_type.value)

    def wants_body(self, request: Request) -> bool:
        """Whether ``request`` (its head: the body is not read yet) goes to a route that
        reads a body. Adapters read the body only then: /ping/, an unknown path, a wrong
        method or a model that failed to load are answered without buffering a byte of it.
        """
        route = self._routes.get(self._normalise(request.path))
        return (
            route is not None
            and request.method in route.methods
            and request.method not in ("GET", "HEAD")
            and self.model is not None
        )

    def is_light(self, request: Request) -> bool:
        """True when the answer needs no model code (liveness): safe on an event loop."""
        route = self._routes.get(request.path)
        return route is not None and (self.model is None or not route.needs_model)

    @property
    def in_flight(self) -> int:
        """Requests being answered right now (a stopping server waits for these)."""
        return self._in_flight

    def handle(self, request: Request) -> Response:
        """Answer one request. Never raises: every failure becomes a JSON error response.

        The request id (the client's ``X-Request-ID``, else a new one) is known before
        anything is logged, and the request is answered in its scope: every log line made
        meanwhile, the model's own and a 500's traceback included, carries it.
        """
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        with self._in_flight_lock:
            self._in_flight += 1
        try:
            with request_scope(request_id) as scope:
                response = self._handle(request, request_id)
                return self._finish(request, response, scope, started)
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1

    def _finish(
        self, request: Request, response: Response, scope: RequestScope, started: float
    ) -> Response:
        """The access line of the answer (with ``--access-log``): now, or, for a streamed
        answer, when its stream ends; the stream's chunks are made in the request's scope."""
        access_log = self.settings.access_log
        if isinstance(response.body, bytes):
            if access_log:
                log_access(request, response.status, len(response.body), _since(started))
            return response

        def ended(sent: int) -> None:
            if access_log:
                log_access(request, response.status, sent, _since(started))

        response.body = ScopedStream(response.body, scope, ended)
        return response

    def _handle(self, request: Request, request_id: str) -> Response:
        try:
            response = self._dispatch(request)
        except RequestError as exc:
            if exc.detail is not None:
                logger.warning(
                    "%s %s: %d %s (%s)",
                    request.method,
                    request.path,
                    exc.status,
                    exc.message,
                    exc.detail,
                )
            response = error_response(exc.status, exc.message, exc.detail)
            response.headers.extend(exc.headers.items())
        except Exception as exc:
            user_error = user_http_error(exc)
            if user_error is not None:
                # The body is the message as raised, without "ERROR: ", as DRUM sends it.
                logger.info(
                    "%s %s: the model answered %d", request.method, request.path, user_error[0]
                )
                response = json_response(user_error[0], {"message": user_error[1]})
                response.headers.append((USER_ERROR_HEADER, "true"))
            else:
                # The model's own code raised (the core itself raises only RequestError).
                logger.exception("%s %s failed", request.method, request.path)
                hooks = self.model.hooks if self.model is not None else {}
                response = error_response(500, *model_failure(exc, hooks))
        response.headers.extend(answer_headers(request_id))
        if isinstance(response.body, bytes):
            # Set here, once, for every type: a HEAD answer carries the length its GET would
            # have (RFC 9110 9.3.2, and what DRUM's werkzeug sends), with no body.
            response.headers.append(("Content-Length", str(len(response.body))))
            if request.method == "HEAD":
                response.body = b""
        return response

    @staticmethod
    def _normalise(path: str) -> str:
        # werkzeug reads "//ping/" as "/ping/" (the leading "//" looks like a host to it);
        # doing the same for every type keeps them alike.
        return "/" + path.lstrip("/") if path.startswith("//") else path

    def _dispatch(self, request: Request) -> Response:
        path = self._normalise(request.path)
        route = self._routes.get(path)
        if route is None:
            # DRUM's trailing-slash rule: registered with a slash, redirected without one.
            with_slash = self._routes.get(path + "/")
            # Only where the method is served there (werkzeug's rule: POST /info is a 404).
            if (
                with_slash is not None
                and not path.endswith("/")
                and request.method in self._allowed(with_slash)
            ):
                target = path + "/" + (f"?{request.query_string}" if request.query_string else "")
                host = request.headers.get("host")
                # Absolute, as werkzeug (so DRUM) writes it.
                location = f"http://{host}{target}" if host else target

                return Response(
                    308,
                    [("Content-Type", JSON), ("Location", location)],
                    dumps({"message": f"Permanent Redirect: {target}"}),
                )
            # With the error server up, the routes DRUM's has not are not there either.
            detail = self.load_detail if self.model is None else None
            raise RequestError(404, f"ERROR: no route {request.method} {path}", detail=detail)
        allowed = self._allowed(route)
        if request.method == "OPTIONS":
            headers = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Allow", ", ".join(sorted(allowed))),
            ]
            return Response(200, headers, b"")
        if request.method not in allowed:
            raise RequestError(
                405,
                f"ERROR: {request.method} is not allowed on {path}; "
                f"use {', '.join(sorted(route.methods))}",
                {"Allow": ", ".join(sorted(allowed))},
            )
        if self.model is None:
            # DRUM's error server: its message is the load error's text, as DRUM's is.
            return error_response(513, f"ERROR: {self.load_error}", self.load_detail)
        if request.body_fault is BodyFault.OVER_BUDGET:
            raise RequestError(
                503,
                self._body_fault_message(request),
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
                detail=f"{self.body_budget.held} bytes of other bodies are held now; "
                "--body-budget-bytes (DRUM_BODY_BUDGET_BYTES) sets the budget",
            )
        if request.body_fault is not None:
            raise RequestError(request.body_fault.value, self._body_fault_message(request))
        with route_span(route.span, request) as span:
            return span.answered(route.handler(self.serving, request))

    @staticmethod
    def _allowed(route: Route) -> frozenset[str]:
        """The methods a route answers: its own, HEAD with GET, and OPTIONS, which every
        route answers with the list, as Flask (so DRUM) does."""
        return route.methods | {"OPTIONS"} | ({"HEAD"} if "GET" in route.methods else set())

    def _body_fault_message(self, request: Request) -> str:
        fault = request.body_fault
        if fault is BodyFault.TOO_LARGE:
            limit = self.settings.max_body_bytes
            return f"ERROR: the request body is larger than the limit of {limit} bytes"
        if fault is BodyFault.OVER_BUDGET:
            return (
                "ERROR: the server is reading too many request bodies at once to take this "
                f"one now (its body budget is {self.body_budget.limit} bytes); nothing was "
                f"scored: retry after {RETRY_AFTER_SECONDS} s, or send it to another replica"
            )
        if fault is BodyFault.TIMED_OUT:
            return (
                "ERROR: the request body stopped arriving (nothing for "
                f"{self.settings.read_timeout:g} s); nothing was scored"
            )
        declared = request.headers.get("content-length", "?")
        return (
            f"ERROR: the request body ended before its Content-Length of {declared} bytes; "
            "nothing was scored"
        )
