"""What a stopping server does so that no request that reached it is lost.

In a rolling restart a load balancer keeps sending a replica requests while it stops. A
request the balancer has sent cannot be sent again (nginx does not resend a POST): it is
lost if the replica resets its connection after it arrived. That happens in three ways, and
every type avoids them the same way:

- **The listen backlog.** Connections the kernel completed but nobody accepted are reset
  when the last descriptor of the listener closes, and their clients have sent their
  requests by then. :func:`stop_accepting` first makes the listener refuse new handshakes
  (a socket filter that drops every SYN; the client sends it again a second later, and by
  then the port is closed, so it is refused and the balancer tries another replica, or the
  replacement listens), then waits while the server's own accept loop takes what is
  queued. Every connection that completed is accepted, and answered.
- **Idle connections.** A request may be on its way on a connection that looks idle: the
  client chose it before it could know the server stops. Closing it at once loses that
  request. An idle connection is closed only once it has been quiet for
  :data:`IDLE_LINGER` after the stop began, and never while bytes wait on it
  (:func:`bytes_waiting`); a request that arrives meanwhile is answered.
- **Keep-alive.** Every answer sent while stopping says ``Connection: close``, so the client
  does not send another request on that connection; the server closes it after the answer.

Linux has the socket filter and the queue length (``TCP_INFO``); elsewhere the listener is
closed as before (no wait), which is what the other two rules do not depend on.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import socket
import struct
import sys
import time
from typing import Protocol

IDLE_LINGER = 2.0
"""Seconds an idle connection stays open after the stop began, answering a request that
arrives on it. A request on its way arrives within milliseconds on any network a balancer
sits on, and a client that keeps sending on the connection gets ``Connection: close``
answers: a connection still quiet after this is one nobody uses. Gunicorn's (27.0.1+) own
linger for its kept-alive connections, so that every type keeps them alike; short, because
a client that only holds a connection (a test's session) delays the stop by this much."""
BACKLOG_WAIT = 1.0
"""Seconds a stopping server waits for its accept loop to empty the listen backlog. An
accept takes microseconds: a queue still there after this is one the server is not
accepting from (every thread busy, or a worker still starting), and waiting longer would
only delay the stop."""
POLL_INTERVAL = 0.005
"""How often the backlog is looked at while it empties (seconds)."""

_SO_ATTACH_FILTER = 26  # linux/asm-generic/socket.h
_BPF_RET_K = 0x06  # BPF_RET | BPF_K: return a constant, here 0 (keep no byte: drop)
_TCPI_UNACKED = 24  # offset in struct tcp_info; for a listener, its accept queue length
_TCP_INFO_SIZE = 104


class Listener(Protocol):
    """What is needed of a listening socket (a socket, or a server's wrapper of one)."""

    def setsockopt(self, level: int, option: int, value: bytes, /) -> None: ...

    def getsockopt(self, level: int, option: int, size: int, /) -> bytes: ...


def refuse_new_connections(sock: Listener) -> bool:
    """Make ``sock`` drop every new handshake (Linux); False where it cannot.

    The filter applies to the socket, not the descriptor: every process holding the
    listener (gunicorn's arbiter and workers, uvicorn's supervisor and workers) stops
    completing handshakes at once, while connections already queued stay queued.
    """
    if not sys.platform.startswith("linux"):
        return False
    drop = ctypes.create_string_buffer(struct.pack("HBBI", _BPF_RET_K, 0, 0, 0))
    program = struct.pack("HL", 1, ctypes.addressof(drop))  # struct sock_fprog
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, program)
    except OSError:
        return False
    return True


def queued_connections(sock: Listener) -> int:
    """How many completed connections wait in ``sock``'s backlog (0 where unknown)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
    except OSError:  # closed, or not TCP (a Unix socket has no backlog to lose)
        return 0
    if len(info) < _TCPI_UNACKED + 4:
        return 0
    return int(struct.unpack_from("I", info, _TCPI_UNACKED)[0])


def stop_accepting(listeners: list[Listener], timeout: float = BACKLOG_WAIT) -> bool:
    """Refuse new connections on ``listeners``, then wait (up to ``timeout``) while the
    caller's accept loop, still running, empties their backlogs; False if it did not."""
    for sock in listeners:
        refuse_new_connections(sock)
    deadline = time.monotonic() + timeout
    while any(queued_connections(sock) for sock in listeners):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)
    return True


async def stop_accepting_async(listeners: list[Listener], timeout: float = BACKLOG_WAIT) -> bool:
    """:func:`stop_accepting` for a server whose accept loop runs on this event loop."""
    for sock in listeners:
        refuse_new_connections(sock)
    deadline = time.monotonic() + timeout
    while any(queued_connections(sock) for sock in listeners):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_INTERVAL)
    return True


def bytes_waiting(connection: socket.socket) -> bool:
    """Whether a request's bytes have arrived on ``connection`` and wait to be read."""
    with contextlib.suppress(OSError):  # nothing (EAGAIN), or the connection is gone
        return bool(connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    return False
