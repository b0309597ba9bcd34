"""A listening socket to hand to a server process, so no port is ever "found free" and lost.

The usual recipe (bind port 0, read the port, close, tell the server the number) leaves a
window in which another process (an xdist worker, say) takes the port. Here the port is
bound *and listening* before anyone learns its number, and the socket itself is passed to
the child (``--listen-fd``), so the port is never free between being chosen and being
served::

    sock = listening_socket()                       # a free port on 127.0.0.1
    port = sock.getsockname()[1]
    proc = subprocess.Popen([..., "--listen-fd", str(sock.fileno())], pass_fds=[sock.fileno()])
    sock.close()                                    # the child has its own copy now

Connections that arrive before the child calls ``accept()`` wait in the backlog instead of
being refused, which is what makes readiness polling cheap.
"""

from __future__ import annotations

import errno
import os
import socket

from drum_testing.config.settings import Settings

DEFAULT_BACKLOG: int = Settings.backlog
"""The server's own default: a burst of test clients must not be refused at start."""


class PortInUseError(OSError):
    """The explicit port asked for is already taken; the message names it."""


def listening_socket(
    host: str = "127.0.0.1", port: int = 0, backlog: int = DEFAULT_BACKLOG
) -> socket.socket:
    """Bind ``host:port`` and listen; ``port=0`` picks a free port.

    The returned socket is *not* marked inheritable in this process (Python's default):
    ``subprocess.Popen(..., pass_fds=[sock.fileno()])`` makes it inheritable in that one
    child only, so unrelated programs the tests start never get a copy that would keep the
    port open after the server stopped.

    ::

        >>> sock = listening_socket()
        >>> sock.getsockname()[1] > 0
        True
        >>> sock.close()

    :raises PortInUseError: ``port`` is not 0 and something else already uses it.
    :raises OSError: ``host`` cannot be resolved or bound.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "posix":
            # Connections the server closed linger in TIME_WAIT on its port; on Linux a new
            # bind of that port succeeds only if both the old listener and the new socket set
            # SO_REUSEADDR. It never allows binding a port that someone listens on, and bind
            # to port 0 still gets an unused port. (On Windows it would allow stealing a live
            # port, hence posix only.) SO_REUSEPORT is never set: it would let two servers
            # share a port silently.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                exc.errno, f"port {port} on {host} is already in use; pass port=None for a free one"
            ) from None
        raise OSError(exc.errno, f"cannot listen on {host} port {port}: {exc.strerror}") from None
    return sock


def pick_port(host: str = "127.0.0.1", requested: int | None = None) -> int:
    """``requested`` if it is free now (else :class:`PortInUseError`), or a free port.

    For a server that binds the port it is told and cannot take a socket: free when chosen,
    not reserved after, so another process may take it first (which the caller must find
    out, see :mod:`~drum_testing.launch.listeners`).
    """
    with listening_socket(host, requested or 0) as probe:
        return int(probe.getsockname()[1])


def format_address(host: str, port: int) -> str:
    """``HOST:PORT`` as the server's ``--address`` and URLs want it (``[::1]:PORT`` for IPv6).

    ::

        >>> format_address("127.0.0.1", 8080)
        '127.0.0.1:8080'
        >>> format_address("::1", 8080)
        '[::1]:8080'
    """
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
