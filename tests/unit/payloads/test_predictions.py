"""Predictions are checked as before and encoded to exactly the bytes ``json.dumps`` writes."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from drum_testing.config.settings import TargetType
from drum_testing.errors import ModelOutputError
from drum_testing.payloads.predictions import (
    Predictions,
    check_predictions,
    encode_floats,
    split_extra_output,
)


def reference(value: Any) -> bytes:
    """What the answer was before: json.dumps, NaN and infinities as null, no spaces."""

    def plain(item: Any) -> Any:
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, list):
            return [plain(i) for i in item]
        if isinstance(item, dict):
            return {k: plain(v) for k, v in item.items()}
        return item

    return json.dumps(plain(value), separators=(",", ":")).encode()


FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
SETTINGS = settings(max_examples=500, deadline=None, derandomize=True)


@pytest.mark.parametrize(
    "value",
    [0.1, 1.0, -0.0, 1e-4, 9.99e-5, 1e-05, -1.5e-05, 1e-07, 1e-10, 5e-324, 1e16, 1e-300, 1e300],
)
def test_every_spelling_is_pythons(value: float) -> None:
    assert encode_floats(np.array([value, 2.5])) == reference([value, 2.5])


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(0, 40), elements=FLOATS))
def test_float_arrays_encode_as_json_dumps(values: np.ndarray[Any, Any]) -> None:
    assert encode_floats(values) == reference(values.tolist())


def test_many_small_values_encode_as_json_dumps() -> None:
    rng = np.random.default_rng(7)
    values = rng.choice([1e-7, 2.5e-5, 0.5, np.nan, np.inf, 1e20], size=2000) * rng.random(2000)
    assert encode_floats(values) == reference(values.tolist())
    records = np.column_stack([values, 1 - values])
    expected = [{"a": a, "b": b} for a, b in records.tolist()]
    assert Predictions.classification(records, ("a", "b")).to_json() == (
        b'{"predictions":' + reference(expected) + b"}"
    )


@SETTINGS
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(2, 4)), elements=FLOATS),
    st.lists(st.text(max_size=5), min_size=4, max_size=4, unique=True),
)
def test_classification_rows_encode_as_json_dumps(
    values: np.ndarray[Any, Any], names: list[str]
) -> None:
    labels = names[: values.shape[1]]
    expected = [dict(zip(labels, row, strict=True)) for row in values.tolist()]
    answer = Predictions.classification(values, labels).to_json()
    assert answer == b'{"predictions":' + reference(expected) + b"}"


@pytest.mark.parametrize(
    "labels", [("yes", "no"), ('a"b', "c\\d"), ("1", "1.0"), ("é", "\\g<1>"), ("\n", "")]
)
def test_labels_are_escaped_as_json(labels: tuple[str, str]) -> None:
    values = np.array([[0.25, 0.75], [1.0, 0.0]])
    expected = [dict(zip(labels, row, strict=True)) for row in values.tolist()]
    assert json.loads(Predictions.classification(values, labels).to_json()) == {
        "predictions": expected
    }


def test_empty_and_text_answers() -> None:
    assert Predictions.regression(np.array([])).to_json() == b'{"predictions":[]}'
    assert Predictions.classification(np.empty((0, 2)), ("a", "b")).to_json() == (
        b'{"predictions":[]}'
    )
    assert Predictions.as_returned(["é", 'say "hi"']).to_json() == (
        b'{"predictions":' + json.dumps(["é", 'say "hi"'], separators=(",", ":")).encode() + b"}"
    )


def check(frame: pd.DataFrame, target: TargetType, labels: Any = None) -> list[Any]:
    return check_predictions(frame, expected_rows=2, target=target, labels=labels).tolist()


def test_check_predictions_reads_each_kind() -> None:
    assert check(pd.DataFrame({"Predictions": [1, 2.5]}), TargetType.REGRESSION) == [1.0, 2.5]
    assert check(pd.DataFrame({"x": ["1.5", None]}), TargetType.ANOMALY) == [1.5, None]
    # Sent as returned, not cast to float (DRUM casts regression and anomaly only).
    for target in (
        TargetType.TEXT_GENERATION,
        TargetType.GEO_POINT,
        TargetType.VECTOR_DATABASE,
        TargetType.AGENTIC_WORKFLOW,
    ):
        assert check(pd.DataFrame({"p": [1, "two"]}), target) == [1, "two"]
    multilabel = pd.DataFrame({"a": [0.9, 0.1], "b": [0.8, 0.0]})  # rows need not sum to 1
    assert check(multilabel, TargetType.MULTILABEL, ("a", "b")) == [
        {"a": 0.9, "b": 0.8},
        {"a": 0.1, "b": 0.0},
    ]
    binary = pd.DataFrame({"no": [0.2, 0.5], "yes": [0.8, 0.5]})
    assert check(binary, TargetType.BINARY, ("yes", "no")) == [
        {"no": 0.2, "yes": 0.8},
        {"no": 0.5, "yes": 0.5},
    ]


@pytest.mark.parametrize(
    ("frame", "target", "message"),
    [
        ([1.0, 2.0], TargetType.REGRESSION, "score must return a dataframe, but received <class"),
        (pd.DataFrame({"P": [1.0]}), TargetType.REGRESSION, "score returned 1 rows for 2"),
        (pd.DataFrame({"a": [1] * 2, "b": [2] * 2}), TargetType.REGRESSION, "returns one column"),
        (pd.DataFrame({"P": ["x", "y"]}), TargetType.REGRESSION, "non-numeric predictions"),
        (pd.DataFrame({"yes": [0.5] * 2}), TargetType.BINARY, "Expected predictions"),
        (pd.DataFrame({"yes": [0.5] * 2, "no": [0.6] * 2}), TargetType.BINARY, "add up to 1"),
        (pd.DataFrame({"yes": [1.5] * 2, "no": [0.6] * 2}), TargetType.MULTILABEL, "than 1"),
        (pd.DataFrame({"yes": [-0.5] * 2, "no": [1.5] * 2}), TargetType.BINARY, "negative values"),
    ],
)
def test_check_predictions_refuses(frame: Any, target: TargetType, message: str) -> None:
    with pytest.raises(ModelOutputError, match=message):
        check(frame, target, ("yes", "no"))


@pytest.mark.parametrize(
    ("frame", "target", "labels", "target_name", "kept", "extra"),
    [
        # Not classification: Predictions (or TARGET_NAME for the types that read it) is kept.
        (
            {"Predictions": [1.0], "why": ["big"]},
            TargetType.REGRESSION,
            None,
            None,
            ["Predictions"],
            ["why"],
        ),
        (
            {"why": ["big"], "Predictions": [1.0], "n": [3]},
            TargetType.ANOMALY,
            None,
            "why",
            ["Predictions"],
            ["why", "n"],
        ),
        (
            {"answer": ["hi"], "tokens": [2]},
            TargetType.TEXT_GENERATION,
            None,
            "answer",
            ["answer"],
            ["tokens"],
        ),
        (
            {"answer": ["hi"], "tokens": [2]},
            TargetType.AGENTIC_WORKFLOW,
            None,
            '"answer"',
            ["answer"],
            ["tokens"],
        ),
        # Classification: every column that is not a label is extra; labels keep their order.
        (
            {"yes": [0.7], "note": ["x"], "no": [0.3]},
            TargetType.BINARY,
            ("no", "yes"),
            None,
            ["yes", "no"],
            ["note"],
        ),
        # Nothing to split: one column, labels only, or the prediction column missing.
        ({"x": [1.0]}, TargetType.REGRESSION, None, None, ["x"], None),
        ({"no": [0.3], "yes": [0.7]}, TargetType.BINARY, ("no", "yes"), None, ["no", "yes"], None),
        ({"a": [1.0], "b": [2.0]}, TargetType.REGRESSION, None, None, ["a", "b"], None),
    ],
)
def test_split_extra_output_follows_drum(
    frame: dict[str, list[Any]],
    target: TargetType,
    labels: tuple[str, ...] | None,
    target_name: str | None,
    kept: list[str],
    extra: list[str] | None,
) -> None:
    predictions, extra_frame = split_extra_output(pd.DataFrame(frame), target, labels, target_name)
    assert list(predictions.columns) == kept
    assert (None if extra_frame is None else list(extra_frame.columns)) == extra


def test_extra_model_output_is_pandas_split_json() -> None:
    extra = pd.DataFrame({"why": ["big", None], "n": [1, 2]})
    answer = Predictions.regression(np.array([1.5, 2.0]))
    body = json.loads(dataclasses.replace(answer, extra=extra).to_json())
    assert body == {
        "predictions": [1.5, 2.0],
        "extraModelOutput": {
            "columns": ["why", "n"],
            "index": [0, 1],
            "data": [["big", 1], [None, 2]],
        },
    }


@pytest.mark.parametrize(
    ("frame", "target", "dtype"),
    [
        (pd.DataFrame({"Predictions": [1]}), TargetType.REGRESSION, np.dtype("int64")),
        (
            pd.DataFrame({"Predictions": np.array([0.5], dtype=np.float32)}),
            TargetType.REGRESSION,
            np.float32,
        ),
        (pd.DataFrame({"Predictions": [0.5]}), TargetType.REGRESSION, None),
        (pd.DataFrame({"Predictions": pd.array([0.5], "Float64")}), TargetType.REGRESSION, None),
        (pd.DataFrame({"a": [1], "b": [0]}), TargetType.BINARY, np.dtype("int64")),
        (pd.DataFrame({"a": [1], "b": np.array([0.0], dtype=np.float32)}), TargetType.BINARY, None),
    ],
)
def test_check_predictions_keeps_the_models_numeric_dtype(
    frame: pd.DataFrame, target: TargetType, dtype: Any
) -> None:
    labels = ("a", "b") if target is TargetType.BINARY else None
    predictions = check_predictions(frame, expected_rows=1, target=target, labels=labels)
    assert predictions.model_dtype == dtype
    assert predictions.values.dtype == np.float64  # what the server sends is unchanged
    expected = frame.to_numpy(dtype=object)
    if labels is None:
        expected = expected[:, 0]
    assert predictions.in_model_dtype().tolist() == expected.tolist()
