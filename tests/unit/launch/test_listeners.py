"""launch/listeners.py: who listens on a port, from /proc (how real DRUM's port is proven)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from drum_testing.launch.listeners import Owner, port_owner
from drum_testing.testing import listening_socket


def test_a_listener_is_ours_only_if_our_process_group_has_it() -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc: ownership falls back to the log and the process")
    with listening_socket() as sock:
        port = sock.getsockname()[1]
        assert port_owner(port, os.getpgrp()) is Owner.US  # this process has it open
        assert port_owner(port, 2**22 + 1) is Owner.OTHER  # no such group has it
    assert port_owner(port, os.getpgrp()) is Owner.NOBODY
    with socket.socket() as sock:  # bound, not listening: not a listener
        sock.bind(("127.0.0.1", 0))
        assert port_owner(sock.getsockname()[1], os.getpgrp()) is Owner.NOBODY
