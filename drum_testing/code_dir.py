"""What a model folder must hold, checked without importing the model's libraries.

The server checks the folder before anything else (a folder that cannot hold a model is a
one-line usage error), and a gunicorn master checks it without ever loading the model, so
this module imports neither pandas nor the model's code.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ModelLoadError

CUSTOM_FILE = "custom.py"
ARTIFACT_SUFFIXES = (".pkl",)


def find_artifacts(code_dir: Path) -> list[Path]:
    return sorted(p for p in code_dir.iterdir() if p.suffix in ARTIFACT_SUFFIXES and p.is_file())


def check_code_dir(code_dir: Path) -> None:
    """Fail early, with a one-line reason, on a folder that cannot hold a model."""
    if not code_dir.is_dir():
        raise ModelLoadError(f"--code-dir {code_dir} is not a directory")
    if not (code_dir / CUSTOM_FILE).is_file() and not find_artifacts(code_dir):
        raise ModelLoadError(
            f"--code-dir {code_dir} has neither {CUSTOM_FILE} nor a model artifact "
            f"({', '.join(ARTIFACT_SUFFIXES)})"
        )
