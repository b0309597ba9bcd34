"""Shared test helpers: where the fixture models live and how each is started."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drum_testing.settings import Settings, TargetType
from drum_testing.testing import process
from drum_testing.testing.logs import DIR_PREFIX

MODELS = Path(__file__).parent / "fixtures" / "models"
"""One folder per fixture model (``custom.py`` and friends)."""

BINARY_LABELS = ("no", "yes")
"""(negative, positive), as DrumServerRun takes them (DRUM's order)."""
MULTICLASS_LABELS = ("red", "green", "blue")
MULTILABEL_LABELS = ("cat", "dog", "fish")


@pytest.fixture
def models_dir() -> Path:
    return MODELS


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; fail the test if it does not within ``timeout``."""
    if not process.wait_for(condition, timeout):
        pytest.fail(f"timed out after {timeout} s waiting for {what}")


def settings_for(code_dir: Path, target: TargetType, **overrides: Any) -> Settings:
    """Settings for a model folder, with the fixture class labels where the target needs them."""
    labels: dict[str, Any] = {}
    if target is TargetType.BINARY:
        labels = {
            "negative_class_label": BINARY_LABELS[0],
            "positive_class_label": BINARY_LABELS[1],
        }
    elif target is TargetType.MULTICLASS:
        labels = {"class_labels": MULTICLASS_LABELS}
    return Settings(code_dir=code_dir, target_type=target, **labels, **overrides)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir RunLog (and a DrumServerRun without ``log_dir``) makes its directories
    in, empty and private to the test."""
    root = tmp_path / "temp-root"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def made_dirs(root: Path) -> list[Path]:
    return sorted(root.glob(f"{DIR_PREFIX}*"))


@pytest.fixture
def restore_imports(tmp_path: Path) -> Iterator[None]:
    """Undo what loading a model does to the interpreter: sys.path and imported modules."""
    saved_path = list(sys.path)
    saved_custom = sys.modules.get("custom")
    yield
    sys.path[:] = saved_path
    if saved_custom is None:
        sys.modules.pop("custom", None)
    else:
        sys.modules["custom"] = saved_custom
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and Path(file).is_relative_to(tmp_path):
            del sys.modules[name]
