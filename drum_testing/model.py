"""Loading a model folder and calling its hooks.

A folder holds ``custom.py`` with any of DRUM's hooks (``init``, ``load_model``,
``read_input_data``, ``transform``, ``score``, ``post_process``, ``score_unstructured``,
``chat``) and, optionally, a pickled model and ``model-metadata.yaml``. :class:`Model`
loads it once and exposes one method per kind of request; it knows nothing of HTTP.
"""

from __future__ import annotations

import importlib.util
import inspect
import pickle
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from .answers import (
    PREDICTIONS_COLUMN,
    ModelOutputError,
    Predictions,
    check_predictions,
    split_extra_output,
)
from .code_dir import CUSTOM_FILE, check_code_dir, find_artifacts
from .errors import ModelLoadError
from .settings import Settings, TargetType
from .turns import ModelTurns

METADATA_FILE = "model-metadata.yaml"
HOOK_NAMES = (
    "init",
    "load_model",
    "read_input_data",
    "transform",
    "score",
    "post_process",
    "score_unstructured",
    "chat",
    "get_supported_llm_models",
)
ARTIFACT_FRAMEWORKS = {"sklearn": "scikit-learn", "xgboost": "xgboost", "torch": "torch"}
"""An artifact's top-level module -> the predictor DRUM's /info/ names for it."""
LLM_ID_CREATED = 1735689600
"""The ``created`` DRUM gives the ``LLM_ID`` entry of /models (2025-01-01)."""


def _import_custom(code_dir: Path) -> ModuleType | None:
    path = code_dir / CUSTOM_FILE
    if not path.is_file():
        return None
    # The model's own imports (helpers beside custom.py) must resolve, as under DRUM.
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location("custom", path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom"] = module
    spec.loader.exec_module(module)  # The model's import errors propagate with their traceback.
    return module


def _as_dict(entry: Any) -> Any:
    """An OpenAI object as DRUM sends it (``to_dict()``); a dict as it is."""
    to_dict = getattr(entry, "to_dict", None)
    return to_dict() if callable(to_dict) else entry


def _runtime_parameter(name: str) -> Any:
    from .runtime_parameters import RuntimeParameters  # the server's environment, as DRUM

    return RuntimeParameters.get(name) if RuntimeParameters.has(name) else None


def _takes_kwargs(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _parameter_count(function: Callable[..., Any]) -> int:
    """How many parameters ``function`` declares, counted as DRUM counts them (all kinds)."""
    try:
        return len(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return -1


def _frame_of(transformed: Any) -> Any:
    """An artifact's ``transform()`` result as DRUM frames it (sparse stays sparse)."""
    from scipy.sparse import issparse

    if issparse(transformed):
        from_spmatrix: Any = pd.DataFrame.sparse.from_spmatrix  # type: ignore[attr-defined]
        return from_spmatrix(transformed)
    if isinstance(transformed, pd.DataFrame):
        return transformed
    return pd.DataFrame(transformed)


def _read_metadata(code_dir: Path) -> dict[str, Any] | None:
    """``model-metadata.yaml`` as a dict; None without one (DRUM's /info/ then says null)."""
    path = code_dir / METADATA_FILE
    if not path.is_file():
        return None
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ModelLoadError(f"{path} is not valid YAML: {exc}") from exc
    return loaded if isinstance(loaded, dict) else {}


@dataclass
class Model:
    """A loaded model folder. Build it with :meth:`load`."""

    settings: Settings
    hooks: Mapping[str, Callable[..., Any]]
    model: Any
    metadata_or_none: dict[str, Any] | None = None
    """``model-metadata.yaml``, or None when the folder has none."""
    turns: ModelTurns = field(default_factory=lambda: ModelTurns(1))
    """Hooks run one call at a time per process unless ``Settings.model_concurrency`` says."""
    _score_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> Model:
        """Import ``custom.py``, run ``init`` and ``load_model`` (or unpickle the artifact).

        Errors raised by the model's own code propagate unchanged, traceback and all, so
        the caller can show them; a folder that cannot hold a model raises ModelLoadError.
        """
        code_dir = settings.code_dir
        check_code_dir(code_dir)
        module = _import_custom(code_dir)
        hooks = {
            name: getattr(module, name)
            for name in HOOK_NAMES
            if module is not None and callable(getattr(module, name, None))
        }
        if "init" in hooks:
            hooks["init"](code_dir=str(code_dir))
        if "load_model" in hooks:
            model = hooks["load_model"](str(code_dir))
        else:
            artifacts = find_artifacts(code_dir)
            if len(artifacts) > 1:
                names = ", ".join(p.name for p in artifacts)
                raise ModelLoadError(f"{code_dir} holds several artifacts ({names}); keep one")
            model = pickle.loads(artifacts[0].read_bytes()) if artifacts else None
        loaded = cls(
            settings, hooks, model, _read_metadata(code_dir), ModelTurns(settings.model_concurrency)
        )
        loaded._check_scoring()
        if "score" in hooks and _takes_kwargs(hooks["score"]):
            # DRUM hands the labels to score(); a hook without **kwargs gets none.
            labels = {
                "positive_class_label": settings.positive_class_label,
                "negative_class_label": settings.negative_class_label,
                "class_labels": list(settings.class_labels) if settings.class_labels else None,
            }
            loaded._score_kwargs = {k: v for k, v in labels.items() if v is not None}
        return loaded

    def _check_scoring(self) -> None:
        target = self.settings.target_type
        if target is TargetType.TRANSFORM:
            self._check_transform()
        elif target is TargetType.UNSTRUCTURED:
            if "score_unstructured" not in self.hooks:
                raise ModelLoadError("an unstructured model needs a score_unstructured hook")
        elif not self.scores_structured:
            if "chat" in self.hooks:
                return  # a chat model needs no score hook (DRUM 1.18 loads it too)
            method = "predict_proba" if target.is_classification else "predict"
            raise ModelLoadError(
                f"a {target.value} model needs a score hook in {CUSTOM_FILE} "
                f"or a model artifact with a {method}() method"
            )

    def _check_transform(self) -> None:
        hook = self.hooks.get("transform")
        if hook is None:
            if not callable(getattr(self.model, "transform", None)):
                raise ModelLoadError(
                    f"a transform model needs a transform hook in {CUSTOM_FILE} "
                    "or a model artifact with a transform() method"
                )
        elif _parameter_count(hook) not in (2, 3):
            # DRUM starts and fails every request with this; we say it once, at start.
            raise ModelLoadError(
                "the transform hook must take 2 arguments (data, model) or 3 "
                f"(data, model, y); it takes {_parameter_count(hook)}"
            )

    @property
    def scores_structured(self) -> bool:
        """Whether ``/predict/`` has something to call: a score hook or an artifact method."""
        if "score" in self.hooks:
            return True
        method = "predict_proba" if self.settings.target_type.is_classification else "predict"
        return callable(getattr(self.model, method, None))

    @property
    def metadata(self) -> dict[str, Any]:
        """``model-metadata.yaml``; empty when the folder has none."""
        return self.metadata_or_none or {}

    @property
    def predictor_name(self) -> str | None:
        """What DRUM's /info/ calls the predictor: the framework of an artifact that scores
        by itself (DRUM's names), None when a hook scores or the model is unstructured."""
        target = self.settings.target_type
        if "score" in self.hooks or "chat" in self.hooks or not target.is_structured:
            return None
        if target is TargetType.TRANSFORM:
            return None
        module = type(self.model).__module__.split(".")[0]
        return ARTIFACT_FRAMEWORKS.get(module)

    @property
    def readiness_probe(self) -> Callable[[], Any] | None:
        """The model object's ``readiness_probe`` method, which answers /health/, if any."""
        probe = getattr(self.model, "readiness_probe", None)
        return probe if callable(probe) else None

    def llm_models(self) -> list[Any]:
        """OpenAI's model list entries, as DRUM finds them: the ``get_supported_llm_models``
        hook's answer, else the ``LLM_ID`` runtime parameter, else none."""
        hook = self.hooks.get("get_supported_llm_models")
        if hook is not None:
            return [_as_dict(entry) for entry in hook(self.model)]
        llm_id = _runtime_parameter("LLM_ID")
        if llm_id is None:
            return []
        return [
            {"id": llm_id, "object": "model", "created": LLM_ID_CREATED, "owned_by": "DataRobot"}
        ]

    @property
    def supports_chat(self) -> bool:
        return "chat" in self.hooks

    @property
    def reads_own_input(self) -> bool:
        return "read_input_data" in self.hooks

    def read_input(self, data: bytes) -> pd.DataFrame:
        """Run the model's ``read_input_data`` hook on the raw payload."""
        with self.turns.take():
            frame = self.hooks["read_input_data"](data)
        if not isinstance(frame, pd.DataFrame):
            raise ModelOutputError(
                f"read_input_data returned {type(frame).__name__}, expected a DataFrame"
            )
        return frame

    def predict(self, data: pd.DataFrame) -> Predictions:
        """Score a frame; the answer is checked, and encoded only when it is sent."""
        rows = len(data)
        settings = self.settings
        extra = None
        with self.turns.take():
            if "transform" in self.hooks:
                data = self.hooks["transform"](data, self.model)
            if "score" in self.hooks:
                predictions = self.hooks["score"](data, self.model, **self._score_kwargs)
                # Split before post_process, which sees the predictions only (DRUM's order).
                predictions, extra = split_extra_output(
                    predictions, settings.target_type, settings.labels, settings.target_name
                )
            else:
                predictions = self._score_artifact(data)
            if "post_process" in self.hooks:
                predictions = self.hooks["post_process"](predictions, self.model)
        checked = check_predictions(
            predictions,
            expected_rows=rows,
            target=settings.target_type,
            labels=settings.labels,
        )
        return checked if extra is None else replace(checked, extra=extra)

    def transform(
        self, data: pd.DataFrame, target: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Run a transform model on ``data``: ``(transformed, target)``.

        As in DRUM: the ``transform`` hook gets ``(data, model, target)`` when it takes
        three arguments, else ``(data, model)``; without a hook the artifact's
        ``transform(data)`` runs (a scipy sparse result becomes a sparse frame). The target
        comes back as it was given: DRUM transforms features only, and a hook that returns
        a tuple is an error.
        """
        with self.turns.take():
            hook = self.hooks.get("transform")
            if hook is None:
                output = _frame_of(self.model.transform(data))
            elif _parameter_count(hook) == 3:
                output = hook(data, self.model, target)
            else:
                output = hook(data, self.model)
        if isinstance(output, tuple):
            raise ModelOutputError(
                "transform returned a tuple: transforming the target is not supported "
                "(return the transformed features only)"
            )
        if not isinstance(output, pd.DataFrame):
            raise ModelOutputError(
                f"transform returned {type(output).__name__}, expected a pandas DataFrame"
            )
        if len(output) != len(data):
            raise ModelOutputError(
                f"transform returned {len(output)} rows for {len(data)} input rows"
            )
        return output, target

    def _score_artifact(self, data: pd.DataFrame) -> pd.DataFrame:
        if self.settings.target_type.is_classification:
            probabilities = np.asarray(self.model.predict_proba(data))
            frame: pd.DataFrame = pd.DataFrame(probabilities, columns=self._artifact_columns())
            return frame
        values = np.asarray(self.model.predict(data)).ravel()
        frame = pd.DataFrame({PREDICTIONS_COLUMN: values})
        return frame

    def _artifact_columns(self) -> list[str]:
        """The labels of ``predict_proba``'s columns, in the order the artifact gives them.

        The model's own ``classes_`` (scikit-learn's convention) wins; without it a binary
        model answers ``[negative, positive]`` as under DRUM, and a multiclass model in
        ``--class-labels`` order.
        """
        classes = getattr(self.model, "classes_", None)
        if classes is not None:
            return [str(label) for label in classes]
        settings = self.settings
        if settings.target_type is TargetType.BINARY:
            return [str(settings.negative_class_label), str(settings.positive_class_label)]
        return list(settings.class_labels or ())

    def score_unstructured(self, data: str | bytes, **kwargs: Any) -> Any:
        with self.turns.take():
            return self.hooks["score_unstructured"](self.model, data, **kwargs)

    def chat(self, params: dict[str, Any]) -> Any:
        """The chat hook's answer; a streamed one holds the model's turn while it streams."""
        return self.turns.hold_while(lambda: self.hooks["chat"](params, self.model))
