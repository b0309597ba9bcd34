"""The fixture models (``tests/fixtures/models``), their labels and their settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from drum_testing.config.settings import Settings, TargetType

MODELS = Path(__file__).resolve().parent.parent / "fixtures" / "models"
"""One folder per fixture model (``custom.py`` and friends)."""

BINARY_LABELS = ("no", "yes")
"""(negative, positive), as DrumServerRun takes them (DRUM's order)."""
MULTICLASS_LABELS = ("red", "green", "blue")
MULTILABEL_LABELS = ("cat", "dog", "fish")


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


TASKS = {
    # custom task fixture -> (target type, class labels as DrumServerRun takes them)
    "task_regression": ("regression", None),
    "task_binary": ("binary", BINARY_LABELS),
    "task_multiclass": ("multiclass", MULTICLASS_LABELS),
    "task_anomaly": ("anomaly", None),
    "task_transform": ("transform", None),
}
"""The custom task fixtures (``class CustomTask(...Interface)``), one per interface."""
TASK_INPUT = b"a,b\n1,2\n5,6\n"
TASK_ANSWERS: dict[str, Any] = {
    # what each task answers for TASK_INPUT (DRUM 1.18.1 answers the same)
    "task_regression": [5.0, 13.0],  # row sums plus the mean target of training (2.0)
    "task_binary": [{"yes": 0.1, "no": 0.9}, {"yes": 0.5, "no": 0.5}],
    "task_multiclass": [
        {"red": 0.1, "green": 0.8, "blue": 0.1},
        {"red": 0.1, "green": 0.1, "blue": 0.8},
    ],
    "task_anomaly": [4.0, 0.0],
    "task_transform": b"a_x2,b_x2\r\n2,4\r\n10,12",
}
_TRAIN = """
import sys
import pandas as pd
from drum_testing import drum_api
drum_api.install()
sys.path.insert(0, sys.argv[1])
import custom
X = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
custom.CustomTask().fit(X, pd.Series([1.0, 3.0])).save(sys.argv[1])
"""


def trained_task(name: str, into: Path) -> Path:
    """A copy of task fixture ``name`` in ``into``, trained as DataRobot trains one
    (``CustomTask().fit(X, y).save(folder)``, in a fresh interpreter): its folder."""
    code_dir = into / name
    shutil.copytree(MODELS / name, code_dir)
    subprocess.run([sys.executable, "-c", _TRAIN, str(code_dir)], check=True, timeout=60)
    return code_dir
