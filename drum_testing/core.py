"""Routes, error rules and headers: everything a client can see, written once.

Server types are adapters: they turn their request object into a
:class:`~drum_testing.messages.Request`, call :meth:`PredictionCore.handle`, and write the
:class:`~drum_testing.messages.Response` back. Parity across types holds because no route,
error rule or header lives anywhere but here.

::

    core = PredictionCore(settings, Model.load(settings), server_type="flask")
    response = core.handle(Request("GET", "/ping/"))
    assert response.status == 200
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from . import routes
from .errors import RequestError, user_http_error
from .messages import JSON, Request, Response, error_response, json_response
from .model import Model
from .payloads import dumps
from .settings import Settings
from .stats import Stats
from .version import VERSION

logger = logging.getLogger(__name__)

REQUEST_ID_HEADERS = ("X-Request-ID", "X_Request_ID")
USER_ERROR_HEADER = "X-Drum-User-Http-Error"
VERSION_HEADER = "X-Drum-Version"


@dataclass(frozen=True)
class Route:
    """A path the core answers, the methods it takes and what answers them."""

    methods: frozenset[str]
    handler: Callable[[Request], Response]
    needs_model: bool = True
    """False for liveness routes, which answer 200 even when the model failed to load."""


class PredictionCore:
    """Turns a :class:`Request` into a :class:`Response` for one loaded model.

    ``model`` is None when loading failed and the server runs with ``--with-error-server``;
    ``load_error`` then says why, and every route but liveness answers 513 with it.
    """

    def __init__(
        self,
        settings: Settings,
        model: Model | None,
        *,
        server_type: str,
        load_error: str | None = None,
    ) -> None:
        if model is None and load_error is None:
            raise ValueError("PredictionCore needs a model or the error that stopped loading it")
        self.settings = settings
        self.model = model
        self.server_type = server_type
        self.load_error = load_error
        self.stats = Stats()
        handlers = routes.Handlers(self)
        self._routes: dict[str, Route] = {
            settings.url_prefix + path: Route(frozenset(methods), getattr(handlers, name), live)
            for path, (methods, name, live) in routes.ROUTES.items()
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
            return cls(settings, None, server_type=settings.server_type.value, load_error=repr(exc))
        return cls(settings, model, server_type=settings.server_type.value)

    def is_light(self, request: Request) -> bool:
        """True when the answer needs no model code (liveness): safe on an event loop."""
        route = self._routes.get(request.path)
        return route is not None and not route.needs_model

    def handle(self, request: Request) -> Response:
        """Answer one request. Never raises: every failure becomes a JSON error response."""
        try:
            response = self._dispatch(request)
        except RequestError as exc:
            response = error_response(exc.status, exc.message)
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
                response = error_response(500, f"{type(exc).__name__}: {exc}")
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        response.headers.append((VERSION_HEADER, VERSION))
        response.headers.extend((name, request_id) for name in REQUEST_ID_HEADERS)
        if request.method == "HEAD" and not response.streamed:
            response.body = b""
        return response

    def _dispatch(self, request: Request) -> Response:
        # werkzeug reads "//ping/" as "/ping/" (the leading "//" looks like a host to it);
        # doing the same for every type keeps them alike.
        path = "/" + request.path.lstrip("/") if request.path.startswith("//") else request.path
        route = self._routes.get(path)
        if route is None:
            # DRUM's trailing-slash rule: registered with a slash, redirected without one.
            with_slash = self._routes.get(path + "/")
            if with_slash is not None and not path.endswith("/"):
                location = path + "/" + (f"?{request.query_string}" if request.query_string else "")
                return Response(
                    308,
                    [("Content-Type", JSON), ("Location", location)],
                    dumps({"message": f"Permanent Redirect: {location}"}),
                )
            raise RequestError(404, f"ERROR: no route {request.method} {path}")
        allowed = route.methods | ({"HEAD"} if "GET" in route.methods else set())
        if request.method not in allowed:
            raise RequestError(
                405,
                f"ERROR: {request.method} is not allowed on {path}; "
                f"use {', '.join(sorted(route.methods))}",
                {"Allow": ", ".join(sorted(allowed))},
            )
        if self.model is None and route.needs_model:
            return error_response(513, f"ERROR: the model failed to load: {self.load_error}")
        if request.body_too_large:
            limit = self.settings.max_body_bytes
            raise RequestError(
                413, f"ERROR: the request body is larger than the limit of {limit} bytes"
            )
        return route.handler(request)
