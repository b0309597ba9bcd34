"""Uvicorn's HTTP protocol, with the read timeout uvicorn lacks.

Uvicorn closes a connection that is idle *after* a response (``timeout_keep_alive``), but
it has no timeout before the first request, nor while a request head is arriving: a client
that connects and sends nothing, or half a request line, holds its connection for ever.
The event loop still answers others, but each such connection is kept until the client
goes, and nothing bounds how many pile up. This protocol closes them, as the WSGI types'
socket timeouts do:

- a connection on which nothing has arrived yet is closed after ``keepalive_timeout``;
- while a request head is arriving, each pause may last ``read_timeout``.

Pauses within a request *body* are the app's to time (the adapter answers 408), since by
then the request exists and deserves an answer.

A stopping worker (a signal, or recycling after ``--max-requests``) keeps its idle
connections a moment: uvicorn closes them at once, and a request already on its way on one
is lost (:mod:`~drum_testing.servers.drain`). Each gets
:data:`~drum_testing.servers.drain.IDLE_LINGER` to begin a request, which is answered with
``Connection: close``; a connection whose request head is arriving keeps its read timeout.
"""

from __future__ import annotations

import asyncio
from typing import Any

from drum_testing.servers.drain import IDLE_LINGER

try:  # uvicorn's fast parser, which the fastapi extra installs
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Protocol
except ImportError:  # pragma: no cover - h11, uvicorn's pure-Python fallback
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Protocol  # type: ignore[assignment]


class TimedHTTPProtocol(_Protocol):
    """Uvicorn's protocol plus the timeouts above; ``config.drum_settings`` holds them."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        settings = config.drum_settings
        self._idle_timeout: float = settings.keepalive_timeout
        self._read_timeout: float = settings.read_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._last_request = False  # stopping: answer one more request, then close
        self._reading_head = False  # part of a request head has arrived

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._idle_timeout)  # nothing sent yet: as idle as a kept-alive connection

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        self._reading_head = False
        if self.transport.is_closing() or self.cycle is not cycle:
            self._disarm()  # closed, or a request head completed: it is the app's now
        elif self.cycle is None or self.cycle.response_complete:
            self._reading_head = True
            self._arm(self._read_timeout)  # part of a request head: wait for the rest
        else:
            self._disarm()  # body of the current request

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows a bool
        """A client that stops sending mid-body (a half-close) may still read the answer.

        Uvicorn would close the connection, and the app could only drop the request. Ending
        the body here instead lets the app answer what the WSGI types answer: 400, since the
        body is shorter than its Content-Length, and nothing scored.
        """
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and cycle.more_body:
            cycle.more_body = False
            cycle.message_event.set()
            return True  # keep our half open for the answer
        return None

    def shutdown(self) -> None:
        cycle: Any = self.cycle  # None until a request head arrives (uvicorn types it not)
        if cycle is not None and not cycle.response_complete and not cycle.response_started:
            super().shutdown()  # a request being answered: its answer says Connection: close
            return
        # Idle, or an answer that has already announced keep-alive: uvicorn would close it
        # at once (or right after that answer), under a request that may be on its way.
        self._last_request = True  # answer one more request, then close
        # (A head arriving keeps its read timeout; an answer under way lingers once done.)
        if (cycle is None or cycle.response_complete) and not self._reading_head:
            self._arm(IDLE_LINGER)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        cycle: Any = self.cycle  # a pipelined request's, if one started: not idle then
        if self._last_request and not self.transport.is_closing() and cycle.response_complete:
            self._arm(IDLE_LINGER)  # the answer begun before the stop is done: now idle

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self._last_request and self.cycle is not None:
            self.cycle.keep_alive = False

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, delay: float) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(delay, self._drop)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _drop(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()
