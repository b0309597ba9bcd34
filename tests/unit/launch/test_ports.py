"""listening_socket: the port is bound and listening before anyone learns its number."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from drum_testing.launch.ports import PortInUseError, format_address, pick_port
from drum_testing.testing import listening_socket


@pytest.fixture
def sock() -> Iterator[socket.socket]:
    with listening_socket() as sock:
        yield sock


def test_port_is_bound_and_listening(sock: socket.socket) -> None:
    host, port = sock.getsockname()[:2]
    assert host == "127.0.0.1"
    assert port > 0
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
    # A client connects at once, before anyone calls accept(): it waits in the backlog.
    with socket.create_connection((host, port), timeout=5):
        pass


def test_not_inheritable_until_passed(sock: socket.socket) -> None:
    # Popen(pass_fds=...) makes it inheritable in that one child; nothing else gets a copy.
    assert not sock.get_inheritable()


def test_no_reuseport(sock: socket.socket) -> None:
    if hasattr(socket, "SO_REUSEPORT"):
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 0


def test_two_calls_never_share_a_port() -> None:
    sockets = [listening_socket() for _ in range(20)]
    try:
        ports = {s.getsockname()[1] for s in sockets}
        assert len(ports) == len(sockets)
    finally:
        for s in sockets:
            s.close()


def test_taken_explicit_port_raises_naming_it(sock: socket.socket) -> None:
    port = sock.getsockname()[1]
    with pytest.raises(PortInUseError, match=f"port {port} "):
        listening_socket(port=port)


def test_explicit_free_port_is_used(sock: socket.socket) -> None:
    port = sock.getsockname()[1]
    sock.close()  # free it, then ask for exactly that one
    with listening_socket(port=port) as again:
        assert again.getsockname()[1] == port


def test_foreign_address_is_an_oserror_naming_it() -> None:
    # 192.0.2.1 is TEST-NET-1: never a local address, and no DNS lookup is needed.
    with pytest.raises(OSError, match=re.escape("cannot listen on 192.0.2.1 port 0")):
        listening_socket("192.0.2.1")


@pytest.mark.parametrize(("host", "expected"), [("127.0.0.1", "127.0.0.1:80"), ("::1", "[::1]:80")])
def test_format_address(host: str, expected: str) -> None:
    assert format_address(host, 80) == expected


def test_pick_port_gives_a_port_free_now_or_the_one_asked_for() -> None:
    port = pick_port()
    taken = f"port {port} on 127.0.0.1 is already in use"
    # It was free, and nothing holds it: it can be listened on, and is then taken.
    with listening_socket(port=port), pytest.raises(PortInUseError, match=taken):
        pick_port("127.0.0.1", port)
    assert pick_port("127.0.0.1", port) == port
