"""The fixture models the contract battery serves, and as which target type."""

from __future__ import annotations

from collections.abc import Mapping

from tests.helpers.models import BINARY_LABELS, MULTICLASS_LABELS, MULTILABEL_LABELS

MODELS: Mapping[str, tuple[str, tuple[str, ...] | None]] = {
    # fixture folder: (target type, class labels as DrumServerRun takes them)
    "regression": ("regression", None),
    "binary": ("binary", BINARY_LABELS),
    "multiclass": ("multiclass", MULTICLASS_LABELS),
    "anomaly": ("anomaly", None),
    "unstructured": ("unstructured", None),
    "json_input": ("regression", None),
    "chat": ("textgeneration", None),
    "chat_only": ("textgeneration", None),
    "column_a": ("regression", None),
    "extra_output": ("regression", None),
    "multilabel": ("multilabel", MULTILABEL_LABELS),
    "geopoint": ("geopoint", None),
    "vectordatabase": ("vectordatabase", None),
    "agenticworkflow": ("agenticworkflow", None),
    "transform": ("transform", None),
}
FOLDERS: Mapping[str, str] = {
    # a model served as several target types: its name in MODELS -> its fixture folder
    "geopoint": "single_column",
    "vectordatabase": "single_column",
    "agenticworkflow": "single_column",
}
TARGET_NAME = "answer"
"""``TARGET_NAME`` of every server the battery starts (DRUM requires one of text generation,
vector database and agentic workflow models, and reads their prediction column from it)."""


def folder(model: str) -> str:
    """The fixture folder (under tests/fixtures/models) of a model of :data:`MODELS`."""
    return FOLDERS.get(model, model)
