"""Custom tasks: a class ``CustomTask`` in ``custom.py``, found and loaded as DRUM does.

DRUM 1.18.1 serves a folder whose ``custom.py`` defines ``CustomTask`` (derived from one of
the interfaces of ``datarobot_drum.custom_task_interfaces``) through that class alone: its
``load(code_dir)`` gives the model, whose ``predict`` (regression, anomaly),
``predict_proba`` (binary, multiclass) or ``transform`` (transform) is called with the
request's frame; the folder's hook functions are not used. The class may derive from DRUM's
interfaces (DRUM installed) or from ours (:mod:`drum_testing.drum_api`).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from drum_testing.errors import ModelLoadError, is_custom_user_error

from . import messages

TASK_CLASS = "CustomTask"


def _is_task_class(candidate: Any) -> bool:
    # Here, not at the top: a folder without a custom task never needs the interfaces.
    from drum_testing.drum_api.task_interface import CustomTaskInterface

    if not isinstance(candidate, type):
        return False
    return any(
        base is CustomTaskInterface
        or (base.__name__ == "CustomTaskInterface" and base.__module__.startswith("datarobot_drum"))
        for base in candidate.__mro__
    )


def find_task_class(module: ModuleType | None) -> type[Any] | None:
    """The folder's ``CustomTask`` class; None when ``custom.py`` defines none."""
    candidate: type[Any] | None = getattr(module, TASK_CLASS, None) if module else None
    if not candidate:
        return None
    if not _is_task_class(candidate):
        raise ModelLoadError(
            messages.not_a_task(),
            detail=f"{TASK_CLASS} must be a class derived from one of the interfaces of "
            "datarobot_drum.custom_task_interfaces (TransformerInterface, "
            "RegressionEstimatorInterface, BinaryEstimatorInterface, ...)",
        )
    return candidate


def load_task(task_class: type[Any], code_dir: Path) -> Any:
    """``task_class.load(code_dir)``, with no secrets (DRUM's server gives a task none
    unless told where they are, which we do not serve)."""
    try:
        task = task_class.load(str(code_dir))
        task.secrets = {}
    except Exception as exc:
        if is_custom_user_error(exc):
            raise
        raise ModelLoadError(
            messages.task_load_failed(exc),
            detail=f"{TASK_CLASS}.load({str(code_dir)!r}) failed; by default it unpickles "
            "drum_artifact.pkl, which CustomTask().fit(X, y).save(code_dir) writes",
        ) from exc
    return task
