"""Loading a model folder and calling its hooks.

A folder holds ``custom.py`` with any of DRUM's hooks (``init``, ``load_model``,
``read_input_data``, ``transform``, ``score``, ``post_process``, ``score_unstructured``,
``chat``) and, optionally, a pickled model and ``model-metadata.yaml``. :class:`Model`
loads it once and exposes one method per kind of request; it knows nothing of HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from drum_testing.config.settings import Settings, TargetType
from drum_testing.errors import ModelLoadError, ModelOutputError
from drum_testing.payloads.predictions import (
    PREDICTIONS_COLUMN,
    Predictions,
    check_predictions,
    split_extra_output,
)
from drum_testing.runtime_parameters import RuntimeParameters

from . import messages
from .artifact import frame_of, load_artifact
from .folder import CUSTOM_FILE, check_code_dir, import_custom, read_metadata
from .hooks import find_hooks, parameter_count, takes_kwargs
from .tasks import find_task_class, load_task
from .turns import ModelTurns

logger = logging.getLogger(__name__)

ARTIFACT_FRAMEWORKS = {"sklearn": "scikit-learn", "xgboost": "xgboost", "torch": "torch"}
"""An artifact's top-level module -> the predictor DRUM's /info/ names for it."""
LLM_ID_CREATED = 1735689600
"""The ``created`` DRUM gives the ``LLM_ID`` entry of /models (2025-01-01)."""


def _as_dict(entry: Any) -> Any:
    """An OpenAI object as DRUM sends it (``to_dict()``); a dict as it is."""
    to_dict = getattr(entry, "to_dict", None)
    return to_dict() if callable(to_dict) else entry


def _runtime_parameter(name: str) -> Any:
    # Read from the server's environment at each call, as DRUM reads it.
    return RuntimeParameters.get(name) if RuntimeParameters.has(name) else None


@dataclass
class Model:
    """A loaded model folder. Build it with :meth:`load`."""

    settings: Settings
    hooks: Mapping[str, Callable[..., Any]]
    artifact: Any
    """What ``load_model`` returned, or the unpickled artifact (None without either): the
    ``model`` argument every hook gets."""
    metadata_or_none: dict[str, Any] | None = None
    """``model-metadata.yaml``, or None when the folder has none."""
    turns: ModelTurns = field(default_factory=lambda: ModelTurns(1))
    """Hooks run one call at a time per process unless ``Settings.model_concurrency`` says."""
    is_task: bool = False
    """Whether ``artifact`` is a custom task (``CustomTask`` in ``custom.py``), called as
    DRUM calls one: its ``predict``, ``predict_proba`` or ``transform``."""
    _score_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> Model:
        """Import ``custom.py``, run ``init`` and ``load_model`` (or unpickle the artifact, or
        load the custom task).

        Errors raised by the model's own code while it is imported or in ``init`` propagate
        unchanged, traceback and all; a failure loading the model itself, or a folder that
        cannot hold a model, raises ModelLoadError with DRUM's message (the cause chained).
        """
        try:
            return cls._load(settings)
        except ModelLoadError as exc:
            logger.error("%s", exc.describe())
            raise

    @classmethod
    def _load(cls, settings: Settings) -> Model:
        code_dir = settings.code_dir
        check_code_dir(code_dir)
        module = import_custom(code_dir)
        task_class = find_task_class(module)
        if task_class is not None:
            hooks: dict[str, Callable[..., Any]] = {}
            artifact = load_task(task_class, code_dir)
        else:
            hooks = find_hooks(module)
            if "init" in hooks:
                hooks["init"](code_dir=str(code_dir))
            artifact = load_artifact(hooks, code_dir)
        loaded = cls(
            settings,
            hooks,
            artifact,
            read_metadata(code_dir),
            ModelTurns(settings.model_concurrency),
            is_task=task_class is not None,
        )
        loaded._check_scoring()
        scorer = getattr(artifact, loaded._artifact_method, None) if loaded.is_task else None
        scorer = scorer or hooks.get("score")
        if scorer is not None and takes_kwargs(scorer):
            # DRUM hands the labels to score(); a hook without **kwargs gets none.
            labels = {
                "positive_class_label": settings.positive_class_label,
                "negative_class_label": settings.negative_class_label,
                "class_labels": list(settings.class_labels) if settings.class_labels else None,
            }
            loaded._score_kwargs = {k: v for k, v in labels.items() if v is not None}
        return loaded

    @property
    def _artifact_method(self) -> str:
        return "predict_proba" if self.settings.target_type.is_classification else "predict"

    @property
    def _task_method(self) -> Callable[..., Any]:
        method: Callable[..., Any] = getattr(self.artifact, self._artifact_method)
        return method

    def _missing(self, ours: str) -> ModelLoadError:
        """DRUM's error for a model nothing can score: no artifact file (without a
        ``load_model`` hook), or a model object without the method; ``ours`` says what to do."""
        if self.artifact is None and "load_model" not in self.hooks and not self.is_task:
            return ModelLoadError(messages.no_artifact(self.settings.code_dir), detail=ours)
        if self.settings.target_type is TargetType.TRANSFORM:
            return ModelLoadError(messages.no_transform_hook(), detail=ours)
        return ModelLoadError(messages.no_framework(), detail=ours)

    def _check_scoring(self) -> None:
        target = self.settings.target_type
        if target is TargetType.TRANSFORM:
            self._check_transform()
        elif target is TargetType.UNSTRUCTURED:
            if "score_unstructured" not in self.hooks:
                raise ModelLoadError(
                    messages.no_score_unstructured(),
                    detail="an unstructured model needs a score_unstructured hook",
                )
        elif not self.scores_structured:
            if "chat" in self.hooks:
                return  # a chat model needs no score hook (DRUM 1.18 loads it too)
            raise self._missing(
                f"a {target.value} model needs a score hook in {CUSTOM_FILE} "
                f"or a model artifact with a {self._artifact_method}() method"
            )

    def _check_transform(self) -> None:
        hook = self.hooks.get("transform")
        if hook is None:
            if not callable(getattr(self.artifact, "transform", None)):
                raise self._missing(
                    f"a transform model needs a transform hook in {CUSTOM_FILE} "
                    "or a model artifact with a transform() method"
                )
        elif parameter_count(hook) not in (2, 3):
            # DRUM starts and fails every request with this; we say it once, at start.
            raise ModelLoadError(
                "the transform hook must take 2 arguments (data, model) or 3 "
                f"(data, model, y); it takes {parameter_count(hook)}"
            )

    @property
    def scores_structured(self) -> bool:
        """Whether ``/predict/`` has something to call: a score hook or an artifact method."""
        if "score" in self.hooks:
            return True
        return callable(getattr(self.artifact, self._artifact_method, None))

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
        module = type(self.artifact).__module__.split(".")[0]
        return ARTIFACT_FRAMEWORKS.get(module)

    @property
    def readiness_probe(self) -> Callable[[], Any] | None:
        """The model object's ``readiness_probe`` method, which answers /health/, if any."""
        probe = getattr(self.artifact, "readiness_probe", None)
        return probe if callable(probe) else None

    def llm_models(self) -> list[Any]:
        """OpenAI's model list entries, as DRUM finds them: the ``get_supported_llm_models``
        hook's answer, else the ``LLM_ID`` runtime parameter, else none."""
        hook = self.hooks.get("get_supported_llm_models")
        if hook is not None:
            return [_as_dict(entry) for entry in hook(self.artifact)]
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
        """Score a frame; the answer is checked, and encoded only when it is sent.

        A custom task's ``predict`` (``predict_proba`` for a classifier) gets the frame, and
        the class labels as keywords when it takes ``**kwargs``, as a ``score`` hook does.
        """
        rows = len(data)
        settings = self.settings
        extra = None
        with self.turns.take():
            if "transform" in self.hooks:
                data = self.hooks["transform"](data, self.artifact)
            if self.is_task:
                # DRUM's custom task: its frame as returned (no extra output, no post_process)
                predictions = self._task_method(data, **self._score_kwargs)
            elif "score" in self.hooks:
                predictions = self.hooks["score"](data, self.artifact, **self._score_kwargs)
                # Split before post_process, which sees the predictions only (DRUM's order).
                predictions, extra = split_extra_output(
                    predictions, settings.target_type, settings.labels, settings.target_name
                )
            else:
                predictions = self._score_artifact(data)
            if "post_process" in self.hooks:
                predictions = self.hooks["post_process"](predictions, self.artifact)
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
                output = frame_of(self.artifact.transform(data))
            elif parameter_count(hook) == 3:
                output = hook(data, self.artifact, target)
            else:
                output = hook(data, self.artifact)
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
            probabilities = np.asarray(self.artifact.predict_proba(data))
            frame: pd.DataFrame = pd.DataFrame(probabilities, columns=self._artifact_columns())
            return frame
        values = np.asarray(self.artifact.predict(data)).ravel()
        frame = pd.DataFrame({PREDICTIONS_COLUMN: values})
        return frame

    def _artifact_columns(self) -> list[str]:
        """The labels of ``predict_proba``'s columns, in the order the artifact gives them.

        The model's own ``classes_`` (scikit-learn's convention) wins; without it a binary
        model answers ``[negative, positive]`` as under DRUM, and a multiclass model in
        ``--class-labels`` order.
        """
        classes = getattr(self.artifact, "classes_", None)
        if classes is not None:
            return [str(label) for label in classes]
        settings = self.settings
        if settings.target_type is TargetType.BINARY:
            return [str(settings.negative_class_label), str(settings.positive_class_label)]
        return list(settings.class_labels or ())

    def score_unstructured(self, data: str | bytes, **kwargs: Any) -> Any:
        with self.turns.take():
            return self.hooks["score_unstructured"](self.artifact, data, **kwargs)

    def chat(self, params: dict[str, Any]) -> Any:
        """The chat hook's answer; a streamed one holds the model's turn while it streams."""
        return self.turns.hold_while(lambda: self.hooks["chat"](params, self.artifact))
