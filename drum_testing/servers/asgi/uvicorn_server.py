"""Uvicorn's server, made to stop as the other types stop.

Two classes: :class:`DrainingServer`, what every fastapi process serves with (alone, or as a
worker of the supervisor, :mod:`.supervisor`), and :class:`DrumUvicornServer`, the one of a
process that serves alone and so owns its signals and its exit status.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator

import uvicorn

from drum_testing.servers.drain import stop_accepting_async


class DrainingServer(uvicorn.Server):
    """Uvicorn's server, losing nothing queued in its backlog when it stops.

    Uvicorn closes its listener at once, resetting the connections queued in its backlog;
    here the listener first refuses new ones while the loop accepts the queued ones
    (:mod:`~drum_testing.servers.drain`). Idle connections linger (``TimedHTTPProtocol``).
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Only a stop (a signal): a worker recycled after --max-requests shares the listener
        # with the others, which keep accepting, and whatever it leaves queued is theirs.
        if self.should_exit:
            await stop_accepting_async(list(sockets or ()))
        await super().shutdown(sockets)


class DrumUvicornServer(DrainingServer):
    """The server of a process that serves alone, exiting normally after a graceful stop.

    Uvicorn raises the signal that stopped it again once it has shut down, so the process
    dies of SIGTERM (status -15) after answering everything; a stop that went well is
    status 0 on every other type, and here too.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
