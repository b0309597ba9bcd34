"""The fastapi type with a model's ``custom_fastapi.py``: its ``init_app(app)`` gets the
FastAPI app, as ``custom_flask.py``'s gets the Flask app on the other types.

The extension may add middleware (``@app.middleware("http")``: an authentication check),
routes (which come before the core's catch-all route, so they answer first), exception
handlers or dependencies. Starlette runs middleware before routing, so a check that must
let liveness through looks at ``request.url.path`` (there is no ``request.endpoint``).

:class:`ExtensionGuard`, outside everything the extension adds, gives the extension's own
answers the headers every answer carries (:func:`~drum_testing.app.core.answer_headers`)
and turns an exception its middleware raises into a JSON error, as on the Flask types: its
own status for an HTTP exception, else 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drum_testing.app.core import VERSION_HEADER, answer_headers
from drum_testing.http.json import JSON, dumps
from drum_testing.servers.extensions import import_extension

logger = logging.getLogger(__name__)

_VERSION = VERSION_HEADER.lower().encode("latin-1")


class ExtensionGuard:
    """ASGI middleware around the extension's: our headers on its answers, JSON errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None
        )
        started = False

        async def stamped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not any(name.lower() == _VERSION for name, _ in headers):
                    headers += _encoded(answer_headers(request_id))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, stamped)
        except Exception as exc:
            if started:
                raise  # the answer has begun: nothing else can be sent
            if isinstance(exc, HTTPException):
                status = exc.status_code
                # Werkzeug's words for the same exception: "403 Forbidden: <detail>".
                message = f"ERROR: {status} {HTTPStatus(status).phrase}: {exc.detail}"
            else:
                logger.exception("the server extension raised on %s", scope.get("path"))
                status, message = 500, f"ERROR: {exc}"
            body = dumps({"message": message})
            headers = [("Content-Type", JSON), ("Content-Length", str(len(body)))]
            await stamped(
                {"type": "http.response.start", "status": status, "headers": _encoded(headers)}
            )
            await send({"type": "http.response.body", "body": body})


def _encoded(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


def extend(app: FastAPI, path: Path, core_route: BaseRoute) -> None:
    """Apply the extension at ``path`` to ``app``: its ``init_app(app)``, then the core's
    catch-all route after the extension's routes, and :class:`ExtensionGuard` outermost."""
    module = import_extension(path)
    logger.warning("extending the FastAPI app with %s", path)
    module.init_app(app)
    routes: list[Any] = app.router.routes
    if core_route in routes:
        routes.remove(core_route)
    routes.append(core_route)
    app.user_middleware.insert(0, Middleware(ExtensionGuard))
