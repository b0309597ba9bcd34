"""The WSGI adapter both WSGI server types (werkzeug, gunicorn) run.

It turns the WSGI environ into the core's :class:`~drum_testing.http.messages.Request` and
the core's answer into ``start_response`` and a body, and nothing else: no routing, no
request context, no response object. Flask's own request machinery cost about 100 µs per request
here (measured in-process on ``/ping/``: 160 µs through a Flask view, 45 µs for the core
and this adapter), for nothing the core uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from drum_testing.app.core import PredictionCore
from drum_testing.http.body import BodyBuffer, read_limited
from drum_testing.http.messages import Headers, Request, status_line

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
    """A WSGI application that answers every request with the core."""

    def __init__(self, core: PredictionCore) -> None:
        self.core = core

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(
            method=environ["REQUEST_METHOD"],
            path=_wsgi_text(environ.get("PATH_INFO", "") or "/"),
            query_string=_wsgi_text(environ.get("QUERY_STRING", "")),
            headers=environ_headers(environ),
            client=environ.get("REMOTE_ADDR") or None,
        )
        if not self.core.wants_body(request):
            return self._answer(request, start_response)
        length_text = environ.get("CONTENT_LENGTH")
        length = int(length_text) if length_text and length_text.isdigit() else None
        if length is None and not environ.get("wsgi.input_terminated"):
            length = 0  # no length and no chunked framing: there is no body to read
        settings = self.core.settings
        buffer = BodyBuffer(length, settings.max_body_bytes, self.core.body_budget)
        try:
            body, fault = read_limited(environ["wsgi.input"].read, buffer)
            request = dataclasses.replace(request, body=body, body_fault=fault)
            del body  # the request holds it now, and goes with the answer
            answer = self._answer(request, start_response)
        except BaseException:
            buffer.release()
            raise
        if isinstance(answer, tuple):
            del request  # the body's last reference: it goes before its bytes are given back
            buffer.release()
            return answer
        # A stream may still use the body while it runs: the server's close() of the
        # answer (PEP 3333: also when the client left) gives it back.
        return ReleasingStream(answer, buffer.release)

    def _answer(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        response = self.core.handle(request)
        start_response(status_line(response.status), list(response.headers))
        # A streamed body (a generator) is returned as it is: the server closes it when the
        # answer ends or the client left, which stops the model's generator.
        return (response.body,) if isinstance(response.body, bytes) else response.body


class ReleasingStream:
    """A streamed answer whose ``close()`` (the server's, when the answer ended or the
    client left) closes its chunks, then calls ``release``. The server iterates the chunks
    themselves: nothing is added to each chunk."""

    def __init__(self, chunks: Iterable[bytes], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._release()
