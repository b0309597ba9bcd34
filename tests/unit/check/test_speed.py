"""check/speed.py: timed requests (against a stdlib stand-in server), percentiles, memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psutil
import pytest

from drum_testing.check import speed
from drum_testing.check.probes import CSV, Kind, Probe
from drum_testing.check.speed import (
    GroupMemory,
    Latency,
    TimingClient,
    group_memory,
    percentile,
    time_probe,
)
from drum_testing.launch.drum import GUARD_MODULE

PROBE = Probe("100 rows", Kind.PARITY, "/predict/", b"a\n1\n", CSV, 100)


class StandIn(ThreadingHTTPServer):
    """``/ok`` answers 200; ``/fail`` 500; ``/flaky`` 500 to every third request; ``/close``
    200 and closes the connection."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: dict[str, int] = {}
        self.connections = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandIn

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mode = self.path.split("/")[1]
        with self.server.lock:
            hit = self.server.hits[mode] = self.server.hits.get(mode, 0) + 1
        status = 500 if mode == "fail" or (mode == "flaky" and hit % 3 == 0) else 200
        body = b'{"predictions": [1]}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if mode == "close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def client_for(url: str) -> TimingClient:
    return TimingClient(url, timeout=5)


# --- time_probe against a server --------------------------------------------------------------


def test_times_count_requests_after_a_warm_up(stand_in: StandIn) -> None:
    with client_for(stand_in.url + "/ok") as client:
        latency = time_probe(client, PROBE, count=5, seconds=30)
    assert stand_in.hits == {"ok": 6}
    assert stand_in.connections == 1  # one keep-alive connection for all six
    assert (latency.rows, latency.requests, latency.failed) == (100, 5, 0)
    assert latency.p50_ms is not None
    assert latency.p99_ms is not None
    assert 0 < latency.p50_ms <= latency.p99_ms


def test_failed_requests_are_counted_not_timed(stand_in: StandIn) -> None:
    with client_for(stand_in.url + "/flaky") as client:
        latency = time_probe(client, PROBE, count=6, seconds=30)
    # Request 1 is the warm-up; of 2..7, 3 and 6 fail.
    assert stand_in.hits == {"flaky": 7}
    assert (latency.requests, latency.failed) == (6, 2)
    assert latency.p50_ms is not None


def test_every_request_failing(stand_in: StandIn) -> None:
    with client_for(stand_in.url + "/fail") as client:
        latency = time_probe(client, PROBE, count=3, seconds=30)
    assert latency == Latency(100, 3, 3, None, None)
    assert stand_in.hits == {"fail": 4}


def test_a_connection_the_server_closed_is_opened_again(stand_in: StandIn) -> None:
    with client_for(stand_in.url + "/close") as client:  # the server closes after each answer
        assert [client.post(PROBE)[0] for _ in range(3)] == [200, 200, 200]
    assert stand_in.hits == {"close": 3}
    assert stand_in.connections == 3


def test_no_server_is_no_answer() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
        port = sock.getsockname()[1]
        with client_for(f"http://127.0.0.1:{port}") as client:
            status, seconds = client.post(PROBE)
    assert status is None
    assert seconds >= 0


def test_a_timing_client_takes_http_urls_only() -> None:
    with pytest.raises(ValueError, match="http://"):
        TimingClient("https://127.0.0.1:1", timeout=1)


# --- time_probe's arithmetic and bounds, with scripted answers --------------------------------


class Script(TimingClient):
    """A client that answers as scripted: the warm-up, then the answers given, in order."""

    def __init__(self, *answers: tuple[int | None, float]) -> None:
        super().__init__("http://127.0.0.1:9", timeout=1)
        self.answers = [(200, 99.0), *answers]
        self.calls: list[Probe] = []

    def post(self, probe: Probe) -> tuple[int | None, float]:
        self.calls.append(probe)
        return self.answers[len(self.calls) - 1]


def test_percentiles_of_the_successful_answers() -> None:
    script = Script((200, 0.010), (200, 0.030), (422, 0.001), (201, 0.0200004), (None, 5.0),
                    (500, 0.002))  # fmt: skip
    latency = time_probe(script, PROBE, count=6, seconds=30)
    assert latency == Latency(100, 6, 3, 20.0, 30.0)
    assert script.calls == [PROBE] * 7


class Clock:
    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def monotonic(self) -> float:
        return self.readings.pop(0)

    def perf_counter(self) -> float:
        return 0.0


def test_stops_when_the_time_is_up(monkeypatch: pytest.MonkeyPatch) -> None:
    script = Script(*((200, 0.001 * n) for n in range(1, 10)))
    # The deadline is read once (0 + 1 s), then before each request: 0.2, 0.9, 1.0 (stop).
    monkeypatch.setattr(speed, "time", Clock(0.0, 0.2, 0.9, 1.0))
    latency = time_probe(script, PROBE, count=9, seconds=1.0)
    assert len(script.calls) == 3  # the warm-up and two timed
    assert latency == Latency(100, 2, 0, 1.5, 2.0)


def test_stops_at_count() -> None:
    script = Script(*((200, 0.001) for _ in range(10)))
    latency = time_probe(script, PROBE, count=4, seconds=30)
    assert len(script.calls) == 5
    assert latency.requests == 4


# --- percentile -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        (list(range(1, 101)), 0.99, 99),
        (list(range(1, 101)), 0.5, 50),
        (list(range(100, 0, -1)), 0.99, 99),
        (list(range(1, 21)), 0.99, 20),
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        ([3.0, 1.0, 2.0], 0.0, 1.0),
        ([3.0, 1.0, 2.0], 1.0, 3.0),
        ([7.5], 0.99, 7.5),
    ],
)
def test_percentile(values: list[float], fraction: float, expected: float) -> None:
    assert percentile(values, fraction) == expected


def test_latency_to_dict() -> None:
    assert Latency(None, 2, 1, 3.5, 4.0).to_dict() == {
        "rows": None,
        "requests": 2,
        "failed": 1,
        "p50_ms": 3.5,
        "p99_ms": 4.0,
    }


# --- memory -----------------------------------------------------------------------------------


def test_memory_of_this_process_and_of_none() -> None:
    found = speed._memory(psutil.Process())
    assert found is not None
    assert found["rss"] > 2**20  # a Python with pytest: more than a MiB
    if sys.platform == "linux":
        assert 0 < found["uss"] <= found["pss"] <= found["rss"]
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    gone = psutil.Process(child.pid)
    child.communicate(timeout=30)  # it exits and is reaped: the psutil.Process outlives it
    assert speed._memory(gone) is None


def sizes(figures: dict[str, dict[str, float]]) -> Any:
    """A stand-in for _memory: each pid's figures, in MiB."""
    return lambda process: {name: mib * 2**20 for name, mib in figures[str(process)].items()}


@pytest.fixture
def group_of_four(monkeypatch: pytest.MonkeyPatch) -> None:
    """Group 7 is pids 11, 12, 13 (the guard) and 14; psutil.Process(pid) is its pid's text."""
    monkeypatch.setattr(speed, "group_pids", lambda pgid: [11, 12, 13, 14] if pgid == 7 else [])
    monkeypatch.setattr(psutil, "Process", str)
    monkeypatch.setattr(speed, "_is_guard", lambda process: process == "13")


@pytest.mark.usefixtures("group_of_four")
def test_the_group_sums_its_best_figure_but_not_the_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    everything = {"pss": 1, "uss": 0.5, "rss": 3}
    figures: dict[str, dict[str, float]] = {
        "11": everything,
        "12": everything,
        "13": {"pss": 100},
        "14": everything,
    }
    monkeypatch.setattr(speed, "_memory", sizes(figures))
    assert group_memory(7) == GroupMemory("PSS", 3.0)
    assert group_memory(8) is None


@pytest.mark.usefixtures("group_of_four")
def test_the_group_sums_the_best_figure_every_process_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_pss = {"uss": 0.5, "rss": 3}
    figures: dict[str, dict[str, float]] = {
        "11": {"pss": 1, **no_pss},
        "12": no_pss,
        "13": {},
        "14": {"rss": 2.5},
    }
    monkeypatch.setattr(speed, "_memory", sizes(figures))
    assert group_memory(7) == GroupMemory("RSS", 8.5)
    figures["14"] = no_pss
    monkeypatch.setattr(speed, "_memory", sizes(figures))
    assert group_memory(7) == GroupMemory("USS", 1.5)


def test_the_group_of_this_process() -> None:
    memory = group_memory(os.getpgid(0))
    assert memory is not None
    assert memory.mib > 1.0
    assert memory.figure == ("PSS" if sys.platform == "linux" else "USS")


def test_the_guard_is_known_by_its_command_line() -> None:
    assert not speed._is_guard(psutil.Process())
    code = "import sys; print('up', flush=True); sys.stdin.read()"
    guard = subprocess.Popen(
        [sys.executable, "-c", code, GUARD_MODULE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert guard.stdin is not None
    assert guard.stdout is not None
    try:
        assert guard.stdout.readline() == b"up\n"  # running: its command line is readable
        assert speed._is_guard(psutil.Process(guard.pid))
    finally:
        guard.stdin.close()
        guard.wait(10)
        guard.stdout.close()
