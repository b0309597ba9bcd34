"""The batch-size and memory sections' own logic: payloads, judging, reading memory."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench import batches, memory, servers
from bench.memory import MemoryFigures
from drum_testing.launch.drum import guarded_command
from drum_testing.launch.process import (
    Lifeline,
    group_pids,
    start_process_group,
    stop_process_group,
    wait_for,
)


def test_payloads_are_deterministic_and_have_the_intended_columns() -> None:
    assert batches.floats_csv(50) == batches.floats_csv(50)
    floats = pd.read_csv(io.BytesIO(batches.floats_csv(50)))
    assert floats.shape == (50, 8)
    assert (floats.dtypes == "float64").all()
    mixed = pd.read_csv(io.BytesIO(batches.mixed_csv(50)))
    numeric = mixed.select_dtypes("number")
    assert numeric.dtypes.astype(str).to_dict() == {
        "id": "int64",
        "rooms": "int64",
        "price": "float64",
        "area": "float64",
    }
    assert list(mixed.columns.difference(numeric.columns)) == ["city", "note"]
    assert mixed["price"].isna().sum() == len(range(0, 50, 7))
    assert b'"near a park, quiet"' in batches.mixed_csv(50)  # a quoted field with a comma


def test_fewer_repeats_where_a_request_takes_long() -> None:
    assert batches.repeats(1) >= batches.repeats(10_000) >= batches.repeats(100_000) >= 3


def test_targets_take_the_worst_size_and_pair_each_type_with_its_drum() -> None:
    figures = {
        "floats": {
            "flask": {"10": 1.0, "10000": 4.0, "100000": 40.0},
            "DRUM werkzeug": {"10": 1.25, "10000": 5.0, "100000": 50.0},
            "gunicorn-1": {"10": 2.0},
            "DRUM gunicorn": {"10": 1.0},
        }
    }
    targets = {t.name: t for t in batches.evaluate(figures)}
    every = targets["floats: flask ms/request vs DRUM werkzeug, every size"]
    assert (every.measured, every.status, every.note) == ("0.80x", "PASS", "worst at 10 rows")
    large = targets["floats: flask vs DRUM werkzeug, 10,000 and 100,000 rows"]
    assert (large.measured, large.status) == ("0.80x", "MISS")  # 0.8 > 0.5
    slower = targets["floats: gunicorn-1 ms/request vs DRUM gunicorn, every size"]
    assert (slower.measured, slower.status) == ("2.00x", "MISS")
    assert not any("fastapi" in name for name in targets)  # not measured: no target


def test_memory_targets() -> None:
    scored = {
        "flask": MemoryFigures(100, 200, 200),
        "DRUM werkzeug": MemoryFigures(100, 400, 200),
        "gunicorn-1": MemoryFigures(100, 300, 500),
        "DRUM gunicorn": MemoryFigures(100, 400, 200),
    }
    refused = {"flask": MemoryFigures(100, 104, 413), "gunicorn-1": MemoryFigures(100, 100, 200)}
    targets = {t.name: t for t in memory.evaluate(scored, refused)}
    assert targets["peak RSS scoring the large CSV, flask vs DRUM werkzeug"].status == "PASS"
    failed = targets["peak RSS scoring the large CSV, gunicorn-1 vs DRUM gunicorn"]
    assert (failed.status, failed.note) == ("MISS", "HTTP 500")  # an error is never a pass
    assert targets["RSS rise for a refused body, flask"].status == "PASS"
    assert targets["RSS rise for a refused body, gunicorn-1"].note == "HTTP 200, not 413"


def test_reading_this_process_memory() -> None:
    assert os.getpid() in group_pids(os.getpgid(0))
    assert memory.rss_kib(os.getpid()) > 0
    assert memory.rss_kib(2**22 + 12345) == 0  # gone: nothing, not an error


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="the peak (VmHWM) is Linux's")
def test_reading_this_process_peak() -> None:
    assert memory.status_kib(os.getpid(), "VmHWM") >= memory.rss_kib(os.getpid())
    assert memory.status_kib(2**22 + 12345, "VmHWM") == 0  # gone: nothing, not an error


def test_the_watchdog_in_drums_group_is_not_counted_as_drums(tmp_path: Path) -> None:
    lifeline = Lifeline()
    server = [sys.executable, "-c", "import time; time.sleep(60)"]
    command = guarded_command(server, lifeline.read_fd, grace=1.0)
    process = start_process_group(
        command, log_path=tmp_path / "guarded.log", pass_fds=[lifeline.read_fd]
    )
    lifeline.close_read_end()
    try:
        # The guard forks the watchdog, then becomes the "server": two processes in the group.
        assert wait_for(lambda: len(group_pids(process.pid)) == 2, 10)
        # Until the leader has exec'd the "server", its command line is still the guard's.
        assert wait_for(lambda: servers.server_pids(process.pid) == [process.pid], 10)
        memory, processes = servers.group_memory(process.pid)
        assert processes == 1
        assert memory > 0
    finally:
        stop_process_group(process, grace=1.0)
        lifeline.close()
