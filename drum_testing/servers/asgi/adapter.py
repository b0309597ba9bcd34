"""The ASGI adapter the FastAPI server type runs: ASGI messages to the core and back.

It turns an ASGI request into the core's :class:`~drum_testing.http.messages.Request` (the
body read with a pause limit, as a WSGI server's socket timeout bounds each read) and the
core's answer into ASGI messages. Model code is synchronous, so it runs in the thread pool,
off the event loop: ``/ping/`` keeps answering while a slow prediction runs.
"""

from __future__ import annotations

import asyncio
import dataclasses

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from drum_testing.app.core import PredictionCore
from drum_testing.http.body import BodyBuffer
from drum_testing.http.messages import Body, BodyFault, Headers, Request, Response


class ClientDisconnected(Exception):
    pass


async def read_body(
    receive: Receive, buffer: BodyBuffer, timeout: float
) -> tuple[Body, BodyFault | None]:
    """The ASGI twin of :func:`drum_testing.http.body.read_limited`: ``(body, fault)``.

    Each wait for the next part may last ``timeout`` seconds (then the fault is
    ``TIMED_OUT``), as a WSGI server's socket timeout bounds each read.
    """
    while buffer.wanted:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            buffer.fail(BodyFault.TIMED_OUT)
            break
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        buffer.feed(message.get("body", b""))
        if not message.get("more_body", False):
            buffer.feed(b"")
    return buffer.result()


class CoreEndpoint:
    """The one ASGI endpoint: every path and method goes to the core."""

    def __init__(self, core: PredictionCore) -> None:
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            client=scope["client"][0] if scope.get("client") else None,
        )
        if not self.core.wants_body(request):
            await self._answer(request, send, receive)
            return
        settings = self.core.settings
        length = headers.get("content-length")
        buffer = BodyBuffer(
            int(length) if length and length.isdigit() else None,
            settings.max_body_bytes,
            self.core.body_budget,
        )
        # Given back once the answer is sent, its stream included, or the client left:
        # however this ends (cancelled too), nothing after it uses the body.
        try:
            try:
                body, fault = await read_body(receive, buffer, settings.read_timeout)
            except ClientDisconnected:
                return  # never scored: nobody is there to answer, and the body is partial
            request = dataclasses.replace(request, body=body, body_fault=fault)
            del body
            await self._answer(request, send, receive)
        finally:
            buffer.release()

    async def _answer(self, request: Request, send: Send, receive: Receive) -> None:
        if self.core.is_light(request):
            response = self.core.handle(request)
        else:
            response = await run_in_threadpool(self.core.handle, request)
        await send_response(response, send, receive)


_END = object()


async def send_response(response: Response, send: Send, receive: Receive) -> None:
    """Send ``response``; a streamed body is closed when it ends or the client leaves."""
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    if isinstance(response.body, bytes):
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        return
    body = iter(response.body)
    # Uvicorn drops what is sent to a client that left without saying so: only receive()
    # tells. Watching it lets the stream stop at the next chunk instead of running the
    # model's generator to its end for nobody.
    left = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, left))
    try:
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        while not left.is_set():
            chunk = await run_in_threadpool(next, body, _END)
            if chunk is _END:
                await send({"type": "http.response.body", "body": b""})
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    finally:
        watcher.cancel()
        # As a WSGI server closes a body: the model's generator stops, and its turn is free.
        close = getattr(body, "close", None)
        if close is not None:
            await run_in_threadpool(close)


async def _watch_disconnect(receive: Receive, left: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # the rest of a request body nobody read
    left.set()
