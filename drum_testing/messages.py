"""The framework-neutral request and response every server type translates to and from."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .payloads import ContentType, dumps

JSON = "application/json"
Body = bytes | bytearray
"""A request body: a bytearray when it was read into a buffer of its own (no copy)."""


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers; repeated headers are joined with ``", "``.

    ::

        >>> Headers([("Content-Type", "text/csv")]).get("content-type")
        'text/csv'
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        merged: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        self._items = merged

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class BodyFault(enum.Enum):
    """Why a request body could not be read whole; the value is the status it is answered."""

    TOO_LARGE = 413
    """Larger than ``max_body_bytes``: refused unread (declared) or at the limit (chunked)."""
    INCOMPLETE = 400
    """The client stopped before the end of its ``Content-Length`` (or the connection broke)."""
    TIMED_OUT = 408
    """The client paused longer than ``read_timeout`` while sending it."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, as the core sees it.

    Adapters read the body only for a route that takes one (:meth:`PredictionCore.wants_body`),
    and at most ``max_body_bytes + 1`` bytes of it. A body that could not be read whole has
    ``body_fault`` set and an empty ``body``: the core answers the fault, and never hands
    part of a body to the model.
    """

    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: Body = b""
    body_fault: BodyFault | None = None

    @property
    def body_too_large(self) -> bool:
        return self.body_fault is BodyFault.TOO_LARGE

    @property
    def content_type(self) -> ContentType:
        return ContentType.parse(self.headers.get("content-type"))

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, the first value of each (as ``request.args.get`` gives in Flask)."""
        params: dict[str, str] = {}
        for name, value in parse_qsl(self.query_string, keep_blank_values=True):
            params.setdefault(name, value)
        return params


@dataclass
class Response:
    """One HTTP answer: a whole body, or an iterator of chunks for a streamed one."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes | Iterable[bytes] = b""

    @property
    def streamed(self) -> bool:
        return not isinstance(self.body, bytes)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


REASONS: Mapping[int, str] = {
    200: "OK",
    308: "Permanent Redirect",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
    513: "Model Load Error",
}


def status_line(status: int) -> str:
    """``"513 Model Load Error"``: WSGI servers need the reason phrase, and 513 has none."""
    return f"{status} {REASONS.get(status, 'Unknown')}"


READ_CHUNK = 1 << 20
"""The most one read of a request body asks for."""


class BodyBuffer:
    """A request body of at most ``limit`` bytes, gathered as it arrives.

    Every adapter reads through one of these, whatever its server's way of handing over
    the body (a blocking ``read``, ASGI messages). With a declared length the buffer is
    allocated once and filled in place: gathering chunks and joining them at the end held
    the body twice while joining (measured: 180 MiB of peak for a 97 MiB CSV, 97 MiB in
    place). A declared length over the limit is refused without reading a byte; a body
    without one (chunked) is gathered up to one byte past the limit, to tell. A body that
    ends before its declared length is a fault, never a shorter body.

    ::

        buffer = BodyBuffer(content_length=3, limit=10)
        while buffer.wanted:
            buffer.feed(stream.read(buffer.wanted))  # b"" when the stream ends
        body, fault = buffer.result()
    """

    def __init__(self, content_length: int | None, limit: int) -> None:
        self.too_large = content_length is not None and content_length > limit
        self._declared = content_length
        self._limit = limit
        known = content_length is not None and not self.too_large
        self._buffer = bytearray(content_length or 0) if known else bytearray()
        self._size = 0
        self._ended = False

    @property
    def wanted(self) -> int:
        """How many more bytes to read at most (0: done), in one read of at most 1 MiB."""
        if self.too_large or self._ended:
            return 0
        total = self._limit + 1 if self._declared is None else self._declared
        return min(total - self._size, READ_CHUNK)

    def feed(self, chunk: bytes) -> None:
        """Add the next part of the body; an empty chunk means the body ended."""
        if not chunk:
            self._ended = True
            return
        if self._declared is None:
            self._buffer += chunk
            if len(self._buffer) > self._limit:
                self.too_large = True
                self._buffer = bytearray()
            self._size = len(self._buffer)
            return
        chunk = chunk[: self._declared - self._size]  # never past the declared length
        self._buffer[self._size : self._size + len(chunk)] = chunk
        self._size += len(chunk)

    @property
    def received(self) -> int:
        """Bytes of the body gathered so far."""
        return self._size

    def result(self) -> tuple[Body, BodyFault | None]:
        """``(body, None)``, or ``(b"", fault)`` for a body that could not be read whole.

        The body is the buffer itself: making it ``bytes`` would copy it, and hold it twice.
        """
        if self.too_large:
            return b"", BodyFault.TOO_LARGE
        if self._declared is not None and self._size < self._declared:
            return b"", BodyFault.INCOMPLETE
        return self._buffer, None


def read_limited(
    read: Callable[[int], bytes], content_length: int | None, limit: int
) -> tuple[Body, BodyFault | None]:
    """Read a request body of at most ``limit`` bytes with ``read``: ``(body, fault)``.

    A ``read`` that times out (the server's socket timeout, ``read_timeout``) is
    :attr:`BodyFault.TIMED_OUT`; one that fails otherwise (the client reset the connection)
    is :attr:`BodyFault.INCOMPLETE`.
    """
    buffer = BodyBuffer(content_length, limit)
    try:
        while buffer.wanted:
            buffer.feed(read(buffer.wanted))
    except TimeoutError:
        return b"", BodyFault.TIMED_OUT
    except OSError:
        return b"", BodyFault.INCOMPLETE
    return buffer.result()


def json_response(status: int, payload: Mapping[str, Any] | list[Any]) -> Response:
    return Response(status, [("Content-Type", JSON)], dumps(payload))


def error_response(status: int, message: str) -> Response:
    """The one error body of every route and server type: ``{"message": "ERROR: ..."}``."""
    text = message if message.startswith("ERROR:") else f"ERROR: {message}"
    return json_response(status, {"message": text})
