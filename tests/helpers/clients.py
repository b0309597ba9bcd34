"""Raw clients for hostile cases: connections that stall, idle, or leave mid-request."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import requests

from drum_testing.testing import DrumServerRun


def connect(run: DrumServerRun, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", run.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


@contextlib.contextmanager
def open_connections(
    run: DrumServerRun, count: int, first_bytes: bytes
) -> Iterator[list[socket.socket]]:
    """``count`` connections that sent ``first_bytes`` (maybe nothing) and then stall."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = connect(run)
            if first_bytes:
                sock.sendall(first_bytes)
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def ping_latencies(run: DrumServerRun, probes: int) -> list[float]:
    """Seconds each of ``probes`` ``GET /ping/`` took, one at a time, each on a new connection."""
    latencies = []
    url = run.url_server_address + "/ping/"
    for _ in range(probes):
        started = time.perf_counter()
        answer = requests.get(url, timeout=5)
        latencies.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` (end of file or reset) within ``within`` seconds.

    Anything it answers first (a 408) is read and ignored.
    """
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False
    return False


def raw_request(
    run: DrumServerRun, head: bytes, body: bytes = b"", shut_write: bool = False
) -> bytes:
    """Send ``head`` and ``body`` as they are; return all the server answered."""
    with connect(run) as sock:
        sock.sendall(head + body)
        if shut_write:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)
