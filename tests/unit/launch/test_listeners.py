"""launch/listeners.py: who listens on a port, from psutil (how real DRUM's port is proven)."""

from __future__ import annotations

import os
import socket

import psutil
import pytest

from drum_testing.launch.listeners import Owner, group_listens, port_owner
from drum_testing.testing import listening_socket


def test_a_listener_is_ours_only_if_our_process_group_has_it() -> None:
    with listening_socket() as sock:
        port = sock.getsockname()[1]
        assert port_owner(port, os.getpgrp()) is Owner.US  # this process has it open
        assert port_owner(port, 2**22 + 1) is Owner.OTHER  # no such group has it
    assert port_owner(port, os.getpgrp()) is Owner.NOBODY
    with socket.socket() as sock:  # bound, not listening: not a listener
        sock.bind(("127.0.0.1", 0))
        assert port_owner(sock.getsockname()[1], os.getpgrp()) is Owner.NOBODY


def test_where_other_users_sockets_are_hidden_the_groups_own_still_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """macOS without root: psutil.net_connections is refused, a process's own are not."""

    def refused(kind: str = "inet") -> list[object]:
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "net_connections", refused)
    with listening_socket() as sock:
        port = sock.getsockname()[1]
        assert group_listens(port, os.getpgrp())
        assert port_owner(port, os.getpgrp()) is Owner.US
        assert port_owner(port, 2**22 + 1) is Owner.UNKNOWN  # someone's: we cannot tell whose
    assert port_owner(port, os.getpgrp()) is Owner.UNKNOWN
