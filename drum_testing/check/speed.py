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

import psutil

from drum_testing.launch.drum import GUARD_MODULE
from drum_testing.launch.process import group_pids

from .probes import Probe


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


MEMORY_FIGURES = ("pss", "uss", "rss")
"""What a process's memory is measured as, the best first: PSS (its private pages plus its
share of those it shares: summed over a pre-fork server's workers, the pages they share are
counted once; Linux), USS (its private pages only: the sum leaves shared pages out; macOS,
Windows), RSS (every page it maps: the sum counts shared pages once per process)."""


@dataclass(frozen=True)
class GroupMemory:
    """A server's memory, summed over its processes."""

    figure: str
    """Which one of :data:`MEMORY_FIGURES`, in capitals: ``PSS``, ``USS`` or ``RSS``."""
    mib: float


def _memory(process: psutil.Process) -> dict[str, int] | None:
    """The figures psutil has for ``process`` (None once it is gone)."""
    try:
        try:
            found = process.memory_full_info()._asdict()
        except psutil.AccessDenied:  # the full figures may need more rights than the basic
            found = process.memory_info()._asdict()
    except psutil.Error:
        return None
    return {name: found[name] for name in MEMORY_FIGURES if name in found}


def _is_guard(process: psutil.Process) -> bool:
    """Whether ``process`` is real DRUM's watchdog, which shares its process group: it is
    ours, so it is not counted."""
    try:
        return GUARD_MODULE in process.cmdline()
    except psutil.Error:
        return False


def group_memory(pgid: int) -> GroupMemory | None:
    """The memory of a server's process group (its workers included; real DRUM's watchdog,
    ours, left out), as the best figure of :data:`MEMORY_FIGURES` every process has: PSS on
    Linux. None when no process of the group is left."""
    sizes = []
    for pid in group_pids(pgid):
        try:
            process = psutil.Process(pid)
        except psutil.Error:
            continue  # exited meanwhile
        if _is_guard(process):
            continue
        found = _memory(process)
        if found is not None:
            sizes.append(found)
    if not sizes:
        return None
    figure = next(name for name in MEMORY_FIGURES if all(name in size for size in sizes))
    return GroupMemory(figure.upper(), round(sum(size[figure] for size in sizes) / 2**20, 1))
