"""What ``/stats/`` reports: memory of the serving process and timing of its predictions."""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_MIB = 1024 * 1024


def _meminfo() -> dict[str, int | None]:
    """Machine memory in MiB from ``/proc/meminfo``, under DRUM's names (None where there is
    no procfs). The container figures DRUM reads from cgroup v1 inside Docker are null, as
    DRUM's are outside Docker."""
    wanted = {"MemTotal": "total", "MemAvailable": "avail", "MemFree": "free"}
    found: dict[str, int | None] = dict.fromkeys(wanted.values())
    found.update(container_limit=None, container_max_used=None, container_used=None)
    try:
        with open("/proc/meminfo", encoding="ascii") as lines:
            for line in lines:
                key, _, rest = line.partition(":")
                if key in wanted:
                    found[wanted[key]] = int(rest.split()[0]) // 1024
    except OSError:
        pass
    return found


def _rss_mib() -> int:
    """Resident memory of this process in MiB (peak where the current figure is unavailable)."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // _MIB
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class Stats:
    """Thread-safe timing of predictions in this process (each worker keeps its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._total = 0.0
        self._min = float("inf")
        self._max = 0.0

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

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            count, total, low, high = self._count, self._total, self._min, self._max
        timing = {
            "count": count,
            "avg": total / count if count else None,
            "min": low if count else None,
            "max": high if count else None,
        }
        return {
            "mem_info": {"drum_rss": _rss_mib(), **_meminfo()},
            "time_info": {"run_predictor_total": timing},
            "predict_calls_count": count,
        }
