"""DataRobot's prediction API answer: ``/predict/`` with ``--deployment-config``.

One object a row, in ``{"data": [...]}``, as DRUM 1.18.1 writes it for each target type:

- regression, anomaly, text generation, geo point, vector database, agentic workflow:
  ``{"prediction": v, "predictionValues": [{"label": name, "value": v}], "rowId": i}``,
  the label being the deployment's target name (``Anomaly Score`` for anomaly);
- binary: the positive class is the second of ``class_mapping``;
  ``predictionValues`` is ``[positive, negative]`` (negative as ``1 - p``), and the
  ``prediction`` is the positive class when its probability is above
  ``predictionThreshold``, which is sent too;
- multiclass: ``predictionValues`` in ``class_mapping``'s order, and the ``prediction`` the
  first label of the highest probability;
- multilabel: the ``prediction`` is the list of labels above ``predictionThreshold``.

Columns ``score`` returned beyond the predictions are each row's ``extraModelOutput``.
Where DRUM's ``json.dumps`` would write ``NaN`` or ``Infinity`` (not JSON) we write
``null``, a numpy number it cannot write at all (a 500 there) as its value, and anything
else JSON has no type for as its text::

    config = DeploymentConfig(Path("d.json"), name="price", has_name=True)
    encode(Predictions.regression(np.array([3.0])), config, TargetType.REGRESSION)
    # {"data": [{"prediction": 3.0, "predictionValues": [{"label": "price", "value": 3.0}],
    #            "rowId": 0}]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from drum_testing.config.deployment import DeploymentConfig
from drum_testing.config.settings import TargetType
from drum_testing.http.openapi import ANY, Schema

from .predictions import Predictions

Row = dict[str, Any]


def encode(predictions: Predictions, config: DeploymentConfig, target: TargetType) -> bytes:
    """The answer body, spaced as DRUM's ``json.dumps`` spaces it."""
    rows = _rows(predictions, config, target)
    if predictions.extra is not None:
        extra = predictions.extra
        for n, row in enumerate(rows):
            # A row at a time, as DRUM: a row of int and float columns is all floats.
            row["extraModelOutput"] = extra.iloc[n].to_dict()
    return json.dumps({"data": _plain(rows)}, default=str).encode()


def _rows(predictions: Predictions, config: DeploymentConfig, target: TargetType) -> list[Row]:
    if target.is_classification:
        labels = config.class_names or ()
        columns = [predictions.labels.index(label) for label in labels]  # type: ignore[union-attr]
        values = predictions.values[:, columns].tolist()
        decide = _DECISIONS[target]
        return [
            decide(list(labels), row, config.prediction_threshold, n)
            for n, row in enumerate(values)
        ]
    label = config.label(target.value)
    column = (
        predictions.items.tolist() if predictions.items is not None else predictions.values.tolist()
    )
    return [
        {"prediction": value, "predictionValues": [{"label": label, "value": value}], "rowId": n}
        for n, value in enumerate(column)
    ]


def _binary(labels: list[str], row: list[float], threshold: Any, n: int) -> Row:
    negative, positive = labels
    probability = row[1]
    return {
        "prediction": positive if probability > threshold else negative,
        "predictionValues": [
            {"label": positive, "value": probability},
            {"label": negative, "value": 1 - probability},
        ],
        "predictionThreshold": threshold,
        "rowId": n,
    }


def _multiclass(labels: list[str], row: list[float], threshold: Any, n: int) -> Row:
    best = max(row)
    return {
        "prediction": next(
            label for label, value in zip(labels, row, strict=True) if value >= best
        ),
        "predictionValues": _values(labels, row),
        "rowId": n,
    }


def _multilabel(labels: list[str], row: list[float], threshold: Any, n: int) -> Row:
    return {
        "prediction": [
            label for label, value in zip(labels, row, strict=True) if value > threshold
        ],
        "predictionValues": _values(labels, row),
        "predictionThreshold": threshold,
        "rowId": n,
    }


def _values(labels: list[str], row: list[float]) -> list[Row]:
    return [{"label": label, "value": value} for label, value in zip(labels, row, strict=True)]


_DECISIONS: dict[TargetType, Callable[[list[str], list[float], Any, int], Row]] = {
    TargetType.BINARY: _binary,
    TargetType.MULTICLASS: _multiclass,
    TargetType.MULTILABEL: _multilabel,
}


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: numpy scalars as Python ones, NaN and infinities as
    None, recursively through lists and dicts."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_NUMBER: Schema = {"type": ["number", "null"]}


def answer_schema(target: TargetType, labels: Sequence[str] | None) -> Schema:
    """The schema of :func:`encode`'s answer for a ``target`` model (``labels``: the
    deployment's class names, when known)."""
    label: Schema = {"type": "string", "enum": list(labels)} if labels else {"type": "string"}
    prediction: Schema
    if target is TargetType.MULTILABEL:
        prediction = {"type": "array", "items": label}
    elif target.is_classification:
        prediction = label
    else:
        prediction = _NUMBER if target.is_numeric else ANY
    # A probability for a class; else the prediction itself, as it is.
    value = {
        "type": "object",
        "properties": {
            "label": label,
            "value": _NUMBER if target.is_classification else prediction,
        },
    }
    row: Schema = {
        "type": "object",
        "properties": {
            "prediction": prediction,
            "predictionValues": {"type": "array", "items": value},
            "predictionThreshold": {"type": ["number", "null"]},
            "rowId": {"type": "integer", "minimum": 0},
            "extraModelOutput": {"type": "object"},
        },
        "required": ["prediction", "predictionValues", "rowId"],
    }
    return {
        "type": "object",
        "properties": {"data": {"type": "array", "items": row}},
        "required": ["data"],
    }
