"""DRUM 1.18.1's words for a model that cannot load, so that what matches on them matches ours.

DRUM's tests and users' scripts look for these texts (in the error server's 513 message and
in the server's stderr), so a :class:`~drum_testing.errors.ModelLoadError`'s message is
DRUM's, character for character where we fail for the same reason; what we add to help is
its ``detail``, which the loader logs beside it. As in DRUM, a failure while loading the
model itself (the ``load_model`` hook, the artifact, a custom task's ``load``) is wrapped in
:data:`LOADING_ARTIFACT`; a failure finding the hooks is not.
"""

from __future__ import annotations

import os
from pathlib import Path

LOADING_ARTIFACT = "An error occurred when loading your artifact: "
RUNNING_PYTHON = "\n\nRunning environment language: Python.\n"
DRUM_ARTIFACT_EXTENSIONS = [".h5", ".onnx", ".pkl", ".pth"]
"""The extensions DRUM 1.18.1's Python predictors name (we unpickle ``.pkl`` only)."""


def _files(code_dir: Path) -> list[str]:
    return sorted(os.listdir(code_dir))


def loading(text: str) -> str:
    """``text`` as DRUM reports a failure while loading the model."""
    return LOADING_ARTIFACT + text


def hooks_import_failed(path: Path, exc: BaseException) -> str:
    """``custom.py`` raised ImportError (a module it imports is missing)."""
    return f"{RUNNING_PYTHON}Failed loading hooks from [{path}] : {exc}"


def not_a_task() -> str:
    return "The CustomTask class must inherit from the CustomTaskInterface"


def no_score_unstructured() -> str:
    return "In 'unstructured' mode hook 'score_unstructured' must be provided."


def no_artifact(code_dir: Path) -> str:
    """No ``load_model`` hook and no artifact file to load the model from."""
    return loading(
        f"{RUNNING_PYTHON}Could not find model artifact file in: {os.path.abspath(code_dir)} "
        "supported by default predictors.\n"
        f"They support filenames with the following extensions {DRUM_ARTIFACT_EXTENSIONS}.\n"
        "If your artifact is not supported by default predictor, implement "
        "custom.load_model() hook.\n"
        f"List of retrieved files are: {' | '.join(_files(code_dir))}"
    )


def several_artifacts(code_dir: Path) -> str:
    return loading(
        f"{RUNNING_PYTHON}Multiple serialized model files found. Remove extra artifacts "
        "or overwrite custom.load_model()\n"
        f"List of retrieved files are: {' | '.join(_files(code_dir))}"
    )


def unreadable_artifact(exc: BaseException) -> str:
    return loading(f"Could not load model from the artifact file. Exception: {exc!r}")


def load_model_failed(exc: BaseException) -> str:
    return loading(f"'load_model' hook failed to load the model. Exception: {exc!r}")


def load_model_returned_none() -> str:
    return loading("'load_model' hook failed to load model, None is returned.")


def task_load_failed(exc: BaseException) -> str:
    return loading(f"Failed to load custom task class. Exception: {exc!r}")


def no_framework() -> str:
    """A model that nothing can score: no score hook, and the model has no method to."""
    return loading(
        f"{RUNNING_PYTHON}Could not find any framework to handle loaded model and a score "
        "hook is not provided"
    )


def no_transform_hook() -> str:
    return loading(
        "A transform task requires a user-defined transform hook for non-sklearn transformers"
    )
