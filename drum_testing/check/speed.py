"""Speed and size, as ``drum perf-test`` measures them but for every server side by side.

Latency is timed one request at a time, on one keep-alive connection
(:class:`TimingClient`), one server at a time (on a machine of two cores, a second server
under load would take CPU from the first). Every loop is bounded twice: at most
``latency_requests`` requests and at most ``latency_seconds`` per batch size and server.
"""

from __future__ import annotations

import http.client
import math
import statistics
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from drum_testing.launch.process import group_pids

from .probes import Probe

GUARD_MODULE = b"drum_testing.launch.guard"
"""Real DRUM's watchdog shares its process group; it is ours, so it is not counted."""


@dataclass(frozen=True)
class Latency:
    """Timed requests of one batch size on one server."""

    rows: int | None
    requests: int
    failed: int
    p50_ms: float | None
    p99_ms: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "requests": self.requests,
            "failed": self.failed,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
        }


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in [0, 1]) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class TimingClient:
    """One keep-alive connection to a server, for timing: :mod:`http.client`, not requests.

    requests adds about 3 ms to each POST on a two-core machine (measured against the same
    server: 7.1 ms with requests, 3.1 ms with http.client, for one row), more than a small
    batch costs the server; its share would hide the differences a check is for. A request
    that fails on a connection the server closed while idle is sent once more on a new one.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        url = urllib.parse.urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None:
            raise ValueError(f"a TimingClient takes an http:// URL, got {base_url!r}")
        self.prefix = url.path.rstrip("/")
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        self._used = False

    def post(self, probe: Probe) -> tuple[int | None, float]:
        """Send ``probe``; its status (None: no answer) and the seconds it took."""
        for attempt in (1, 2):
            reused = self._used
            started = time.perf_counter()
            try:
                self.connection.request(
                    "POST",
                    self.prefix + probe.path,
                    body=probe.body,
                    headers={"Content-Type": probe.content_type},
                )
                response = self.connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self._used = False
                if reused and attempt == 1:
                    continue  # the server closed the idle connection: once more, anew
                return None, time.perf_counter() - started
            self._used = True
            if response.will_close:
                self.connection.close()
                self._used = False
            return response.status, time.perf_counter() - started
        raise AssertionError("unreachable: the second attempt returns")

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> TimingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def time_probe(client: TimingClient, probe: Probe, *, count: int, seconds: float) -> Latency:
    """Send ``probe`` once untimed (a warm-up), then up to ``count`` times within ``seconds``.

    Only successful answers are timed; the others are counted as failed.
    """
    client.post(probe)
    deadline = time.monotonic() + seconds
    timings: list[float] = []
    failed = 0
    for _ in range(count):
        if time.monotonic() >= deadline:
            break
        status, took = client.post(probe)
        if status is not None and status < 400:
            timings.append(took * 1000)
        else:
            failed += 1
    if not timings:
        return Latency(probe.rows, failed, failed, None, None)
    return Latency(
        probe.rows,
        len(timings) + failed,
        failed,
        round(statistics.median(timings), 3),
        round(percentile(timings, 0.99), 3),
    )


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass  # exited meanwhile
    return 0


def _is_guard(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return GUARD_MODULE in cmdline.read()
    except OSError:
        return False


def group_rss_mib(pgid: int) -> float | None:
    """Resident memory summed over a server's process group (its workers included), in MiB;
    None where ``/proc`` is missing. Forked workers share pages, so the sum overstates
    a pre-fork server a little, as ``ps`` and the benchmarks do."""
    try:
        pids = group_pids(pgid)
    except OSError:
        return None
    return round(sum(_rss_kib(pid) for pid in pids if not _is_guard(pid)) / 1024, 1)
