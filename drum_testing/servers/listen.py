"""The server's listening socket: adopted from the parent, or bound to ``--address``.

Binding happens before the model loads, so a taken port fails at once, and clients that
connect while the model loads wait in the backlog instead of being refused.
"""

from __future__ import annotations

import socket

from drum_testing.config.settings import Settings


class ListenError(OSError):
    """The address cannot be served; the message says which and why."""


def open_listener(settings: Settings) -> socket.socket:
    """The socket to serve on: ``--listen-fd`` if given, else a new one on ``host:port``.

    ::

        sock = open_listener(settings)
        print(sock.getsockname())
    """
    if settings.listen_fd is not None:
        try:
            sock = socket.socket(fileno=settings.listen_fd)
        except OSError as exc:
            raise ListenError(f"--listen-fd {settings.listen_fd} is not a socket: {exc}") from None
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0:
            sock.detach()
            raise ListenError(f"--listen-fd {settings.listen_fd} is not a listening socket")
        sock.listen(settings.backlog)  # the parent's backlog may differ; listen() resets it
        return sock
    try:
        infos = socket.getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ListenError(f"cannot resolve {settings.host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Reuse a port in TIME_WAIT (a server just restarted) but never one being served.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(settings.backlog)
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {settings.address}: {exc.strerror}") from None
    return sock
