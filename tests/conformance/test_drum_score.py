"""Parity with real DRUM: ``drum-testing score`` writes what ``drum score`` writes, byte for byte.

Each case scores one input with one model twice, with DRUM's ``drum score`` and with
``python -m drum_testing score``, each a process of its own, and compares what they wrote
to ``--output`` (or printed, without it) and their exit status. DRUM is the one at
``$DRUM_BIN``, else the ``drum`` beside this Python (``nox -s conformance`` installs it),
else a ``drum`` on PATH; without one the tests skip. The fixture models import
``drum_testing``, so DRUM's process gets this checkout on its PYTHONPATH.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from drum_testing.config.options import ARGUMENT_VARIABLES
from tests.contract.models import MODELS as CONTRACT_MODELS
from tests.contract.models import TARGET_NAME, folder
from tests.helpers.models import MODELS

TARGET_NAME_ENV = "TARGET_NAME"

ROOT = Path(__file__).resolve().parents[2]


def _find_drum() -> str | None:
    beside = str(Path(sys.executable).with_name("drum"))
    for candidate in (os.environ.get("DRUM_BIN"), beside):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("drum")


DRUM = _find_drum()
pytestmark = pytest.mark.skipif(
    DRUM is None, reason="no real DRUM: set DRUM_BIN, or install datarobot-drum (drum on PATH)"
)

TINY_MODELS = {
    # Models whose answers show how numbers and None are written; they need no drum_testing.
    "integers": """
        import pandas as pd
        def load_model(code_dir):
            return "no artifact"  # DRUM refuses a load_model that returns None
        def score(data, model, **kwargs):
            return pd.DataFrame({"Predictions": data["a"].astype("int64") * 10})
    """,
    "float32": """
        import numpy as np
        import pandas as pd
        def load_model(code_dir):
            return "no artifact"  # DRUM refuses a load_model that returns None
        def score(data, model, **kwargs):
            return pd.DataFrame({"Predictions": (data["a"] / 10).astype(np.float32)})
    """,
    "returns_none": """
        def load_model(code_dir):
            return "no artifact"  # DRUM refuses a load_model that returns None
        def score_unstructured(model, data, **kwargs):
            return None
    """,
}


@dataclass(frozen=True)
class ScoreCase:
    id: str
    model: str
    """A fixture folder (its target type and labels as the contract battery has them), or
    one of TINY_MODELS (regression, but ``returns_none``: unstructured)."""
    data: bytes
    suffix: str = ".csv"
    options: tuple[str, ...] = ()
    to_stdout: bool = False
    extra_files: tuple[tuple[str, bytes], ...] = ()
    """Files beside the input that ``options`` name (written to the case's folder)."""


CSV = b"a,b\n1,2\n3,4.5\n,7\n"
CASES = [
    ScoreCase("regression", "regression", CSV),
    ScoreCase("regression-stdout", "regression", CSV, to_stdout=True),
    ScoreCase("regression-header-only", "regression", b"a,b\n"),
    ScoreCase("regression-small-and-large", "regression", b"a\n0.00001\n1e16\n-0.1\n"),
    ScoreCase("binary", "binary", CSV),
    ScoreCase("binary-stdout", "binary", CSV, to_stdout=True),
    ScoreCase("multiclass", "multiclass", CSV),
    ScoreCase("anomaly-with-nan", "anomaly", CSV),
    ScoreCase("extra-model-output", "extra_output", CSV),
    ScoreCase("multilabel", "multilabel", CSV),
    ScoreCase("agenticworkflow-extra-output", "agenticworkflow", b"tokens\n5\n7\n"),
    ScoreCase("one-column-blank-lines", "column_a", b"a\n1\n\n3\n"),
    ScoreCase("read-input-data-hook", "json_input", b'[{"x": 1}, {"x": 2.5}]', ".json"),
    ScoreCase(
        "sparse-mtx",
        "column_a",
        b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 2 4\n",
        ".mtx",
        ("--sparse-column-file", "names.txt"),
        extra_files=(("names.txt", b"a\nb\n"),),
    ),
    ScoreCase("integer-predictions", "integers", b"a\n1\n2\n"),
    ScoreCase("float32-predictions", "float32", b"a\n1\n2\n3\n"),
    ScoreCase("unstructured", "unstructured", b"hello\r\nw\xc3\xb6rld", ".txt"),
    ScoreCase("unstructured-stdout", "unstructured", b"hello\r\nworld", ".txt", to_stdout=True),
    ScoreCase("unstructured-query", "unstructured", b"hello", ".txt", ("--query", "mode=upper")),
    ScoreCase(
        "unstructured-bytes",
        "unstructured",
        b"\x00\xffraw",
        ".bin",
        ("--content-type", "application/octet-stream", "--query", "mode=bytes"),
    ),
    ScoreCase(
        "unstructured-answer-charset",
        "unstructured",
        "h\u00e9llo".encode(),
        ".txt",
        ("--query", "mimetype=text/plain&charset=latin-1"),
    ),
    ScoreCase("unstructured-none", "returns_none", b"anything", ".txt"),
]


def _model(case: ScoreCase, tmp_path: Path) -> tuple[Path, list[str]]:
    """The model folder and its target-type and label options."""
    if case.model in TINY_MODELS:
        code_dir = tmp_path / case.model
        code_dir.mkdir()
        (code_dir / "custom.py").write_text(textwrap.dedent(TINY_MODELS[case.model]))
        target = "unstructured" if case.model == "returns_none" else "regression"
        return code_dir, ["--target-type", target]
    target, labels = CONTRACT_MODELS[case.model]
    options = ["--target-type", target]
    if target == "binary" and labels is not None:
        options += ["--negative-class-label", labels[0], "--positive-class-label", labels[1]]
    elif labels is not None:
        options += ["--class-labels", *labels]
    return MODELS / folder(case.model), options


def _environment() -> dict[str, str]:
    """This process's environment without the variables either reads as options."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ARGUMENT_VARIABLES and not name.startswith("MLOPS_")
    }
    env[TARGET_NAME_ENV] = TARGET_NAME  # as the battery's servers get it
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass(frozen=True)
class Scored:
    status: int
    output: bytes
    """What was written to --output, or printed without it."""
    stdout: bytes
    stderr: str


def _score(command: list[str], case: ScoreCase, tmp_path: Path, name: str) -> Scored:
    folder = tmp_path / name
    folder.mkdir()
    input_file = folder / f"input{case.suffix}"
    input_file.write_bytes(case.data)
    for file_name, data in case.extra_files:
        (folder / file_name).write_bytes(data)
    code_dir, model_options = _model(case, tmp_path / f"{name}-model")
    argv = [*command, "score", "--code-dir", str(code_dir), *model_options]
    argv += ["--input", input_file.name, *case.options]
    output = folder / "output"
    if not case.to_stdout:
        argv += ["--output", output.name]
    result = subprocess.run(
        argv, cwd=folder, env=_environment(), capture_output=True, timeout=100, check=False
    )
    written = result.stdout if case.to_stdout or not output.exists() else output.read_bytes()
    return Scored(result.returncode, written, result.stdout, result.stderr.decode(errors="replace"))


def _diff(expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode(errors="backslashreplace").splitlines(keepends=True),
        actual.decode(errors="backslashreplace").splitlines(keepends=True),
        "drum score",
        "drum-testing score",
    )
    return "".join(lines) or f"{expected!r} != {actual!r}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_score_writes_what_drum_score_writes(case: ScoreCase, tmp_path: Path) -> None:
    for name in ("drum-model", "ours-model"):
        (tmp_path / name).mkdir()
    assert DRUM is not None
    theirs = _score([DRUM], case, tmp_path, "drum")
    ours = _score([sys.executable, "-m", "drum_testing"], case, tmp_path, "ours")
    assert theirs.status == 0, theirs.stderr
    assert ours.status == 0, ours.stderr
    assert ours.output == theirs.output, _diff(theirs.output, ours.output)
    # What the model itself printed goes to stdout in both, before a printed result.
    assert ours.stdout == theirs.stdout, _diff(theirs.stdout, ours.stdout)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        pytest.param(ScoreCase("hook-raises", "regression", b"fail\n1\n"), 1, id="hook-raises"),
        pytest.param(
            ScoreCase("missing-input", "regression", b"", options=("--input", "nowhere.csv")),
            2,
            id="missing-input",
        ),
    ],
)
def test_score_fails_as_drum_score_fails(case: ScoreCase, status: int, tmp_path: Path) -> None:
    """The exit status DRUM gives, and no output written."""
    for name in ("drum-model", "ours-model"):
        (tmp_path / name).mkdir()
    assert DRUM is not None
    theirs = _score([DRUM], case, tmp_path, "drum")
    ours = _score([sys.executable, "-m", "drum_testing"], case, tmp_path, "ours")
    assert (theirs.status, ours.status) == (status, status), (theirs.stderr, ours.stderr)
    assert not (tmp_path / "drum" / "output").exists()
    assert not (tmp_path / "ours" / "output").exists()
