"""The fixture models the contract battery serves, and as which target type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    # models that fail to load, served with --with-error-server (ERROR_SERVER)
    "load_model_raises": ("regression", None),
    "import_error": ("regression", None),
    "syntax_error": ("regression", None),
    "bad_artifact": ("regression", None),
}
ERROR_SERVER = ("load_model_raises", "import_error", "syntax_error", "bad_artifact")
"""The models of :data:`MODELS` that fail to load: served with ``--with-error-server``."""
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


def server_options(model: str) -> dict[str, Any]:
    """The options, beyond its target type and labels, every server of ``model`` gets."""
    options: dict[str, Any] = {"target_name": TARGET_NAME}
    if model in ERROR_SERVER:
        options["with_error_server"] = True
    return options
