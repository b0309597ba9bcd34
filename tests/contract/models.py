"""The fixture models the contract battery serves, and as which target type."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
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
    "extended": ("regression", None),
    # served with a deployment document (DEPLOYMENT_CONFIGS)
    "pps regression": ("regression", None),
    "pps binary": ("binary", BINARY_LABELS),
    "pps multiclass": ("multiclass", MULTICLASS_LABELS),
    "pps anomaly": ("anomaly", None),
    "pps multilabel": ("multilabel", MULTILABEL_LABELS),
    "pps extra output": ("regression", None),
    "pps textgeneration": ("textgeneration", None),
    "pps geopoint": ("geopoint", None),
    "pps vectordatabase": ("vectordatabase", None),
    "pps unstructured": ("unstructured", None),
    "pps transform": ("transform", None),
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
    "pps regression": "regression",
    "pps binary": "binary",
    "pps multiclass": "multiclass",
    "pps anomaly": "anomaly",
    "pps multilabel": "multilabel",
    "pps extra output": "extra_output",
    "pps textgeneration": "chat",
    "pps geopoint": "single_column",
    "pps vectordatabase": "single_column",
    "pps unstructured": "unstructured",
    "pps transform": "transform",
}
DEPLOYMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "deployment"
"""The deployment documents (``--deployment-config``) of the ``pps ...`` models."""
DEPLOYMENT_CONFIGS: Mapping[str, str] = {
    # model -> its deployment document under DEPLOYMENTS
    "pps regression": "regression.json",
    "pps binary": "binary.json",
    "pps multiclass": "multiclass.json",
    "pps anomaly": "anomaly.json",
    "pps multilabel": "multilabel.json",
    "pps extra output": "regression.json",
    "pps textgeneration": "textgeneration.json",
    "pps geopoint": "geopoint.json",
    "pps vectordatabase": "geopoint.json",
    "pps unstructured": "regression.json",
    "pps transform": "regression.json",
}
TARGET_NAME = "answer"
"""``TARGET_NAME`` of every server the battery starts (DRUM requires one of text generation,
vector database and agentic workflow models, and reads their prediction column from it)."""


def server_options(model: str) -> dict[str, Any]:
    """``DrumServerRun``'s keyword arguments for a model of :data:`MODELS`, beyond its target
    type, labels and folder: the same for our servers and DRUM."""
    options: dict[str, Any] = {"target_name": TARGET_NAME}
    config = DEPLOYMENT_CONFIGS.get(model)
    if config is not None:
        options["extra_args"] = ["--deployment-config", str(DEPLOYMENTS / config)]
    if model in ERROR_SERVER:
        options["with_error_server"] = True
    return options


def folder(model: str) -> str:
    """The fixture folder (under tests/fixtures/models) of a model of :data:`MODELS`."""
    return FOLDERS.get(model, model)
