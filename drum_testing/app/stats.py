"""What ``/stats/`` reports, under DRUM 1.18.1's keys: the serving process (``drum_info``),
the machine's memory (``mem_info``) and the timing of its predictions (``time_info``).

DRUM reads the first two with psutil (``resource_monitor.py``); we read the same figures
from procfs and :func:`os.times`, which is all a Linux container has to offer and needs no
dependency (issue 19 may bring psutil; the keys and their meaning stay). Memory is in MiB
as floats, as DRUM's; ``cpu_percent`` is psutil's ``Process.cpu_percent()``: 0.0 on the
first call, then the process's CPU time since the previous call over the wall time, in
percent of one core (so up to 100 times the cores in use).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_MIB = 1024 * 1024


def _meminfo() -> dict[str, float | None]:
    """Machine memory in MiB from ``/proc/meminfo``, under DRUM's names (None where there is
    no procfs). The container figures DRUM reads from cgroup v1 inside Docker are null, as
    DRUM's are outside Docker."""
    wanted = {"MemTotal": "total", "MemAvailable": "avail", "MemFree": "free"}
    found: dict[str, float | None] = dict.fromkeys(wanted.values())
    found.update(container_limit=None, container_max_used=None, container_used=None)
    try:
        with open("/proc/meminfo", encoding="ascii") as lines:
            for line in lines:
                key, _, rest = line.partition(":")
                if key in wanted:
                    found[wanted[key]] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return found


def _rss_mib() -> float:
    """Resident memory of this process in MiB (peak where the current figure is unavailable)."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / _MIB
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cmdline() -> list[str]:
    """This process's command line, as ``ps`` shows it (``sys.orig_argv`` without procfs)."""
    try:
        with open(f"/proc/{os.getpid()}/cmdline", "rb") as raw:
            words = raw.read().split(b"\0")
    except OSError:
        return list(sys.orig_argv)
    return [os.fsdecode(word) for word in words[:-1]] if words[-1:] == [b""] else []


class _CpuPercent:
    """psutil's ``Process.cpu_percent()`` (interval None) for this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[float, float] | None = None

    def __call__(self) -> float:
        times = os.times()
        now = (time.monotonic(), times.user + times.system)
        with self._lock:
            last, self._last = self._last, now
        if last is None or now[0] <= last[0]:
            return 0.0
        return round((now[1] - last[1]) / (now[0] - last[0]) * 100, 1)


class Stats:
    """Thread-safe timing of predictions in this process (each worker keeps its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._total = 0.0
        self._min = float("inf")
        self._max = 0.0
        self._cpu_percent = _CpuPercent()

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Time the block as one prediction, whether it succeeds or raises."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            with self._lock:
                self._count += 1
                self._total += elapsed
                self._min = min(self._min, elapsed)
                self._max = max(self._max, elapsed)

    def drum_info(self) -> list[dict[str, Any]]:
        """DRUM's ``drum_info``: one entry per process of the server that answers, this one
        (DRUM's prediction server monitors its own process, in each gunicorn worker too)."""
        return [
            {
                "pid": os.getpid(),
                "cmdline": _cmdline(),
                "mem": _rss_mib(),
                "cpu_percent": self._cpu_percent(),
            }
        ]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            count, total, low, high = self._count, self._total, self._min, self._max
        timing = {
            "count": count,
            "total": total if count else None,
            "avg": total / count if count else None,
            "min": low if count else None,
            "max": high if count else None,
        }
        drum_info = self.drum_info()
        return {
            "drum_info": drum_info,
            "mem_info": {"drum_rss": sum(entry["mem"] for entry in drum_info), **_meminfo()},
            "time_info": {"run_predictor_total": timing},
            "predict_calls_count": count,
        }
