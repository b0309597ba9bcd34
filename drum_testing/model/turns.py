"""Taking turns at the model: how many requests may run its hooks at once in one process.

DRUM never runs a model's hooks concurrently inside a process (its werkzeug mode serves one
request at a time per process, its gunicorn mode uses sync workers), and model code is
written for that: module-level state, native libraries that are not thread-safe. Our
servers answer on threads, so that ``/ping/`` and the other liveness routes answer while a
prediction runs; the model's hooks still take turns, one at a time by default
(``Settings.model_concurrency``), whatever the server type.

::

    turns = ModelTurns(1)
    with turns.take():
        predictions = score(data, model)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class ModelTurns:
    """At most ``concurrency`` callers hold a turn at once; the others wait for one."""

    def __init__(self, concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError(f"model concurrency must be at least 1, got {concurrency}")
        self.concurrency = concurrency
        self._slots = threading.BoundedSemaphore(concurrency)

    @contextmanager
    def take(self) -> Iterator[None]:
        """Hold a turn for the duration of the block."""
        with self._slots:
            yield

    def hold_while(self, call: Callable[[], Any]) -> Any:
        """``call()`` in a turn; a streamed answer (an iterator) keeps the turn until it is
        exhausted or closed, since the model's generator runs while it is iterated."""
        self._slots.acquire()
        try:
            result = call()
        except BaseException:
            self._slots.release()
            raise
        if isinstance(result, Iterator):
            return HeldIterator(result, self._slots.release)
        self._slots.release()
        return result


class HeldIterator(Iterator[Any]):
    """An iterator that gives its turn back once, when it ends, fails or is closed."""

    def __init__(self, inner: Iterator[Any], release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    def __next__(self) -> Any:
        if self._release is None:
            raise StopIteration
        try:
            return next(self._inner)
        except BaseException:  # StopIteration included: the stream is over
            self._give_back()
            raise

    def close(self) -> None:
        """Stop the model's generator (its ``finally`` runs) and give the turn back."""
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()

    def __del__(self) -> None:
        # Last resort, for a server that dropped the stream without closing it.
        self._give_back()
