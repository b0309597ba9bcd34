"""Requests to the core in the test process, without any web framework, and what an error
answer must look like.

:class:`CoreClient` is a test adapter: it builds a :class:`~drum_testing.http.messages.Request`
as a server type would, hands it to :meth:`PredictionCore.handle` and returns the
:class:`Answer`. Its calls are shaped like Flask's test client (``client.post(path,
data=..., content_type=..., headers=..., query_string=...)``, ``json=``, a dict of
``(file, filename)`` for a multipart form), and so are the answers (``status_code``,
``data``, ``get_json()``, ``headers``, ``content_type``), so a test reads the same through
either. Like every adapter it reads a body only for a route that takes one
(:meth:`PredictionCore.wants_body`), and through
:func:`~drum_testing.http.body.read_limited` with ``max_body_bytes``; like Flask's client it
sends ``Host: localhost``.

::

    client = CoreClient(core)
    answer = client.post("/predict/", data="a,b\\n1,2\\n", content_type="text/csv")
    assert answer.get_json() == {"predictions": [3.0]}

:func:`message` and :func:`assert_error` read the error body of an :class:`Answer`, or of
anything shaped like one (a werkzeug ``TestResponse`` in the adapters' tests).
"""

from __future__ import annotations

import dataclasses
import io
import json as jsonlib
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Literal, Protocol, overload
from urllib.parse import unquote, urlencode

from drum_testing.app.core import PredictionCore
from drum_testing.http.body import BodyBuffer, read_limited
from drum_testing.http.content_type import ContentType
from drum_testing.http.messages import Headers, Request
from tests.contract.bodies import multipart

FormFile = tuple[IO[bytes] | bytes, str]
"""A multipart form field as Flask's client takes it: ``(file or bytes, filename)``."""
Data = bytes | str | Mapping[str, FormFile]
DEFAULT_HOST = "localhost"
"""The Host header sent unless a test sends its own (Flask's test client sends this one)."""


class AnswerHeaders(Mapping[str, str]):
    """An answer's headers, looked up case-insensitively; a repeated header gives its first
    value (as werkzeug's ``Headers`` does), :meth:`get_all` every value."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = list(items)

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self._items if key.lower() == lowered]

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return values[0]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for key, _ in self._items))

    def __len__(self) -> int:
        return len(set(self))

    def __repr__(self) -> str:
        return f"AnswerHeaders({self._items!r})"


@dataclasses.dataclass(frozen=True)
class Answer:
    """What the core answered: its status, headers and whole body (a stream joined)."""

    status_code: int
    headers: AnswerHeaders
    data: bytes

    @property
    def content_type(self) -> str:
        """The Content-Type header, or ``""`` without one."""
        return self.headers.get("Content-Type", "")

    @property
    def mimetype(self) -> str:
        return ContentType.parse(self.content_type).mimetype

    @overload
    def get_data(self, as_text: Literal[False] = False) -> bytes: ...
    @overload
    def get_data(self, as_text: Literal[True]) -> str: ...
    def get_data(self, as_text: bool = False) -> bytes | str:
        """The body; with ``as_text``, decoded as UTF-8 (as werkzeug decodes it)."""
        return self.data.decode() if as_text else self.data

    def get_json(self) -> Any:
        """The body parsed as JSON; an answer that is not JSON fails the test."""
        mimetype = self.mimetype
        assert mimetype == "application/json" or mimetype.endswith("+json"), (
            f"not a JSON answer ({self.content_type}): {self.data!r}"
        )
        return jsonlib.loads(self.data)


class CoreClient:
    """Sends requests to ``core.handle`` in the test process; see the module's docstring."""

    def __init__(self, core: PredictionCore) -> None:
        self.core = core

    def open(
        self,
        path: str,
        method: str = "GET",
        *,
        data: Data | None = None,
        json: Any = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        query_string: str | Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request; ``path`` may carry the query string, or ``query_string`` may."""
        path, question, query = path.partition("?")
        if query_string is not None:
            if question:
                raise ValueError("a query string in the path and as an argument")
            query = query_string if isinstance(query_string, str) else urlencode(query_string)
        sent = dict(headers or {})
        body, body_type = _body(data, json)
        content_type = content_type or body_type
        if content_type is not None:
            sent = {k: v for k, v in sent.items() if k.lower() != "content-type"}
            sent["Content-Type"] = content_type
        if data is not None or json is not None:
            sent.setdefault("Content-Length", str(len(body)))
        if not any(name.lower() == "host" for name in sent):
            sent["Host"] = DEFAULT_HOST
        request = Request(
            method=method.upper(),
            path=unquote(path) or "/",
            query_string=query,
            headers=Headers(sent.items()),
        )
        if self.core.wants_body(request):
            # As an adapter reads it: within max_body_bytes, or a fault the core answers.
            buffer = BodyBuffer(len(body), self.core.settings.max_body_bytes, self.core.body_budget)
            try:
                read, fault = read_limited(io.BytesIO(body).read, buffer)
                request = dataclasses.replace(request, body=read, body_fault=fault)
                response = self.core.handle(request)
                return Answer(
                    response.status, AnswerHeaders(response.headers), _joined(response.body)
                )
            finally:
                buffer.release()
        response = self.core.handle(request)
        return Answer(response.status, AnswerHeaders(response.headers), _joined(response.body))

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "POST", **kwargs)

    def head(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "HEAD", **kwargs)

    def options(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "OPTIONS", **kwargs)


def _body(data: Data | None, json: Any) -> tuple[bytes, str | None]:
    """The request body, and the content type it implies (None: the test's, or none)."""
    if json is not None:
        if data is not None:
            raise ValueError("data and json both given")
        return jsonlib.dumps(json).encode(), "application/json"
    if data is None:
        return b"", None
    if isinstance(data, bytes):
        return data, None
    if isinstance(data, str):
        return data.encode(), None
    body, form_headers = multipart(
        {name: (filename, _read(file)) for name, (file, filename) in data.items()}
    )
    return body, form_headers["Content-Type"]


def _read(file: IO[bytes] | bytes) -> bytes:
    return file if isinstance(file, bytes) else file.read()


def _joined(body: bytes | Iterable[bytes]) -> bytes:
    """The whole body; a streamed one is read to its end and closed, as a server closes it."""
    if isinstance(body, bytes):
        return body
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


class AnswerLike(Protocol):
    """What :func:`message` and :func:`assert_error` read: an :class:`Answer`, or werkzeug's
    ``TestResponse`` (the adapters' tests)."""

    @property
    def status_code(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    @property
    def content_type(self) -> str | None: ...
    def get_json(self) -> Any: ...


def message(response: AnswerLike) -> str:
    assert response.content_type == "application/json", response.data
    body = response.get_json()
    assert isinstance(body, dict)
    text = body["message"]
    assert isinstance(text, str)
    return text


def detail(response: AnswerLike) -> str:
    """The ``detail`` we add beside DRUM's message ("" when there is none)."""
    text = response.get_json().get("detail", "")
    assert isinstance(text, str)
    return text


def assert_error(response: AnswerLike, status: int, *fragments: str) -> None:
    """``response`` is an error of ``status`` whose message, or the detail beside it, holds
    each fragment."""
    assert response.status_code == status, response.data
    text = message(response)
    assert text.startswith("ERROR: ")
    said = f"{text}\n{detail(response)}"
    for fragment in fragments:
        assert fragment in said, said
