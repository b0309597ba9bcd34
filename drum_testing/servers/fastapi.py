"""The FastAPI server type: an ASGI adapter over the core, on Uvicorn.

:class:`PredictionServer` materialises the FastAPI app: one catch-all ASGI endpoint that
hands requests to the core, the flusher middleware (added at build time), and a lifespan
that owns the worker context. Model code is synchronous, so it runs in the thread pool,
off the event loop: ``/ping/`` keeps answering while a slow prediction runs.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from drum_testing.core import PredictionCore
from drum_testing.flusher import StdoutFlusher
from drum_testing.messages import Body, BodyBuffer, Headers, Request, Response
from drum_testing.servers.middleware import StdoutFlusherMiddleware
from drum_testing.settings import Settings
from drum_testing.worker_ctx import WorkerCtx

logger = logging.getLogger(__name__)

GRACEFUL_TIMEOUT = 30
"""Seconds uvicorn waits for requests in flight when it stops."""


class FastAPIWorkerCtx(WorkerCtx):
    """The worker context of one Uvicorn worker, owned by the app's lifespan."""


class ClientDisconnected(Exception):
    pass


async def read_body(receive: Receive, content_length: int | None, limit: int) -> tuple[Body, bool]:
    """The ASGI twin of :func:`drum_testing.messages.read_limited`: ``(body, too_large)``."""
    buffer = BodyBuffer(content_length, limit)
    while buffer.wanted:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        buffer.feed(message.get("body", b""))
        if not message.get("more_body", False):
            buffer.feed(b"")
    return buffer.result()


class CoreEndpoint:
    """The one ASGI endpoint: every path and method goes to the core."""

    def __init__(self, core: PredictionCore) -> None:
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        length = headers.get("content-length")
        try:
            body, too_large = await read_body(
                receive,
                int(length) if length and length.isdigit() else None,
                self.core.settings.max_body_bytes,
            )
        except ClientDisconnected:
            return
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            body=body,
            body_too_large=too_large,
        )
        if self.core.is_light(request):
            response = self.core.handle(request)
        else:
            response = await run_in_threadpool(self.core.handle, request)
        await send_response(response, send)


async def send_response(response: Response, send: Send) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    if isinstance(response.body, bytes):
        headers.append((b"content-length", str(len(response.body)).encode("latin-1")))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        return
    body = iter(response.body)
    try:
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        async for chunk in iterate_in_threadpool(body):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        # As a WSGI server closes a body: the model's generator stops, and its turn is free.
        close = getattr(body, "close", None)
        if close is not None:
            await run_in_threadpool(close)


class PredictionServer:
    """Builds the FastAPI app of one worker for a core (loaded here if not given)."""

    def __init__(self, settings: Settings, core: PredictionCore | None = None) -> None:
        self.settings = settings
        self.core = core
        self.flusher = StdoutFlusher(settings.flush_interval)
        self.worker_ctx: FastAPIWorkerCtx | None = None

    def materialize(self) -> FastAPI:
        return self._materialize_fastapi()

    def _materialize_fastapi(self) -> FastAPI:
        core = self.core or PredictionCore.load(self.settings)
        self.core = core
        app = FastAPI(
            lifespan=self._lifespan,
            docs_url=None,
            redoc_url=None,
            openapi_url=None,
            # Middleware is fixed here, at build time: Starlette refuses it once started.
            middleware=[Middleware(StdoutFlusherMiddleware, flusher=self.flusher)],
        )
        # An ASGI endpoint (not a function) matches every method: 405 is the core's to give.
        app.router.routes.append(Route("/{path:path}", CoreEndpoint(core), include_in_schema=False))
        return app

    @asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        ctx = FastAPIWorkerCtx("fastapi worker")
        self.flusher.keep_running = ctx.running
        # The context starts the flusher thread: the flusher is never started on its own,
        # so it starts exactly once.
        ctx.add_thread(self.flusher.thread, name="StdoutFlusher")
        ctx.defer_cleanup(self.flusher.stop, order=50, desc="StdoutFlusher.stop()")
        self.worker_ctx = ctx
        app.state.worker_ctx = ctx
        ctx.start()
        try:
            yield
        finally:
            ctx.stop()
            ctx.cleanup()


class DrumUvicornConfig(uvicorn.Config):
    """A uvicorn Config that builds our app itself, in whichever process serves.

    Uvicorn spawns its workers and pickles the config to them; an app object cannot
    travel that way, the settings can. Each worker builds its own app (and loads its own
    model) from them.
    """

    def __init__(self, settings: Settings, core: PredictionCore | None, **kwargs: Any) -> None:
        self.drum_settings = settings
        self.drum_core = core
        super().__init__(app="drum_testing.servers.fastapi:PredictionServer", **kwargs)

    def load_app(self) -> Any:
        return PredictionServer(self.drum_settings, self.drum_core).materialize()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["drum_core"] = None  # workers load their own model
        return state


def serve(core: PredictionCore, sock: socket.socket) -> int:
    """Serve with uvicorn on ``sock`` until SIGTERM or SIGINT; returns 0."""
    settings = core.settings
    workers = settings.max_workers
    config = DrumUvicornConfig(
        settings,
        core if workers == 1 else None,
        workers=workers,
        lifespan="on",
        log_level=settings.logging_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_TIMEOUT,
    )
    logger.warning(
        "serving %s model on http://%s:%s (fastapi, %d workers)",
        settings.target_type.value,
        *sock.getsockname()[:2],
        workers,
    )
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    return 0
