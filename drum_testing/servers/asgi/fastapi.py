"""The FastAPI server type: the ASGI adapter over the core, on Uvicorn.

:class:`PredictionServer` materialises the FastAPI app: one catch-all ASGI endpoint
(:class:`~drum_testing.servers.asgi.adapter.CoreEndpoint`) that hands requests to the
core, the flusher middleware (added at build time), and a lifespan that owns the worker
context. The rest is running uvicorn: its config here, its server (:mod:`.uvicorn_server`)
and its supervisor (:mod:`.supervisor`), each made to stop as the other types stop.
"""

from __future__ import annotations

import inspect
import logging
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import uvicorn
from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.routing import Route

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import Settings
from drum_testing.servers.extensions import FASTAPI_EXTENSION, find_extension
from drum_testing.servers.flusher import StdoutFlusher, StdoutFlusherMiddleware
from drum_testing.servers.shutdown import ABANDONED, abandon_if_busy, recycling, supervised
from drum_testing.servers.worker_ctx import WorkerCtx
from drum_testing.telemetry import setup as telemetry
from drum_testing.telemetry.logs import configure_logging

from .adapter import CoreEndpoint
from .supervisor import DrumMultiprocess
from .uvicorn_protocol import TimedHTTPProtocol
from .uvicorn_server import DrumUvicornServer

logger = logging.getLogger(__name__)


NO_NATIVE_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI).parameters
    else {}
)
"""FastAPI's own OpenTelemetry (0.165+) turned off: it would add a server span, metrics and
log records on this type only, where the core makes the same ones for every type."""


class FastAPIWorkerCtx(WorkerCtx):
    """The worker context of one Uvicorn worker, owned by the app's lifespan."""


class PredictionServer:
    """Builds the FastAPI app of one worker for a core (loaded here if not given)."""

    def __init__(
        self,
        settings: Settings,
        core: PredictionCore | None = None,
        exporters: telemetry.Telemetry | None = None,
    ) -> None:
        self.settings = settings
        self.core = core
        self.flusher = StdoutFlusher(settings.flush_interval)
        self.worker_ctx: FastAPIWorkerCtx | None = None
        self.telemetry = exporters
        """This process's exporters: given with a core loaded here, else started here."""

    def materialize(self) -> FastAPI:
        """The worker's FastAPI app, with the model loaded (unless a core was given), and
        the model folder's ``custom_fastapi.py`` applied (:mod:`.extension`)."""
        if self.core is None:
            # A worker uvicorn's supervisor spawned: its own exporters, before its model loads.
            self.telemetry = telemetry.start()
        core = self.core or PredictionCore.load(self.settings)
        self.core = core
        app, route = self._app(core)
        path = find_extension(self.settings.code_dir, FASTAPI_EXTENSION)
        if path is None:
            return app
        if core.model is None:  # as in DRUM, the error server runs no extension
            logger.warning("the model failed to load: %s is not applied (as in DRUM)", path)
            return app
        from .extension import extend

        try:
            extend(app, path, route)
        except Exception as exc:
            if not self.settings.with_error_server:
                raise
            logger.exception("the server extension failed; answering 513 (--with-error-server)")
            self.core = PredictionCore(
                self.settings, None, server_type=core.server_type, load_error=repr(exc)
            )
            return self._app(self.core)[0]
        return app

    def _app(self, core: PredictionCore) -> tuple[FastAPI, Route]:
        """The app answering every request with ``core``, and its one route."""
        app = FastAPI(
            lifespan=self._lifespan,
            docs_url=None,
            redoc_url=None,
            openapi_url=None,
            # Middleware is fixed here, at build time: Starlette refuses it once started.
            middleware=[Middleware(StdoutFlusherMiddleware, flusher=self.flusher)],
            **NO_NATIVE_TELEMETRY,
        )
        # An ASGI endpoint (not a function) matches every method: 405 is the core's to give.
        route = Route("/{path:path}", CoreEndpoint(core), include_in_schema=False)
        app.router.routes.append(route)
        return app, route

    @asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        ctx = FastAPIWorkerCtx("fastapi worker")
        # The context starts the flusher thread: the flusher is never started on its own,
        # so it starts exactly once.
        self.flusher.run_in(ctx)
        if self.telemetry is not None:
            # At the stop, after uvicorn's drain: every request's span has ended by then.
            ctx.defer_stop(self.telemetry.stop, desc="Telemetry.stop()")
        self.worker_ctx = ctx
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

    def __init__(
        self,
        settings: Settings,
        core: PredictionCore | None,
        exporters: telemetry.Telemetry | None = None,
        **kwargs: Any,
    ) -> None:
        self.drum_settings = settings
        self.drum_core = core
        self.drum_exporters = exporters
        # No log_config: uvicorn's loggers get no handler of their own (configure_logging).
        super().__init__(app=f"{__name__}:PredictionServer", log_config=None, **kwargs)

    def configure_logging(self) -> None:
        # Uvicorn calls this in the process that builds the config and again in each worker
        # it spawns (a new interpreter: the parent's logging is not there). Its loggers have
        # no handler of their own: they propagate to the one handler of the log, in its
        # format; uvicorn then sets their levels.
        configure_logging(self.drum_settings.logging_level, self.drum_settings.log_format)
        super().configure_logging()

    def load_app(self) -> Any:
        return PredictionServer(
            self.drum_settings, self.drum_core, self.drum_exporters
        ).materialize()

    def load(self) -> None:
        super().load()
        self.http_protocol_class = TimedHTTPProtocol  # whatever ``http`` said
        # Loaded in each worker: its own jitter, as gunicorn draws one per worker.
        settings = self.drum_settings
        if settings.max_requests:
            self.limit_max_requests = settings.max_requests + random.randint(
                0, settings.max_requests_jitter
            )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["drum_core"] = None  # workers load their own model
        return state


def serve(
    core: PredictionCore, sock: socket.socket, exporters: telemetry.Telemetry | None = None
) -> int:
    """Serve with uvicorn on ``sock`` until SIGTERM or SIGINT; returns the exit status.

    0 after a graceful stop; 1 when a worker had to abandon a busy model
    (``drain_timeout``) or failed.
    """
    settings = core.settings
    workers = settings.max_workers
    # ``exporters``: this process's, started before ``core`` loaded (serve.py), when it serves
    # that core itself; the supervisor's workers start their own.
    config = DrumUvicornConfig(
        settings,
        None if supervised(settings) else core,
        None if supervised(settings) else exporters,
        workers=workers,
        lifespan="on",
        log_level=settings.logging_level.lower(),
        # Off for good: the access log is the core's (--access-log), the same on every type.
        access_log=False,
        timeout_graceful_shutdown=settings.drain_timeout,
        timeout_keep_alive=settings.keepalive_timeout,
        backlog=settings.backlog,
    )
    logger.info(
        "serving %s model on http://%s:%s (fastapi, %d workers%s)",
        settings.target_type.value,
        *sock.getsockname()[:2],
        workers,
        recycling(settings),
    )
    if not supervised(settings):
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
