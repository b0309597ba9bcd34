"""The framework-neutral request and response every server type translates to and from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .payloads import ContentType, dumps

JSON = "application/json"


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


@dataclass(frozen=True)
class Request:
    """One HTTP request, as the core sees it.

    Adapters read at most ``max_body_bytes + 1`` bytes of the body; when the body is larger
    they set ``body_too_large`` and leave ``body`` empty, and the core answers 413.
    """

    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    body_too_large: bool = False

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


def read_limited(
    read: Callable[[int], bytes], content_length: int | None, limit: int
) -> tuple[bytes, bool]:
    """Read a request body of at most ``limit`` bytes; returns ``(body, too_large)``.

    A declared length over the limit is refused without reading a byte; a body without a
    declared length (chunked) is read up to one byte past the limit to tell.
    """
    if content_length is not None and content_length > limit:
        return b"", True
    want = limit + 1 if content_length is None else content_length
    chunks: list[bytes] = []
    size = 0
    while size < want:
        chunk = read(min(want - size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        return b"", True
    return b"".join(chunks), False


def json_response(status: int, payload: Mapping[str, Any] | list[Any]) -> Response:
    return Response(status, [("Content-Type", JSON)], dumps(payload))


def error_response(status: int, message: str) -> Response:
    """The one error body of every route and server type: ``{"message": "ERROR: ..."}``."""
    text = message if message.startswith("ERROR:") else f"ERROR: {message}"
    return json_response(status, {"message": text})
