"""Waiting on a condition with a deadline (never a bare sleep), and whether a process runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from drum_testing.launch import process


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; fail the test if it does not within ``timeout``."""
    if not process.wait_for(condition, timeout):
        pytest.fail(f"timed out after {timeout} s waiting for {what}")


def running(pid: int) -> bool:
    """Whether ``pid`` exists and has not exited (a zombie waiting for init has exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: assume the worst
    return stat[stat.rindex(")") + 2] not in "ZX"
