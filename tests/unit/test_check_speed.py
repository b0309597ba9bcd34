"""check/speed.py: timed requests (against a stdlib stand-in server), percentiles, memory."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from drum_testing.check import speed
from drum_testing.check.observe import Answer
from drum_testing.check.probes import CSV, Kind, Probe
from drum_testing.check.speed import (
    GUARD_MODULE,
    Latency,
    group_rss_mib,
    percentile,
    time_probe,
)

PROBE = Probe("100 rows", Kind.PARITY, "/predict/", b"a\n1\n", CSV, 100)


class StandIn(ThreadingHTTPServer):
    """``/ok`` answers 200; ``/fail`` 500; ``/flaky`` 500 to every third request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandIn

    def log_message(self, format: str, *args: Any) -> None:
        pass

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


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


# --- time_probe against a server --------------------------------------------------------------


def test_times_count_requests_after_a_warm_up(stand_in: StandIn, session: requests.Session) -> None:
    latency = time_probe(session, stand_in.url + "/ok", PROBE, count=5, seconds=30, timeout=5)
    assert stand_in.hits == {"ok": 6}
    assert (latency.rows, latency.requests, latency.failed) == (100, 5, 0)
    assert latency.p50_ms is not None
    assert latency.p99_ms is not None
    assert 0 < latency.p50_ms <= latency.p99_ms


def test_failed_requests_are_counted_not_timed(
    stand_in: StandIn, session: requests.Session
) -> None:
    latency = time_probe(session, stand_in.url + "/flaky", PROBE, count=6, seconds=30, timeout=5)
    # Request 1 is the warm-up; of 2..7, 3 and 6 fail.
    assert stand_in.hits == {"flaky": 7}
    assert (latency.requests, latency.failed) == (6, 2)
    assert latency.p50_ms is not None


def test_every_request_failing(stand_in: StandIn, session: requests.Session) -> None:
    latency = time_probe(session, stand_in.url + "/fail", PROBE, count=3, seconds=30, timeout=5)
    assert latency == Latency(100, 3, 3, None, None)
    assert stand_in.hits == {"fail": 4}


# --- time_probe's arithmetic and bounds, with scripted answers --------------------------------


class Script:
    """Stands in for ``send``: the warm-up, then the answers given, in order."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = [Answer(200, seconds=99.0), *answers]
        self.calls: list[tuple[str, Probe, float]] = []

    def __call__(
        self, session: requests.Session, base_url: str, probe: Probe, timeout: float
    ) -> Answer:
        self.calls.append((base_url, probe, timeout))
        return self.answers[len(self.calls) - 1]


def test_percentiles_of_the_successful_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    script = Script(
        Answer(200, seconds=0.010),
        Answer(200, seconds=0.030),
        Answer(422, seconds=0.001),
        Answer(201, seconds=0.0200004),
        Answer(None, seconds=5.0, error="gone"),
        Answer(500, seconds=0.002),
    )
    monkeypatch.setattr(speed, "send", script)
    with requests.Session() as session:
        latency = time_probe(session, "http://x", PROBE, count=6, seconds=30, timeout=7)
    assert latency == Latency(100, 6, 3, 20.0, 30.0)
    assert [call[0] for call in script.calls] == ["http://x"] * 7
    assert {call[2] for call in script.calls} == {7}


class Clock:
    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def monotonic(self) -> float:
        return self.readings.pop(0)


def test_stops_when_the_time_is_up(monkeypatch: pytest.MonkeyPatch) -> None:
    script = Script(*(Answer(200, seconds=0.001 * n) for n in range(1, 10)))
    monkeypatch.setattr(speed, "send", script)
    # The deadline is read once (0 + 1 s), then before each request: 0.2, 0.9, 1.0 (stop).
    monkeypatch.setattr(speed, "time", Clock(0.0, 0.2, 0.9, 1.0))
    with requests.Session() as session:
        latency = time_probe(session, "http://x", PROBE, count=9, seconds=1.0, timeout=1)
    assert len(script.calls) == 3  # the warm-up and two timed
    assert latency == Latency(100, 2, 0, 1.5, 2.0)


def test_stops_at_count(monkeypatch: pytest.MonkeyPatch) -> None:
    script = Script(*(Answer(200, seconds=0.001) for _ in range(10)))
    monkeypatch.setattr(speed, "send", script)
    with requests.Session() as session:
        latency = time_probe(session, "http://x", PROBE, count=4, seconds=30, timeout=1)
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


def test_rss_of_this_process_and_of_none() -> None:
    assert speed._rss_kib(os.getpid()) > 1024  # a Python with pytest: more than a MiB
    assert speed._rss_kib(2**22 + 12345) == 0  # above Linux's pid_max: no such process


def test_group_sums_its_processes_but_not_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = {11: 1024, 12: 2560, 13: 4096}
    monkeypatch.setattr(speed, "group_pids", lambda pgid: [11, 12, 13] if pgid == 7 else [])
    monkeypatch.setattr(speed, "_rss_kib", sizes.__getitem__)
    monkeypatch.setattr(speed, "_is_guard", lambda pid: pid == 13)
    assert group_rss_mib(7) == 3.5
    assert group_rss_mib(8) == 0.0


def test_group_without_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_proc(pgid: int) -> list[int]:
        raise FileNotFoundError("/proc")

    monkeypatch.setattr(speed, "group_pids", no_proc)
    assert group_rss_mib(1) is None


def test_group_of_this_process() -> None:
    assert (group_rss_mib(os.getpgid(0)) or 0.0) > 1.0


def test_the_guard_is_known_by_its_command_line() -> None:
    assert not speed._is_guard(os.getpid())
    assert not speed._is_guard(2**22 + 12345)
    code = "import sys; print('up', flush=True); sys.stdin.read()"
    guard = subprocess.Popen(
        [sys.executable, "-c", code, GUARD_MODULE.decode()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert guard.stdin is not None
    assert guard.stdout is not None
    try:
        assert guard.stdout.readline() == b"up\n"  # running: its command line is readable
        assert speed._is_guard(guard.pid)
    finally:
        guard.stdin.close()
        guard.wait(10)
        guard.stdout.close()
