"""Who listens on a TCP port: a given process group, another process, or nobody.

A server that binds the port it is told (real DRUM) may find it taken by another process
between being told and binding; a ``/ping/`` answered on that port would then be the other
process's. psutil says who listens: every socket listening on the port must be one of a
process of the group. Where psutil may not list other users' sockets (macOS, unless root),
the group's own sockets still show whether it listens: :attr:`Owner.US` when it does, else
:attr:`Owner.UNKNOWN`.

::

    if port_owner(port, pgid) is Owner.OTHER:
        ...  # the port is someone else's: whatever answers on it is not the server
"""

from __future__ import annotations

import enum
from typing import Any

import psutil

from .process import group_pids


class Owner(enum.Enum):
    """Who listens on a port, as far as the system tells."""

    NOBODY = "nobody"
    US = "us"
    OTHER = "another process"
    UNKNOWN = "unknown (the system does not say)"


def _listens(connection: Any, port: int) -> bool:
    """Whether a psutil connection (system-wide or a process's: psutil's private types, which
    move between its versions) is a socket listening on ``port``."""
    return connection.status == psutil.CONN_LISTEN and bool(
        connection.laddr and connection.laddr.port == port
    )


def group_listens(port: int, pgid: int) -> bool:
    """Whether a process of group ``pgid`` has a socket listening on ``port``."""
    for pid in group_pids(pgid):
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            continue  # exited meanwhile
        if any(_listens(connection, port) for connection in connections):
            return True
    return False


def port_owner(port: int, pgid: int) -> Owner:
    """Whether the sockets listening on ``port`` (any address) belong to process group
    ``pgid``.

    Any listener on the port that is not the group's (one whose process psutil cannot name
    included) makes it :attr:`Owner.OTHER`, whatever the group also has.
    """
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:  # other users' sockets are hidden: only ours can be told
        return Owner.US if group_listens(port, pgid) else Owner.UNKNOWN
    listeners = [connection for connection in connections if _listens(connection, port)]
    if not listeners:
        return Owner.NOBODY
    ours = set(group_pids(pgid))
    return Owner.US if all(listener.pid in ours for listener in listeners) else Owner.OTHER
