"""Speed and size, as ``drum perf-test`` measures them but for every server side by side.

Latency is timed one request at a time, on one keep-alive connection, one server at a
time (on a machine of two cores, a second server under load would take CPU from the
first). Every loop is bounded twice: at most ``latency_requests`` requests and at most
``latency_seconds`` per batch size and server.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from drum_testing.testing.process import group_pids

from .observe import send
from .probes import Probe

GUARD_MODULE = b"drum_testing.testing.drum_guard"
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


def time_probe(
    session: requests.Session,
    base_url: str,
    probe: Probe,
    *,
    count: int,
    seconds: float,
    timeout: float,
) -> Latency:
    """Send ``probe`` once untimed (a warm-up), then up to ``count`` times within ``seconds``.

    Only successful answers are timed; the others are counted as failed.
    """
    send(session, base_url, probe, timeout)
    deadline = time.monotonic() + seconds
    timings: list[float] = []
    failed = 0
    for _ in range(count):
        if time.monotonic() >= deadline:
            break
        answer = send(session, base_url, probe, timeout)
        if answer.status is not None and answer.status < 400:
            timings.append(answer.seconds * 1000)
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
