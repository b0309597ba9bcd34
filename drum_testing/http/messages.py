"""The framework-neutral request and response every server type translates to and from.

Adapters build a :class:`Request` from their server's request (the body read through
:mod:`~drum_testing.http.body`), the core answers a :class:`Response`, and the adapter
writes it back; nothing here knows a web framework.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .content_type import ContentType
from .json import JSON, dumps

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
    OVER_BUDGET = 503
    """It does not fit in what the process's body budget has free now (other bodies are
    being read): refused unread (declared) or mid-read; the client may retry."""


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
    client: str | None = None
    """The client's address (its host, without the port) when the server type gives it: for
    the access log, never for an answer."""

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
    503: "Service Unavailable",
    513: "Model Load Error",
}


def status_line(status: int) -> str:
    """``"513 Model Load Error"``: WSGI servers need the reason phrase, and 513 has none."""
    return f"{status} {REASONS.get(status, 'Unknown')}"


def json_response(status: int, payload: Mapping[str, Any] | list[Any]) -> Response:
    return Response(status, [("Content-Type", JSON)], dumps(payload))


DETAIL = "detail"
"""The key of an error body that holds what we add to DRUM's message (``message`` stays
DRUM's own words, which clients compare with ``==``)."""


def error_response(status: int, message: str, detail: str | None = None) -> Response:
    """The one error body of every route and server type: ``{"message": "ERROR: ..."}``,
    and ``"detail"`` beside it when we have more to say than DRUM's message."""
    text = message if message.startswith("ERROR:") else f"ERROR: {message}"
    payload = {"message": text} if detail is None else {"message": text, DETAIL: detail}
    return json_response(status, payload)
