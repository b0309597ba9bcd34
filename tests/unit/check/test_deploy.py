"""check/deploy.py: what would stop DRUM 1.18.1 from starting a model, read from the folder
(``custom.py`` parsed, never imported)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drum_testing.check.deploy import DRUM_ARTIFACT_SUFFIXES, drum_refusals, top_level_functions
from drum_testing.config.settings import TargetType

HOOKS = (
    "import os\n\n"
    "def load_model(code_dir):\n    return 1\n\n"
    "async def score(data, model):\n    pass\n"
)


def folder(tmp_path: Path, custom: str | None, *artifacts: str) -> Path:
    if custom is not None:
        (tmp_path / "custom.py").write_text(custom, encoding="utf-8")
    for name in artifacts:
        (tmp_path / name).write_bytes(b"\x00")
    return tmp_path


def test_top_level_functions(tmp_path: Path) -> None:
    code = HOOKS + "class Model:\n    def load_model(self):\n        pass\n"
    assert top_level_functions(folder(tmp_path, code) / "custom.py") == {"load_model", "score"}


def test_top_level_functions_without_the_file(tmp_path: Path) -> None:
    assert top_level_functions(tmp_path / "custom.py") == set()


def test_top_level_functions_of_a_file_that_does_not_parse(tmp_path: Path) -> None:
    assert top_level_functions(folder(tmp_path, "def load_model(:\n") / "custom.py") is None


def test_a_model_with_load_model_starts(tmp_path: Path) -> None:
    assert drum_refusals(folder(tmp_path, HOOKS), TargetType.REGRESSION, None) == []


@pytest.mark.parametrize("suffix", DRUM_ARTIFACT_SUFFIXES)
def test_one_artifact_without_load_model_starts(tmp_path: Path, suffix: str) -> None:
    code_dir = folder(tmp_path, "def score(data, model):\n    pass\n", f"model{suffix.upper()}")
    assert drum_refusals(code_dir, TargetType.REGRESSION, None) == []


def test_no_load_model_and_no_artifact(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, "def score(data, model):\n    pass\n", "notes.txt")
    [reason] = drum_refusals(code_dir, TargetType.REGRESSION, None)
    assert reason.startswith("custom.py has no load_model hook and the folder no model artifact")


def test_several_artifacts_without_load_model(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, None, "b.pkl", "a.joblib")
    [reason] = drum_refusals(code_dir, TargetType.BINARY, None)
    assert reason.startswith("several model artifacts (a.joblib, b.pkl) and no load_model hook")


def test_a_custom_py_that_does_not_parse_makes_no_claim(tmp_path: Path) -> None:
    assert drum_refusals(folder(tmp_path, "def (\n"), TargetType.REGRESSION, None) == []


@pytest.mark.parametrize(
    "target",
    [TargetType.TEXT_GENERATION, TargetType.VECTOR_DATABASE, TargetType.AGENTIC_WORKFLOW],
)
def test_target_name_needed(tmp_path: Path, target: TargetType) -> None:
    code_dir = folder(tmp_path, HOOKS)
    [reason] = drum_refusals(code_dir, target, None)
    assert reason.startswith(f"a {target.value} model needs TARGET_NAME")
    assert drum_refusals(code_dir, target, "") == [reason]
    assert drum_refusals(code_dir, target, "answer") == []


def test_both_reasons(tmp_path: Path) -> None:
    reasons = drum_refusals(folder(tmp_path, None), TargetType.TEXT_GENERATION, None)
    assert len(reasons) == 2
    assert "TARGET_NAME" in reasons[0]
    assert "no load_model hook" in reasons[1]
