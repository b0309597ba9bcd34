"""Waiting on a condition with a deadline (never a bare sleep), and whether a process runs."""

from __future__ import annotations

from collections.abc import Callable

import psutil
import pytest

from drum_testing.launch import process
from drum_testing.launch.process import GONE


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; fail the test if it does not within ``timeout``."""
    if not process.wait_for(condition, timeout):
        pytest.fail(f"timed out after {timeout} s waiting for {what}")


def running(pid: int) -> bool:
    """Whether ``pid`` exists and has not exited (a zombie waiting for init has exited)."""
    try:
        return psutil.Process(pid).status() not in GONE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists; not ours to look at
