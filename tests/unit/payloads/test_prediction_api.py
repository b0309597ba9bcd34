"""DataRobot's prediction API answer (``--deployment-config``), each target type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from drum_testing.config.deployment import DeploymentConfig
from drum_testing.config.settings import TargetType
from drum_testing.payloads.prediction_api import encode
from drum_testing.payloads.predictions import Predictions

NAMED = DeploymentConfig(Path("d.json"), name="price", has_name=True)


def classes(*labels: str, threshold: Any = 0.5) -> DeploymentConfig:
    return DeploymentConfig(Path("d.json"), class_names=labels, prediction_threshold=threshold)


def decoded(predictions: Predictions, config: DeploymentConfig, target: TargetType) -> Any:
    return json.loads(encode(predictions, config, target))


def test_regression_is_spaced_as_drums_json_dumps() -> None:
    body = encode(Predictions.regression(np.array([3.0, 0.1])), NAMED, TargetType.REGRESSION)
    assert body == (
        b'{"data": [{"prediction": 3.0, "predictionValues": [{"label": "price", "value": 3.0}], '
        b'"rowId": 0}, {"prediction": 0.1, "predictionValues": [{"label": "price", '
        b'"value": 0.1}], "rowId": 1}]}'
    )


def test_anomaly_is_labelled_anomaly_score_whatever_the_name() -> None:
    data = decoded(Predictions.regression(np.array([0.5])), NAMED, TargetType.ANOMALY)["data"]
    assert data == [
        {
            "prediction": 0.5,
            "predictionValues": [{"label": "Anomaly Score", "value": 0.5}],
            "rowId": 0,
        }
    ]


@pytest.mark.parametrize(
    ("probability", "threshold", "decision"),
    [(0.7, 0.5, "yes"), (0.5, 0.5, "no"), (0.2, 0.1, "yes")],
)
def test_binary_positive_is_the_second_class_and_wins_only_above_the_threshold(
    probability: float, threshold: float, decision: str
) -> None:
    predictions = Predictions.classification(
        np.array([[probability, 1 - probability]]), ("yes", "no")
    )
    (row,) = decoded(predictions, classes("no", "yes", threshold=threshold), TargetType.BINARY)[
        "data"
    ]
    assert row == {
        "prediction": decision,
        "predictionValues": [
            {"label": "yes", "value": probability},
            {"label": "no", "value": 1 - probability},  # computed, as DRUM does
        ],
        "predictionThreshold": threshold,
        "rowId": 0,
    }


def test_binary_negative_value_is_one_minus_the_positive_in_float64() -> None:
    predictions = Predictions.classification(np.array([[0.7, 0.3]]), ("yes", "no"))
    body = encode(predictions, classes("no", "yes"), TargetType.BINARY)
    assert b'{"label": "no", "value": 0.30000000000000004}' in body  # DRUM's digits


def test_multiclass_in_class_mapping_order_first_best_wins() -> None:
    predictions = Predictions.classification(
        np.array([[0.4, 0.4, 0.2], [0.1, 0.2, 0.7]]), ("red", "green", "blue")
    )
    data = decoded(predictions, classes("green", "red", "blue"), TargetType.MULTICLASS)["data"]
    assert [row["prediction"] for row in data] == ["green", "blue"]  # a tie: mapping order
    assert data[1]["predictionValues"] == [
        {"label": "green", "value": 0.2},
        {"label": "red", "value": 0.1},
        {"label": "blue", "value": 0.7},
    ]
    assert "predictionThreshold" not in data[0]


def test_multilabel_predicts_every_label_above_the_threshold() -> None:
    predictions = Predictions.classification(np.array([[0.9, 0.5, 0.6]]), ("a", "b", "c"))
    (row,) = decoded(predictions, classes("a", "b", "c", threshold=0.5), TargetType.MULTILABEL)[
        "data"
    ]
    assert row["prediction"] == ["a", "c"]
    assert row["predictionThreshold"] == 0.5


@pytest.mark.parametrize(
    "target", [TargetType.TEXT_GENERATION, TargetType.GEO_POINT, TargetType.VECTOR_DATABASE]
)
def test_single_column_types_send_the_values_as_returned(target: TargetType) -> None:
    predictions = Predictions.as_returned(pd.Series(["a", np.int64(3), [1, 2]]))
    data = decoded(predictions, NAMED, target)["data"]
    assert [row["prediction"] for row in data] == ["a", 3, [1, 2]]
    assert data[2]["predictionValues"] == [{"label": "price", "value": [1, 2]}]


def test_extra_model_output_a_row_at_a_time_as_drum() -> None:
    extra = pd.DataFrame({"n": [1, 2], "f": [0.5, 1.5], "why": ["x", None]})
    predictions = Predictions(np.array([1.0, 2.0]), extra=extra)
    data = decoded(predictions, NAMED, TargetType.REGRESSION)["data"]
    assert [row["extraModelOutput"] for row in data] == [
        {"n": 1, "f": 0.5, "why": "x"},
        {"n": 2, "f": 1.5, "why": None},
    ]
    numbers = Predictions(np.array([1.0]), extra=pd.DataFrame({"n": [1], "f": [0.5]}))
    # A row of int and float columns is one float row in pandas: DRUM sends 1.0.
    (row,) = decoded(numbers, NAMED, TargetType.REGRESSION)["data"]
    assert row["extraModelOutput"] == {"n": 1.0, "f": 0.5}


def test_nan_and_infinity_are_null_not_invalid_json() -> None:
    predictions = Predictions.regression(np.array([np.nan, np.inf]))
    body = encode(predictions, NAMED, TargetType.REGRESSION)
    assert [row["prediction"] for row in json.loads(body)["data"]] == [None, None]
    assert b"NaN" not in body
    assert b"Infinity" not in body


def test_no_rows_is_empty_data() -> None:
    assert encode(Predictions.regression(np.array([])), NAMED, TargetType.REGRESSION) == (
        b'{"data": []}'
    )


def test_what_json_has_no_type_for_is_its_text() -> None:
    extra = pd.DataFrame({"when": [pd.Timestamp("2024-01-02")]})
    predictions = Predictions(np.array([1.0]), extra=extra)
    (row,) = decoded(predictions, NAMED, TargetType.REGRESSION)["data"]
    assert row["extraModelOutput"] == {"when": "2024-01-02 00:00:00"}
