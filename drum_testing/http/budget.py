"""How many bytes of request bodies one server process holds at once, and a ceiling on it.

Each request body is read into memory as it arrives (:mod:`~drum_testing.http.body`); a
server with hundreds of connections could be asked to hold hundreds of large bodies at once,
more than the machine has, and the kernel would kill it with every request in flight. A
:class:`BodyBudget` (one per server process, on its
:class:`~drum_testing.app.core.PredictionCore`) counts the bytes held: each buffer takes
from it before it stores a chunk and gives everything back when its request is done with
its body. A body that does not fit is refused (503, ``Retry-After``) instead of read::

    budget = BodyBudget(64 * 2**20)
    if budget.take(len(chunk)):   # thread-safe; False: it would go over, nothing taken
        ...store chunk...
    budget.give(len(chunk))       # when the body is let go

``BodyBudget(None)`` has no ceiling and still counts (``--body-budget-bytes 0``).
"""

from __future__ import annotations

import threading


class BodyBudget:
    """The bytes of request bodies this process may hold at once (``limit``; None: no
    ceiling), and how many it holds (``held``). Thread-safe: the WSGI types' request
    threads and the ASGI type's event loop share one."""

    __slots__ = ("_held", "_limit", "_lock")

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"a body budget is at least 1 byte (None: no ceiling), not {limit}")
        self._limit = limit
        self._held = 0
        self._lock = threading.Lock()

    @property
    def limit(self) -> int | None:
        return self._limit

    @property
    def held(self) -> int:
        """Bytes taken and not given back yet."""
        return self._held

    @property
    def free(self) -> int | None:
        """Bytes that may be taken now (None: no ceiling)."""
        return None if self._limit is None else max(self._limit - self._held, 0)

    def fits(self, size: int) -> bool:
        """Whether ``size`` more bytes could be taken now (nothing is taken: a body is
        admitted on its declared length, and then holds only what it sent)."""
        free = self.free
        return free is None or size <= free

    def take(self, size: int) -> bool:
        """Take ``size`` bytes; False, and nothing taken, if that would pass the limit."""
        with self._lock:
            if self._limit is not None and self._held + size > self._limit:
                return False
            self._held += size
            return True

    def give(self, size: int) -> None:
        """Give back ``size`` bytes taken earlier."""
        with self._lock:
            if size > self._held:
                # A bug of ours (given twice), never the client's doing: fail loudly in tests
                # rather than let the count drift below what is really held.
                raise ValueError(f"giving back {size} bytes, but only {self._held} are held")
            self._held -= size

    def __repr__(self) -> str:
        return f"BodyBudget(limit={self._limit}, held={self._held})"
