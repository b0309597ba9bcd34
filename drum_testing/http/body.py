"""Reading a request body into memory, the same way on every server type.

Every adapter reads through a :class:`BodyBuffer`, whatever its server's way of handing over
the body (a blocking ``read``, ASGI messages); :func:`read_limited` is the loop for a
blocking ``read``. The buffer grows with the bytes that arrived, never with the length a
client declared, and takes every byte it stores from the process's
:class:`~drum_testing.http.budget.BodyBudget`.
"""

from __future__ import annotations

import ctypes
import weakref
from collections.abc import Callable

from .budget import BodyBudget
from .messages import Body, BodyFault

READ_CHUNK = 1 << 20
"""The most one read of a request body asks for."""


class BodyBuffer:
    """A request body of at most ``limit`` bytes, gathered as it arrives, within ``budget``.

    Every adapter reads through one of these, whatever its server's way of handing over
    the body (a blocking ``read``, ASGI messages). The body is one ``bytearray``, parsed
    where it lies (never held twice), and memory grows with the bytes that arrived: a client
    that declares 100 MiB and sends 1 MiB holds 1 MiB. With a declared length, the first
    chunk sizes the bytearray at that length *without writing it* (:func:`_reserve`): the
    kernel gives a page memory only when it is first written, so what is resident is what
    arrived, and the chunks are copied into place once, never moved. (Growing it chunk by
    chunk instead copies it through every size glibc keeps on its heap, below its mmap
    threshold of up to 32 MiB, and leaves those copies resident: measured, +13 to +29 MiB
    for a 97 MiB body, and 32 to 44 MiB over the budget with 32 stalled uploads.) A body
    without a declared length grows chunk by chunk.

    Refused without reading a byte: a declared length over ``limit`` (413,
    :attr:`BodyFault.TOO_LARGE`), or over what ``budget`` has free now (503,
    :attr:`BodyFault.OVER_BUDGET`). Refused mid-read: a chunk that would take the body past
    ``limit`` (a body without a declared length), or the budget past its ceiling (others
    grew meanwhile). A body that ends before its declared length is a fault, never a shorter
    body. A fault gives back at once what the buffer held; a whole body holds its bytes
    until :meth:`release` (when its request is done with it), or until the buffer is
    garbage-collected, whichever comes first, so the budget cannot leak::

        buffer = BodyBuffer(content_length=3, limit=10, budget=budget)
        try:
            while buffer.wanted:
                buffer.feed(stream.read(buffer.wanted))  # b"" when the stream ends
            body, fault = buffer.result()
            ...answer...
        finally:
            buffer.release()
    """

    def __init__(
        self, content_length: int | None, limit: int, budget: BodyBudget | None = None
    ) -> None:
        self.fault: BodyFault | None = None
        """Why the body cannot be read whole, once known (None: not, or not yet)."""
        if content_length is not None and content_length > limit:
            self.fault = BodyFault.TOO_LARGE
        elif content_length and budget is not None and not budget.fits(content_length):
            self.fault = BodyFault.OVER_BUDGET
        self._declared = content_length
        self._limit = limit
        self._budget = budget
        self._buffer = bytearray()
        self._size = 0
        """Bytes written: with a declared length the buffer is longer, not written yet."""
        self._ended = False
        # What this buffer has taken of the budget, in a cell the finalizer shares: it gives
        # the count back once, at release() or when the buffer is collected.
        self._taken = [0]
        self._release = (
            None if budget is None else weakref.finalize(self, _give_back, budget, self._taken)
        )

    @property
    def wanted(self) -> int:
        """How many more bytes to read at most (0: done), in one read of at most 1 MiB."""
        if self.fault is not None or self._ended:
            return 0
        total = self._limit + 1 if self._declared is None else self._declared
        return min(total - self._size, READ_CHUNK)

    @property
    def held(self) -> int:
        """Bytes of the body held now."""
        return self._size

    def feed(self, chunk: bytes) -> None:
        """Add the next part of the body; an empty chunk means the body ended."""
        if self.fault is not None:
            return
        if not chunk:
            self._ended = True
            return
        size, declared = self._size, self._declared
        if declared is not None:
            chunk = chunk[: declared - size]  # never past the declared length
        elif size + len(chunk) > self._limit:
            self._refuse(BodyFault.TOO_LARGE)
            return
        if self._budget is not None:
            if not self._budget.take(len(chunk)):
                self._refuse(BodyFault.OVER_BUDGET)
                return
            self._taken[0] += len(chunk)
        if declared is not None and size == 0:
            _reserve(self._buffer, declared)
        if len(self._buffer) >= size + len(chunk):
            self._buffer[size : size + len(chunk)] = chunk  # in place: no resize, no move
        else:
            self._buffer += chunk
        self._size += len(chunk)

    def fail(self, fault: BodyFault) -> None:
        """The body cannot be read whole (the stream timed out or broke): let it go."""
        self._refuse(fault)

    def result(self) -> tuple[Body, BodyFault | None]:
        """``(body, None)``, or ``(b"", fault)`` for a body that could not be read whole.

        The body is the buffer itself: making it ``bytes`` would copy it, and hold it twice.
        """
        declared = self._declared
        if self.fault is None and declared is not None and self._size < declared:
            self._refuse(BodyFault.INCOMPLETE)  # the unwritten rest is never handed out
        if self.fault is not None:
            return b"", self.fault
        return self._buffer, None

    def release(self) -> None:
        """Give back to the budget what the body holds: its request is done with it (the
        answer was sent, or the client left). Only the first call does anything."""
        self._buffer = bytearray()  # the buffer's own reference to the body goes too
        self._size = 0
        if self._release is not None:
            self._release()

    def _refuse(self, fault: BodyFault) -> None:
        self.fault = fault
        self.release()  # what arrived is never scored: let it go now


_resize = ctypes.pythonapi.PyByteArray_Resize  # the stable ABI's: CPython 3.2 and later
_resize.argtypes = (ctypes.py_object, ctypes.c_ssize_t)
_resize.restype = ctypes.c_int


def _reserve(buffer: bytearray, size: int) -> None:
    """Make empty ``buffer`` ``size`` bytes long without writing them (bytearray(size) would
    write zeros, and so make every page resident at once). Where the system will not lend
    that much address space (strict overcommit), the buffer stays empty and grows instead.
    """
    try:
        _resize(buffer, size)
    except MemoryError:
        _resize(buffer, 0)


def _give_back(budget: BodyBudget, taken: list[int]) -> None:
    budget.give(taken[0])
    taken[0] = 0


def read_limited(read: Callable[[int], bytes], buffer: BodyBuffer) -> tuple[Body, BodyFault | None]:
    """Read a request body into ``buffer`` with ``read``: ``(body, fault)``.

    A ``read`` that times out (the server's socket timeout, ``read_timeout``) is
    :attr:`BodyFault.TIMED_OUT`; one that fails otherwise (the client reset the connection)
    is :attr:`BodyFault.INCOMPLETE`.
    """
    try:
        while buffer.wanted:
            buffer.feed(read(buffer.wanted))
    except TimeoutError:
        buffer.fail(BodyFault.TIMED_OUT)
    except OSError:
        buffer.fail(BodyFault.INCOMPLETE)
    return buffer.result()
