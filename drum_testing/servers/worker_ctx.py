"""Worker contexts: what one serving worker started, and how to stop it in order.

Gunicorn workers and FastAPI (Uvicorn) workers both own background threads and resources
that must end before the process does. A :class:`WorkerCtx` collects them as the worker
starts and unwinds them as it stops::

    ctx = WorkerCtx("worker-1")
    ctx.add_thread(flusher.thread, name="StdoutFlusher")
    ctx.defer_cleanup(flusher.stop, order=50, desc="StdoutFlusher.stop()")
    ctx.start()
    ...
    ctx.stop()      # stop callbacks, lowest order first; running() is False from here on
    ctx.cleanup()   # cleanup callbacks, highest order first, then threads are joined

One failing callback is logged and the others still run: a worker that cannot flush its
log must still close its model.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

DEFAULT_JOIN_TIMEOUT = 5.0


@dataclass(frozen=True)
class Deferred:
    """A callback to run at stop or cleanup."""

    fn: Callable[[], object]
    order: int
    desc: str
    seq: int = field(compare=False)


@dataclass(frozen=True)
class OwnedThread:
    thread: threading.Thread
    name: str
    join_timeout: float


class WorkerCtx:
    """The life cycle of one worker: threads it owns, callbacks at stop and cleanup."""

    def __init__(self, name: str = "worker") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._running = False
        self._stopped = False
        self._cleaned = False
        self._threads: list[OwnedThread] = []
        self._on_stop: list[Deferred] = []
        self._on_cleanup: list[Deferred] = []
        self._seq = itertools.count()
        self.failures: list[tuple[str, BaseException]] = []
        """Callbacks that raised, as ``(desc, exception)``, for tests and diagnostics."""

    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`; threads poll it to know when to end."""
        return self._running

    def add_thread(
        self,
        thread: threading.Thread,
        *,
        name: str | None = None,
        join_timeout: float | None = None,
    ) -> None:
        """Own ``thread``: started by :meth:`start` unless already running, joined at cleanup."""
        owned = OwnedThread(thread, name or thread.name, join_timeout or DEFAULT_JOIN_TIMEOUT)
        with self._lock:
            self._threads.append(owned)
            started = self._running
        if started and thread.ident is None:
            thread.start()

    def defer_stop(self, fn: Callable[[], object], *, order: int = 0, desc: str = "") -> None:
        """Run ``fn`` at :meth:`stop`; lower ``order`` runs first, ties in registration order."""
        self._on_stop.append(Deferred(fn, order, desc or _describe(fn), next(self._seq)))

    def defer_cleanup(self, fn: Callable[[], object], *, order: int = 0, desc: str = "") -> None:
        """Run ``fn`` at :meth:`cleanup`; higher ``order`` runs first (the reverse of stop)."""
        self._on_cleanup.append(Deferred(fn, order, desc or _describe(fn), next(self._seq)))

    def start(self) -> None:
        """Mark the worker running and start every owned thread not started yet (once)."""
        with self._lock:
            if self._running or self._stopped:
                return
            self._running = True
            threads = list(self._threads)
        for owned in threads:
            # A thread someone already started is left alone: starting twice raises.
            if owned.thread.ident is None:
                owned.thread.start()

    def stop(self) -> None:
        """Stop: ``running()`` turns False, then the stop callbacks run. Idempotent."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._running = False
        for deferred in sorted(self._on_stop, key=lambda d: (d.order, d.seq)):
            self._call(deferred, "stop")

    def cleanup(self) -> None:
        """Run the cleanup callbacks in reverse order, then join owned threads. Idempotent."""
        self.stop()
        with self._lock:
            if self._cleaned:
                return
            self._cleaned = True
        for deferred in sorted(self._on_cleanup, key=lambda d: (d.order, d.seq), reverse=True):
            self._call(deferred, "cleanup")
        for owned in self._threads:
            if owned.thread.ident is None or owned.thread is threading.current_thread():
                continue
            owned.thread.join(owned.join_timeout)
            if owned.thread.is_alive():
                logger.warning(
                    "%s: thread %s still running after %.1f s",
                    self.name,
                    owned.name,
                    owned.join_timeout,
                )

    def _call(self, deferred: Deferred, phase: str) -> None:
        try:
            deferred.fn()
        except Exception as exc:
            self.failures.append((deferred.desc, exc))
            logger.exception("%s: %s callback %s failed", self.name, phase, deferred.desc)


def _describe(fn: Callable[[], object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
