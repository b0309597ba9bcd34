"""Fixtures every test may use; the helpers themselves are in :mod:`tests.helpers`."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from drum_testing.drum_api.hook import MARKER, DrumApiFinder
from tests.helpers.models import MODELS


@pytest.fixture
def models_dir() -> Path:
    return MODELS


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir RunLog (and a DrumServerRun without ``log_dir``) makes its directories
    in, empty and private to the test."""
    root = tmp_path / "temp-root"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def restore_imports(tmp_path: Path) -> Iterator[None]:
    """Undo what loading a model does to the interpreter: sys.path, imported modules, and
    the import hook that serves DRUM's API (with the modules it served)."""
    # Start from an interpreter DRUM's API was never served in: a test that loaded a model
    # without this fixture may have left the hook behind, and a test of the hook would then
    # take it for an installed DRUM (and skip).
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, DrumApiFinder)]
    for name in [n for n in sys.modules if n.split(".")[0] == "datarobot_drum"]:
        if getattr(sys.modules[name], MARKER, False):
            del sys.modules[name]
    saved_path = list(sys.path)
    saved_meta_path = list(sys.meta_path)
    saved_drum = {n: m for n, m in sys.modules.items() if n.split(".")[0] == "datarobot_drum"}
    saved_custom = sys.modules.get("custom")
    yield
    sys.path[:] = saved_path
    sys.meta_path[:] = saved_meta_path
    for name in [n for n in sys.modules if n.split(".")[0] == "datarobot_drum"]:
        del sys.modules[name]
    sys.modules.update(saved_drum)
    if saved_custom is None:
        sys.modules.pop("custom", None)
    else:
        sys.modules["custom"] = saved_custom
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and Path(file).is_relative_to(tmp_path):
            del sys.modules[name]
