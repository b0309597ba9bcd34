"""Shared test helpers: where the fixture models live and how each is started."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from drum_testing.testing import process

MODELS = Path(__file__).parent / "fixtures" / "models"
"""One folder per fixture model (``custom.py`` and friends)."""

BINARY_LABELS = ("yes", "no")
"""(positive, negative), as DrumServerRun takes them."""
MULTICLASS_LABELS = ("red", "green", "blue")


@pytest.fixture
def models_dir() -> Path:
    return MODELS


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; fail the test if it does not within ``timeout``."""
    if not process.wait_for(condition, timeout):
        pytest.fail(f"timed out after {timeout} s waiting for {what}")
