"""Who listens on a TCP port: a given process group, another process, or nobody.

A server that binds the port it is told (real DRUM) may find it taken by another process
between being told and binding; a ``/ping/`` answered on that port would then be the other
process's. On Linux the kernel says who listens: the socket listening on the port
(``/proc/net/tcp{,6}``, by inode) must be an open file of a process of the group
(``/proc/PID/fd``). Elsewhere the answer is :attr:`Owner.UNKNOWN`.

::

    if port_owner(port, pgid) is Owner.OTHER:
        ...  # the port is someone else's: whatever answers on it is not the server
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

from .process import group_pids


class Owner(enum.Enum):
    """Who listens on a port, as far as ``/proc`` tells."""

    NOBODY = "nobody"
    US = "us"
    OTHER = "another process"
    UNKNOWN = "unknown (no /proc)"


def listening_inodes(port: int) -> list[int] | None:
    """The inodes of the TCP sockets listening on ``port`` (any address), None without /proc."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return None
    inodes = []
    for table in tables:
        try:
            lines = table.read_text(encoding="ascii", errors="replace").splitlines()[1:]
        except OSError:
            continue  # no IPv6
        for line in lines:
            # "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1][-4:], 16) == port:
                inodes.append(int(fields[9]))
    return inodes


def group_socket_inodes(pgid: int) -> set[int]:
    """The inodes of the sockets the processes of group ``pgid`` have open."""
    inodes = set()
    for pid in group_pids(pgid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # exited meanwhile
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def port_owner(port: int, pgid: int) -> Owner:
    """Whether the socket listening on ``port`` belongs to process group ``pgid``.

    Any listener on the port that is not the group's (inode 0, a socket whose process is
    gone, included) makes it :attr:`Owner.OTHER`, whatever the group also has.
    """
    listeners = listening_inodes(port)
    if listeners is None:
        return Owner.UNKNOWN
    if not listeners:
        return Owner.NOBODY
    ours = group_socket_inodes(pgid)
    return Owner.US if all(inode in ours for inode in listeners) else Owner.OTHER
