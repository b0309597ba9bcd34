"""The FastAPI server type: an ASGI adapter over the core, on Uvicorn.

:class:`PredictionServer` materialises the FastAPI app: one catch-all ASGI endpoint that
hands requests to the core, the flusher middleware (added at build time), and a lifespan
that owns the worker context. Model code is synchronous, so it runs in the thread pool,
off the event loop: ``/ping/`` keeps answering while a slow prediction runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import uvicorn
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from uvicorn.supervisors import Multiprocess

from drum_testing.core import PredictionCore
from drum_testing.flusher import StdoutFlusher
from drum_testing.messages import Body, BodyBuffer, BodyFault, Headers, Request, Response
from drum_testing.servers.middleware import StdoutFlusherMiddleware
from drum_testing.servers.shutdown import ABANDONED, abandon_if_busy
from drum_testing.servers.uvicorn_protocol import TimedHTTPProtocol
from drum_testing.settings import Settings
from drum_testing.worker_ctx import WorkerCtx

logger = logging.getLogger(__name__)


class FastAPIWorkerCtx(WorkerCtx):
    """The worker context of one Uvicorn worker, owned by the app's lifespan."""


class ClientDisconnected(Exception):
    pass


async def read_body(
    receive: Receive, content_length: int | None, limit: int, timeout: float
) -> tuple[Body, BodyFault | None]:
    """The ASGI twin of :func:`drum_testing.messages.read_limited`: ``(body, fault)``.

    Each wait for the next part may last ``timeout`` seconds (then the fault is
    ``TIMED_OUT``), as a WSGI server's socket timeout bounds each read.
    """
    buffer = BodyBuffer(content_length, limit)
    while buffer.wanted:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            return b"", BodyFault.TIMED_OUT
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
        settings = self.core.settings
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
        )
        if self.core.wants_body(request):
            length = headers.get("content-length")
            try:
                body, fault = await read_body(
                    receive,
                    int(length) if length and length.isdigit() else None,
                    settings.max_body_bytes,
                    settings.read_timeout,
                )
            except ClientDisconnected:
                return  # never scored: nobody is there to answer, and the body is partial
            request = dataclasses.replace(request, body=body, body_fault=fault)
        if self.core.is_light(request):
            response = self.core.handle(request)
        else:
            response = await run_in_threadpool(self.core.handle, request)
        await send_response(response, send, receive)


_END = object()


async def send_response(response: Response, send: Send, receive: Receive) -> None:
    """Send ``response``; a streamed body is closed when it ends or the client leaves."""
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    if isinstance(response.body, bytes):
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        return
    body = iter(response.body)
    # Uvicorn drops what is sent to a client that left without saying so: only receive()
    # tells. Watching it lets the stream stop at the next chunk instead of running the
    # model's generator to its end for nobody.
    left = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, left))
    try:
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        while not left.is_set():
            chunk = await run_in_threadpool(next, body, _END)
            if chunk is _END:
                await send({"type": "http.response.body", "body": b""})
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    finally:
        watcher.cancel()
        # As a WSGI server closes a body: the model's generator stops, and its turn is free.
        close = getattr(body, "close", None)
        if close is not None:
            await run_in_threadpool(close)


async def _watch_disconnect(receive: Receive, left: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # the rest of a request body nobody read
    left.set()


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
        # Model calls and streamed chunks run on anyio's threads: as many as the settings
        # allow (anyio's default is 40), the model's hooks still taking turns.
        anyio.to_thread.current_default_thread_limiter().total_tokens = self.settings.threads
        ctx.start()
        try:
            yield
        finally:
            ctx.stop()
            ctx.cleanup()
            # Uvicorn has waited drain_timeout for requests in flight, then cancelled them;
            # a model call it cancelled still runs on its thread.
            if self.core is not None:
                abandon_if_busy(self.core, self.settings.drain_timeout)


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

    def load(self) -> None:
        super().load()
        self.http_protocol_class = TimedHTTPProtocol  # whatever ``http`` said

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["drum_core"] = None  # workers load their own model
        return state


class DrumUvicornServer(uvicorn.Server):
    """Uvicorn's server, exiting normally after a graceful stop.

    Uvicorn raises the signal that stopped it again once it has shut down, so the process
    dies of SIGTERM (status -15) after answering everything; a stop that went well is
    status 0 on every other type, and here too.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class DrumMultiprocess(Multiprocess):
    """Uvicorn's supervisor, noting which workers were running when it began to stop."""

    stopped: tuple[Any, ...] = ()

    def terminate_all(self) -> None:
        self.stopped = tuple(p for p in self.processes if p.exitcode is None)
        super().terminate_all()


def serve(core: PredictionCore, sock: socket.socket) -> int:
    """Serve with uvicorn on ``sock`` until SIGTERM or SIGINT; returns the exit status.

    0 after a graceful stop; 1 when a worker had to abandon a busy model
    (``drain_timeout``) or failed.
    """
    settings = core.settings
    workers = settings.max_workers
    config = DrumUvicornConfig(
        settings,
        core if workers == 1 else None,
        workers=workers,
        lifespan="on",
        log_level=settings.logging_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=settings.drain_timeout,
        timeout_keep_alive=settings.keepalive_timeout,
        backlog=settings.backlog,
    )
    logger.warning(
        "serving %s model on http://%s:%s (fastapi, %d workers)",
        settings.target_type.value,
        *sock.getsockname()[:2],
        workers,
    )
    if workers == 1:
        DrumUvicornServer(config).run(sockets=[sock])
        return 0
    supervisor = DrumMultiprocess(config, sockets=[sock])
    supervisor.run()
    # A worker stopped by SIGTERM ends with -15 (uvicorn raises it again), one that had to
    # abandon its model with ABANDONED. Only workers alive when the stop began count: one
    # that crashed earlier (and was not yet replaced) is the crash's story, as on gunicorn.
    failed = [p.exitcode for p in supervisor.stopped if p.exitcode and p.exitcode > 0]
    if failed:
        logger.error("workers exited with status %s", ", ".join(map(str, failed)))
        return ABANDONED
    return 0
