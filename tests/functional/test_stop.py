"""A stop loses no request that reached the server (a rolling restart behind a balancer).

The balancer's side is played with raw sockets, for precise control of what has arrived
when the stop begins: a request sent on an idle connection just after SIGTERM, and
connections queued in the listen backlog at SIGTERM. Each must be answered, never reset,
and the server must then exit 0.
"""

from __future__ import annotations

import http.client
import signal
import socket
from collections.abc import Iterator

import pytest

from drum_testing.launch.process import signal_group
from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS
from tests.helpers.waiting import wait_for

REGRESSION = MODELS / "regression"
BODY = b"a\n1\n2\n"
TIMEOUT = 30.0
"""A socket's timeout: a reset or an answer comes long before; only a hang reaches it."""
PROBE_TIMEOUT = 0.2
"""How long a probe waits for a new connection: a listener that drops handshakes (a
stopping one) never completes it."""
QUEUED = 4


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def server(request: pytest.FixtureRequest, drum_server: DrumServerFactory) -> DrumServerRun:
    """The session's server type at 1 and 2 workers (flask serves in one process)."""
    return drum_server("regression", None, REGRESSION, max_workers=request.param)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def send(sock: socket.socket, path: str = "/predict/") -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n"
    )
    sock.sendall(head.encode("ascii") + BODY)


def answer(sock: socket.socket) -> http.client.HTTPResponse:
    """The answer on ``sock``, read to its end (a reset raises)."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    return response


def idle_connection(port: int) -> socket.socket:
    """A connection with one request answered and none pending: kept alive by the types
    that keep connections; a fresh one (accepted, nothing sent) where the server closed it."""
    sock = connect(port)
    send(sock)
    if answer(sock).getheader("Connection", "").lower() == "close":
        sock.close()
        sock = connect(port)
    return sock


def refuses_connections(port: int) -> bool:
    """Whether a new connection fails: refused, or its handshake dropped."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT).close()
    except OSError:
        return True
    return False


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """Sockets the test opens, closed when it ends."""
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def test_a_request_on_an_idle_connection_just_after_sigterm_is_answered_with_close(
    server: DrumServerRun, sockets: list[socket.socket]
) -> None:
    idle = idle_connection(server.port)
    sockets.append(idle)
    signal_group(server.process.pid, signal.SIGTERM)
    # The stop has begun once new connections fail; the client chose this one before.
    wait_for(lambda: refuses_connections(server.port), what="the server to stop accepting")
    send(idle)
    late = answer(idle)  # not reset
    assert late.status == 200
    assert late.getheader("Connection", "").lower() == "close"
    assert idle.recv(1) == b""  # then closed, as announced
    assert server.stop() == 0


def test_connections_queued_in_the_backlog_at_sigterm_are_answered(
    server: DrumServerRun, sockets: list[socket.socket]
) -> None:
    pgid = server.process.pid
    # Stopped, the server accepts nothing: the kernel completes the handshakes and queues
    # the connections, their requests waiting on them. SIGTERM is then pending when the
    # server resumes, and the stop begins with them still queued.
    signal_group(pgid, signal.SIGSTOP)
    try:
        for _ in range(QUEUED):
            sockets.append(connect(server.port))
            send(sockets[-1])
    finally:
        signal_group(pgid, signal.SIGTERM)
        signal_group(pgid, signal.SIGCONT)
    answers = [answer(sock) for sock in sockets]  # none reset
    assert [a.status for a in answers] == [200] * QUEUED
    assert server.stop() == 0
