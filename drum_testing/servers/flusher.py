"""``StdoutFlusher``: what a model prints reaches stdout soon, also under steady traffic.

When stdout is a file or a pipe (a container's log, ``DrumServerRun``'s log file), Python
buffers it in blocks, so a model's ``print`` can sit unseen for a long time. After each
request :meth:`StdoutFlusher.mark_activity` is called (by :class:`StdoutFlusherWSGIMiddleware` on
the WSGI types, :class:`StdoutFlusherMiddleware` on FastAPI); a daemon thread flushes within
one interval of any activity. Everything about flushing stdout is in this module.

DRUM's flusher flushes only after an idle gap, so under constant load it never flushes.
Ours flushes on the first tick after activity, whether or not requests keep coming, and
does nothing while idle.

::

    flusher = StdoutFlusher(interval=0.5)
    flusher.start()
    ...                      # after every request:
    flusher.mark_activity()
    ...
    flusher.stop()           # one final flush; safe from any thread, safe to call twice
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # types only: the flask type runs without Starlette installed
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from starlette.types import ASGIApp, Receive, Scope, Send

    from .worker_ctx import WorkerCtx


class StdoutFlusher:
    """Flushes ``stream`` (``sys.stdout`` at flush time, by default) after activity.

    ``keep_running``, when given, is asked after each beat; once it says False the thread
    ends after a final flush (a worker context's ``running`` is meant to go here).
    """

    def __init__(
        self,
        interval: float = 0.5,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        keep_running: Callable[[], bool] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.interval = interval
        self._stream = stream
        self._clock = clock
        self.keep_running = keep_running
        self._pending = False
        self._last_activity: float | None = None
        self._stopped = threading.Event()
        self._final_flushed = threading.Event()
        self._start_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self.flush_count = 0
        """How many flushes have run."""
        self.ticks = 0
        """How many beats the thread has had; lets a test see time pass without a clock."""
        self.thread = threading.Thread(target=self._run, name="StdoutFlusher", daemon=True)

    @property
    def last_activity(self) -> float | None:
        """The clock's reading at the last :meth:`mark_activity`, or None."""
        return self._last_activity

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self._stopped.is_set()

    def start(self) -> bool:
        """Start the thread. Returns False, and starts nothing, if it was started before."""
        with self._start_lock:
            if self.thread.ident is not None or self._stopped.is_set():
                return False
            self.thread.start()
            return True

    def run_in(self, ctx: WorkerCtx) -> None:
        """Hand this flusher to a worker's context: ``ctx.start()`` starts its thread (once),
        and the worker's stop ends it after a final flush."""
        self.keep_running = ctx.running
        ctx.add_thread(self.thread, name="StdoutFlusher")
        ctx.defer_cleanup(self.stop, order=50, desc="StdoutFlusher.stop()")

    def mark_activity(self) -> None:
        """Note that a request finished: output may be waiting. Cheap; called per request."""
        self._last_activity = self._clock()
        self._pending = True

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the thread after one final flush. Idempotent; callable from any thread."""
        self._stopped.set()
        thread = self.thread
        if thread.ident is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if not self._final_flushed.is_set():  # the thread never ran, or is stuck
            self.flush()
            self._final_flushed.set()

    def flush(self) -> None:
        """Flush now, whatever the activity. Errors of a closed stream are ignored."""
        with self._flush_lock:
            self._pending = False
            stream = self._stream or sys.stdout
            # A closed or broken stream has nothing left to save.
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
            self.flush_count += 1

    def tick(self) -> bool:
        """One beat of the thread: flush if there was activity since the last flush.

        Whether requests are still coming does not matter, so steady traffic cannot hold
        output back. Returns whether it flushed.
        """
        if not self._pending:
            return False
        self.flush()
        return True

    def _run(self) -> None:
        # wait() returns True once stop() is called; until then, one tick per interval.
        while not self._stopped.wait(self.interval):
            self.ticks += 1
            self.tick()
            if self.keep_running is not None and not self.keep_running():
                break  # The worker context stopped running: end the loop, and flush.
        self._stopped.set()
        self.flush()
        self._final_flushed.set()


class StdoutFlusherWSGIMiddleware:
    """Marks flusher activity once each WSGI response is closed, streamed answers included.

    ::

        app = StdoutFlusherWSGIMiddleware(CoreWSGI(core), flusher)
    """

    def __init__(self, app: WSGIApplication, flusher: StdoutFlusher) -> None:
        self.app = app
        self.flusher = flusher

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return _MarkedBody(self.app(environ, start_response), self.flusher)


class _MarkedBody:
    """A WSGI body whose ``close`` (which every WSGI server calls) also marks activity."""

    def __init__(self, body: Iterable[bytes], flusher: StdoutFlusher) -> None:
        self._body = body
        self._flusher = flusher

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        close: Callable[[], Any] | None = getattr(self._body, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._flusher.mark_activity()


class StdoutFlusherMiddleware:
    """Marks flusher activity after every ASGI HTTP request, however it ended.

    Pure ASGI rather than Starlette's ``BaseHTTPMiddleware``: the latter runs every request
    through an extra task and memory stream, and measured here one no-op instance took a bare
    FastAPI app from about 4,500 to 1,600 requests/s on ``/ping/``; this is one more
    ``await``. The inner app returns once the response is complete, streamed bodies
    included, or raises: either way ``finally`` marks the activity. Starlette refuses
    middleware once the app has started, so it is added when the app is built::

        app = FastAPI(middleware=[Middleware(StdoutFlusherMiddleware, flusher=flusher)])
    """

    def __init__(self, app: ASGIApp, flusher: StdoutFlusher) -> None:
        self.app = app
        self.flusher = flusher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.flusher.mark_activity()
