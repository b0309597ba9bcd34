"""The Gunicorn server type: the Flask adapter's WSGI app, served by pre-forked workers.

The process that ``python -m drum_testing server`` started *is* the gunicorn master: the
application runs in-process (no child server that could be orphaned), so SIGTERM from
``DrumServerRun`` or a container runtime reaches the arbiter directly, which stops the
workers gracefully and exits 0.

Each worker loads the model after the fork, as DRUM's gunicorn does: a model that opens
threads, sockets or a GPU context in ``load_model`` would lose them in a fork. Start-up
still fails fast: a worker whose model cannot load logs the traceback and exits with
gunicorn's boot-error status, on which the arbiter stops at once rather than forking again;
the process then exits 1, as the other types do. Threads do not survive ``fork`` either, so
each worker also builds its own worker context and flusher.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from drum_testing.config.settings import Settings
from drum_testing.servers.flusher import StdoutFlusher
from drum_testing.servers.shutdown import ABANDONED, recycling
from drum_testing.servers.worker_ctx import WorkerCtx
from drum_testing.telemetry import setup as telemetry

from .gunicorn_log import DrumGunicornLogger
from .gunicorn_worker import TimedThreadWorker

if TYPE_CHECKING:  # imported by the workers only: the master needs neither the model
    from .extension import ExtendedFlask  # nor pandas (less memory, faster fork)
    from .flask import CoreFlask

logger = logging.getLogger(__name__)

BOOT_FAILURES = (Arbiter.WORKER_BOOT_ERROR, Arbiter.APP_LOAD_ERROR)
MODEL_LOAD_FAILED = 1
WORKER_CLASS = f"{TimedThreadWorker.__module__}.{TimedThreadWorker.__qualname__}"


def tuning_options(settings: Settings) -> dict[str, Any]:
    """Gunicorn's settings for our tunables (also what the bench's bare gunicorn uses)."""
    return {
        "threads": settings.threads,
        # gunicorn takes whole seconds for these: rounded up, never down to 0.
        "keepalive": math.ceil(settings.keepalive_timeout),
        "graceful_timeout": math.ceil(settings.drain_timeout),
        "timeout": math.ceil(settings.worker_timeout),
        "backlog": settings.backlog,
        # gunicorn's own recycling: each worker exits after max_requests plus its own jitter,
        # answering what it has begun, and the arbiter forks a fresh one.
        "max_requests": settings.max_requests,
        "max_requests_jitter": settings.max_requests_jitter,
    }


class GunicornWorkerCtx(WorkerCtx):
    """The worker context of one gunicorn worker process."""


class DrumArbiter(Arbiter):  # type: ignore[misc]
    """The arbiter, noting whether a stop had to kill workers still busy after the drain.

    A stopping worker waits ``graceful_timeout`` (our ``drain_timeout``) for its requests;
    one whose model is still running cannot exit (Python joins the model's thread), and
    the arbiter kills it when that time is up. That stop was not clean: the process exits
    with ABANDONED, as the other types do.
    """

    abandoned = False

    def kill_workers(self, sig: int) -> None:
        if sig == signal.SIGKILL and self.WORKERS:
            self.abandoned = True
            self.log.error(
                "%d worker(s) still busy after the drain time of %g s; killing them and "
                "exiting with status %d",
                len(self.WORKERS),
                self.cfg.graceful_timeout,
                ABANDONED,
            )
        super().kill_workers(sig)


class DrumGunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    """Gunicorn run in-process on an already-listening socket."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self.sock = sock
        self.app: CoreFlask | ExtendedFlask | None = None  # each worker's own, built by load()
        self.flusher: StdoutFlusher | None = None  # each worker's own too
        self.telemetry: telemetry.Telemetry | None = None  # and its exporters
        self.arbiter: DrumArbiter | None = None
        super().__init__()

    def run(self) -> None:
        self.arbiter = DrumArbiter(self)
        self.arbiter.run()

    def load_config(self) -> None:
        settings = self.settings
        options: dict[str, Any] = {
            # gunicorn adopts the descriptor; keeping our socket object open keeps it valid.
            "bind": [f"fd://{self.sock.fileno()}"],
            "workers": settings.max_workers,
            # gthread (with a read timeout): idle keep-alive connections wait in a poller, not
            # in a thread, and a slow prediction or stalled clients leave threads to answer
            # /ping/, as on the other types.
            # By import path, not the class: gunicorn before 23 logs the class by its path.
            "worker_class": WORKER_CLASS,
            **tuning_options(settings),
            "loglevel": settings.gunicorn_log_level or settings.logging_level.lower(),
            "errorlog": "-",
            # Off for good: the access log is the core's (--access-log), the same on every type.
            "accesslog": None,
            "logger_class": DrumGunicornLogger,
            "proc_name": "drum_testing",
            # Gunicorn 25+ opens a control socket at one fixed path per user; parallel
            # servers would fight over it.
            "control_socket_disable": True,
            "post_worker_init": self._post_worker_init,
            "worker_exit": self._worker_exit,
        }
        for name, value in options.items():
            if name in self.cfg.settings:  # older gunicorns lack some settings
                self.cfg.set(name, value)
        self.cfg.drum_read_timeout = settings.read_timeout  # TimedConn's, not a gunicorn setting

    def load(self) -> CoreFlask | ExtendedFlask:
        """Load the model and build the app, in the worker (gunicorn calls this after forking)."""
        from drum_testing.app.core import PredictionCore

        from .flask import build_app

        # In the worker, after the fork: the exporters' threads are this worker's own.
        self.telemetry = telemetry.start()
        try:
            core = PredictionCore.load(self.settings)
        except Exception as exc:
            if self.telemetry is not None:
                self.telemetry.stop()  # the worker exits: what the load logged goes out
            # gunicorn logs the traceback and exits the worker with its boot-error status.
            logger.error("the model in %s failed to load: %r", self.settings.code_dir, exc)
            raise
        self.flusher = StdoutFlusher(self.settings.flush_interval)
        self.app = build_app(core, self.flusher)
        return self.app

    def _post_worker_init(self, worker: Any) -> None:
        # After load(), in the worker: the context starts the flusher's thread (threads do
        # not survive the fork) and stops it when the worker exits.
        ctx = GunicornWorkerCtx(f"gunicorn worker {os.getpid()}")
        if self.flusher is not None:
            self.flusher.run_in(ctx)
        if self.telemetry is not None:
            # At the stop, after the drain: every request's span has ended by then.
            ctx.defer_stop(self.telemetry.stop, desc="Telemetry.stop()")
        worker.drum_worker_ctx = ctx
        ctx.start()

    def _worker_exit(self, server: Any, worker: Any) -> None:
        ctx: WorkerCtx | None = getattr(worker, "drum_worker_ctx", None)
        if ctx is not None:
            ctx.stop()
            ctx.cleanup()


def serve(settings: Settings, sock: socket.socket) -> int:
    """Run the gunicorn master here until it is stopped; returns the exit status.

    1 when a worker could not load the model (gunicorn's own statuses for that are 3 and
    4), as the other server types exit when the model does not load.
    """
    logger.info(
        "serving %s model on http://%s:%s (gunicorn, %d workers%s)",
        settings.target_type.value,
        *sock.getsockname()[:2],
        settings.max_workers,
        recycling(settings),
    )
    master = os.getpid()
    application = DrumGunicorn(settings, sock)
    try:
        application.run()
    except SystemExit as exc:  # the arbiter exits through sys.exit
        if os.getpid() != master:
            raise  # a worker's exit (forked from here): its status is the arbiter's to read
        code = exc.code if isinstance(exc.code, int) else 0
        if code in BOOT_FAILURES:
            return MODEL_LOAD_FAILED
        if code == 0 and application.arbiter is not None and application.arbiter.abandoned:
            return ABANDONED
        return code
    return 0
