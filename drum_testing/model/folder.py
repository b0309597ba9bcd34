"""A model folder: what it must hold, its ``custom.py``, its artifact and its metadata.

The server checks the folder before anything else (a folder that cannot hold a model is a
one-line usage error), and a gunicorn master checks it without ever loading the model:
:func:`check_code_dir` imports neither pandas nor the model's code.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from drum_testing import drum_api
from drum_testing.config.runtime_params_file import METADATA_FILE
from drum_testing.errors import ModelLoadError

from . import messages

CUSTOM_FILE = "custom.py"
ARTIFACT_SUFFIXES = (".pkl",)
__all__ = ["ARTIFACT_SUFFIXES", "CUSTOM_FILE", "METADATA_FILE"]


def find_artifacts(code_dir: Path) -> list[Path]:
    """The folder's artifacts: files whose extension is one of ours, in any case (as DRUM)."""
    return sorted(
        p for p in code_dir.iterdir() if p.suffix.lower() in ARTIFACT_SUFFIXES and p.is_file()
    )


def check_code_dir(code_dir: Path) -> None:
    """Fail early, with a one-line reason, on a folder that cannot hold a model."""
    if not code_dir.is_dir():
        raise ModelLoadError(f"--code-dir {code_dir} is not a directory")
    if not (code_dir / CUSTOM_FILE).is_file() and not find_artifacts(code_dir):
        raise ModelLoadError(
            f"--code-dir {code_dir} has neither {CUSTOM_FILE} nor a model artifact "
            f"({', '.join(ARTIFACT_SUFFIXES)})"
        )


def import_custom(code_dir: Path) -> ModuleType | None:
    """Import the folder's ``custom.py`` as the module ``custom``; None without one.

    DRUM's API (``datarobot_drum``) is importable by it, DRUM's own package where installed
    and ours elsewhere (:mod:`drum_testing.drum_api`).
    """
    path = code_dir / CUSTOM_FILE
    if not path.is_file():
        return None
    drum_api.install()
    # The model's own imports (helpers beside custom.py) must resolve, as under DRUM.
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location("custom", path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom"] = module
    try:
        spec.loader.exec_module(module)  # The model's errors propagate with their traceback,
    except ImportError as exc:  # a missing module in DRUM's words.
        raise ModelLoadError(
            messages.hooks_import_failed(Path(os.path.abspath(path)), exc),
            detail=f"{CUSTOM_FILE} imports a module that is not installed: {exc}",
        ) from exc
    return module


def read_metadata(code_dir: Path) -> dict[str, Any] | None:
    """``model-metadata.yaml`` as a dict; None without one (DRUM's /info/ then says null)."""
    path = code_dir / METADATA_FILE
    if not path.is_file():
        return None
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ModelLoadError(f"{path} is not valid YAML: {exc}") from exc
    return loaded if isinstance(loaded, dict) else {}
