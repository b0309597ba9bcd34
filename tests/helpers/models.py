"""The fixture models (``tests/fixtures/models``), their labels and their settings."""

from __future__ import annotations

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
