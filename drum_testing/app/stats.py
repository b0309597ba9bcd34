"""What ``/stats/`` reports, under DRUM 1.18.1's keys: the serving process (``drum_info``),
the machine's memory (``mem_info``) and the timing of its predictions (``time_info``).

DRUM reads the first two with psutil (``resource_monitor.py``, monitoring its own process),
and so do we, the same calls on every platform: ``pid``, ``cmdline()``, ``memory_info().rss``
and ``cpu_percent()`` of this process, ``virtual_memory()``'s ``total``, ``available`` and
``free``. Memory is in MiB as floats, as DRUM's; ``cpu_percent`` is 0.0 on the first call,
then the process's CPU time since the previous call over the wall time, in percent of one
core (so up to 100 times the cores in use). The container figures DRUM reads from cgroup v1
inside Docker are null, as DRUM's are outside Docker.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psutil

_MIB = 1024 * 1024


def _meminfo() -> dict[str, float | None]:
    """Machine memory in MiB, under DRUM's names."""
    memory = psutil.virtual_memory()
    return {
        "total": memory.total / _MIB,
        "avail": memory.available / _MIB,
        "free": memory.free / _MIB,
        "container_limit": None,
        "container_max_used": None,
        "container_used": None,
    }


class _ThisProcess:
    """This process, as psutil sees it, for ``drum_info``.

    ``cpu_percent`` compares with the previous call on the same ``psutil.Process``, as DRUM
    keeps one; a new one is made in a forked child, whose pid (and CPU time) is its own.
    psutil's object is not thread-safe, and requests may ask at once: one lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: psutil.Process | None = None

    def info(self) -> dict[str, Any]:
        with self._lock:
            if self._process is None or self._process.pid != os.getpid():
                self._process = psutil.Process()
            process = self._process
            return {
                "pid": process.pid,
                "cmdline": process.cmdline(),
                "mem": process.memory_info().rss / _MIB,
                "cpu_percent": process.cpu_percent(),
            }


class Stats:
    """Thread-safe timing of predictions in this process (each worker keeps its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._total = 0.0
        self._min = float("inf")
        self._max = 0.0
        self._process = _ThisProcess()

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
        return [self._process.info()]

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
