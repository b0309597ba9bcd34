"""app/stats.py: /stats/ under DRUM 1.18.1's keys, drum_info included."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from drum_testing.app.stats import Stats

DRUM_INFO_KEYS = {"pid", "cmdline", "mem", "cpu_percent"}
"""An entry of DRUM's drum_info (resource_monitor.py)."""
MEM_INFO_KEYS = {
    "total",
    "avail",
    "free",
    "drum_rss",
    "container_limit",
    "container_max_used",
    "container_used",
}


def test_drum_info_is_this_process_as_drum_describes_it() -> None:
    snapshot = Stats().snapshot()
    [entry] = snapshot["drum_info"]
    assert set(entry) == DRUM_INFO_KEYS
    assert entry["pid"] == os.getpid()
    assert entry["cmdline"][0] == sys.orig_argv[0]
    assert isinstance(entry["mem"], float)
    assert entry["mem"] > 0
    assert entry["cpu_percent"] == 0.0  # psutil's first call
    assert set(snapshot["mem_info"]) == MEM_INFO_KEYS
    assert snapshot["mem_info"]["drum_rss"] == entry["mem"]
    assert set(snapshot) == {"drum_info", "mem_info", "time_info", "predict_calls_count"}


def test_cpu_percent_is_the_cpu_time_since_the_last_call() -> None:
    stats = Stats()
    assert stats.drum_info()[0]["cpu_percent"] == 0.0
    start = os.times()
    deadline = time.monotonic() + 30
    while os.times().user + os.times().system == start.user + start.system:  # burn some CPU
        assert time.monotonic() < deadline, "no CPU time was counted"
    assert stats.drum_info()[0]["cpu_percent"] > 0


def test_time_info_counts_predictions_with_drums_keys() -> None:
    stats = Stats()
    with stats.timing():
        pass
    timing = stats.snapshot()["time_info"]["run_predictor_total"]
    assert {"avg", "min", "max", "total"} <= set(timing)
    assert timing["count"] == 1
    assert timing["total"] == timing["avg"] == timing["min"] == timing["max"]


def test_machine_memory_is_psutils_in_mib() -> None:
    mem_info = Stats().snapshot()["mem_info"]
    total = psutil.virtual_memory().total / 2**20
    assert mem_info["total"] == total
    assert 0 < mem_info["avail"] <= total
    assert 0 < mem_info["free"] <= total


def test_after_a_fork_the_child_describes_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Stats made before gunicorn forks its workers: each worker's drum_info is its own.
    The fork is played by os.getpid() turning into another (real) process's pid."""
    stats = Stats()
    assert stats.drum_info()[0]["pid"] == os.getpid()
    code = "import sys; print('up', flush=True); sys.stdin.read()"
    other = subprocess.Popen(
        [sys.executable, "-c", code, "worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline() == b"up\n"  # running its own code, not still starting
        monkeypatch.setattr(os, "getpid", lambda: other.pid)
        [entry] = stats.drum_info()
        assert (entry["pid"], entry["cmdline"][-1]) == (other.pid, "worker")
        assert entry["cpu_percent"] == 0.0  # a new process: psutil's first call
    finally:
        other.kill()
        other.communicate()
