"""The WSGI adapter both WSGI server types (werkzeug, gunicorn) run.

It turns the WSGI environ into the core's :class:`~drum_testing.messages.Request` and the
core's answer into ``start_response`` and a body, and nothing else: no routing, no request
context, no response object. Flask's own request machinery cost about 100 µs per request
here (measured in-process on ``/ping/``: 160 µs through a Flask view, 45 µs for the core
and this adapter), for nothing the core uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from drum_testing.core import PredictionCore
from drum_testing.flusher import StdoutFlusher
from drum_testing.messages import Headers, Request, Response, read_limited, status_line

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

# WSGI puts two headers outside the HTTP_ prefix.
_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def environ_headers(environ: WSGIEnvironment) -> Headers:
    """The request headers of a WSGI environ, by their HTTP names."""
    pairs = [
        (key[5:].replace("_", "-").lower(), value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    pairs += [(name, environ[key]) for key, name in _UNPREFIXED.items() if environ.get(key)]
    return Headers(pairs)


def _wsgi_text(value: str) -> str:
    # PEP 3333 hands paths and query strings over as latin-1 decoded bytes; the client sent
    # UTF-8, which is what the other server types decode.
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


class CoreWSGI:
    """A WSGI application that answers every request with the core.

    ``flusher``, when set, is told of activity once each response is closed, streamed
    answers included. Gunicorn sets it per worker, after the fork.
    """

    def __init__(self, core: PredictionCore, flusher: StdoutFlusher | None = None) -> None:
        self.core = core
        self.flusher = flusher

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(
            method=environ["REQUEST_METHOD"],
            path=_wsgi_text(environ.get("PATH_INFO", "") or "/"),
            query_string=_wsgi_text(environ.get("QUERY_STRING", "")),
            headers=environ_headers(environ),
        )
        if self.core.wants_body(request):
            length_text = environ.get("CONTENT_LENGTH")
            length = int(length_text) if length_text and length_text.isdigit() else None
            if length is None and not environ.get("wsgi.input_terminated"):
                length = 0  # no length and no chunked framing: there is no body to read
            body, fault = read_limited(
                environ["wsgi.input"].read, length, self.core.settings.max_body_bytes
            )
            request = dataclasses.replace(request, body=body, body_fault=fault)
        response = self.core.handle(request)
        start_response(status_line(response.status), list(response.headers))
        return _Body(response, self.flusher)


class _Body:
    """The response body, with a ``close`` that reports activity to the flusher."""

    def __init__(self, response: Response, flusher: StdoutFlusher | None) -> None:
        self._response = response
        self._flusher = flusher

    def __iter__(self) -> Iterator[bytes]:
        body = self._response.body
        if isinstance(body, bytes):
            return iter((body,))
        return iter(body)

    def close(self) -> None:
        close: Callable[[], Any] | None = getattr(self._response.body, "close", None)
        try:
            if close is not None:
                close()
        finally:
            if self._flusher is not None:
                self._flusher.mark_activity()
