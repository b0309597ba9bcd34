from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Iterator

import pytest

from drum_testing.servers import drain
from tests.helpers.waiting import wait_for

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the socket filter and TCP_INFO are Linux's"
)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    sock.close()


@pytest.fixture
def clients() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def connect(listener: socket.socket, clients: list[socket.socket]) -> socket.socket:
    sock = socket.create_connection(listener.getsockname(), timeout=10)
    clients.append(sock)
    return sock


@linux_only
def test_queued_connections_counts_the_backlog(
    listener: socket.socket, clients: list[socket.socket]
) -> None:
    assert drain.queued_connections(listener) == 0
    connect(listener, clients)
    connect(listener, clients)
    wait_for(lambda: drain.queued_connections(listener) == 2, what="two queued connections")
    listener.accept()[0].close()
    assert drain.queued_connections(listener) == 1


@linux_only
def test_a_refusing_listener_completes_no_new_handshake_and_keeps_the_queued_ones(
    listener: socket.socket, clients: list[socket.socket]
) -> None:
    queued = connect(listener, clients)
    wait_for(lambda: drain.queued_connections(listener) == 1, what="the queued connection")
    assert drain.refuse_new_connections(listener)
    late = socket.socket()
    clients.append(late)
    late.setblocking(False)
    assert late.connect_ex(listener.getsockname()) != 0  # in progress, never completed
    assert drain.queued_connections(listener) == 1  # the late handshake was dropped
    queued.sendall(b"x")
    accepted, _ = listener.accept()  # the one queued before is still served
    with accepted:
        accepted.settimeout(10)
        assert accepted.recv(1) == b"x"


@linux_only
def test_stop_accepting_waits_for_the_accept_loop_and_says_when_it_did_not_empty(
    listener: socket.socket, clients: list[socket.socket]
) -> None:
    connect(listener, clients)
    wait_for(lambda: drain.queued_connections(listener) == 1, what="the queued connection")
    assert not drain.stop_accepting([listener], timeout=0)  # nobody accepts here
    listener.accept()[0].close()
    assert drain.stop_accepting([listener], timeout=0)
    assert asyncio.run(drain.stop_accepting_async([listener], timeout=0))


def test_a_closed_listener_has_no_queue_and_cannot_refuse() -> None:
    sock = socket.socket()
    sock.close()
    assert drain.queued_connections(sock) == 0
    assert not drain.refuse_new_connections(sock)


def test_bytes_waiting_peeks_without_reading() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not drain.bytes_waiting(ours)
        theirs.sendall(b"GET")
        wait_for(lambda: drain.bytes_waiting(ours), what="the bytes to arrive")
        assert ours.recv(3) == b"GET"  # still there to read
        theirs.close()
        assert not drain.bytes_waiting(ours)  # end of stream: nothing to answer
