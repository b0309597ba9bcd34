"""Checking what ``score`` returned and encoding it as the ``/predict/`` answer, fast.

A prediction answer can hold a hundred thousand rows. Going through Python objects (a
``float`` per row, a ``dict`` per classification row, then ``json.dumps``) cost 80 ms at
100,000 regression rows and more for classification, several times what parsing the input
took. Here the predictions stay a numpy array until orjson writes them, and the bytes are
exactly what ``json.dumps`` writes for the same floats (the shortest text that reads back
to the same float, ``NaN`` and infinities as ``null``), so no answer changes by a digit.

::

    >>> Predictions.regression(np.array([1.0, float("nan")])).to_json()
    b'{"predictions":[1.0,null]}'
    >>> Predictions.classification(np.array([[0.25, 0.75]]), ("no", "yes")).to_json()
    b'{"predictions":[{"no":0.25,"yes":0.75}]}'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd

from drum_testing.config.settings import TargetType
from drum_testing.errors import ModelOutputError
from drum_testing.http.openapi import ANY, Schema

PREDICTIONS_COLUMN = "Predictions"

# orjson and Python's repr write the same shortest digits, and the same text, except below
# 1e-4 (orjson writes 1.5e-05 as 0.000015, and 1e-07 as 1e-7): such values, rare, are
# written by repr itself.
_SMALL = 1e-4


_FEW_SMALL = 64
"""Up to this many small values are written one by one between runs that orjson writes;
with more, ``json.dumps`` writes the whole answer (as fast as that gets: repr per value)."""


def _orjson(column: np.ndarray[Any, Any]) -> bytes:
    return orjson.dumps(column, option=orjson.OPT_SERIALIZE_NUMPY)


def _small(column: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The positions of the values orjson spells differently (NaN compares false)."""
    magnitude = np.abs(column)
    return np.flatnonzero((magnitude < _SMALL) & (magnitude > 0))


def _tokens(column: np.ndarray[Any, Any]) -> list[bytes]:
    """One JSON number (or ``null``) per value of a contiguous float64 column."""
    tokens = _orjson(column)[1:-1].split(b",") if len(column) else []
    for index in _small(column).tolist():
        tokens[index] = repr(float(column[index])).encode()
    return tokens


def encode_floats(values: np.ndarray[Any, Any]) -> bytes:
    """A 1-D float array as JSON, byte for byte what ``json.dumps`` gives for it (after
    NaN and infinities were made ``None``), without spaces::

        >>> encode_floats(np.array([0.1, 1.5e-05, float("inf")]))
        b'[0.1,1.5e-05,null]'
    """
    column = np.ascontiguousarray(values, dtype=np.float64)
    small = _small(column).tolist()
    if not small:
        return _orjson(column)  # the common case: orjson's bytes are the answer
    if len(small) > _FEW_SMALL:
        items: list[float | None] = column.tolist()
        for index in np.flatnonzero(~np.isfinite(column)).tolist():
            items[index] = None
        return json.dumps(items, separators=(",", ":")).encode()
    # The runs between small values are encoded whole and only the small ones by repr:
    # splitting the whole answer into a bytes object a value held it several times over.
    parts: list[bytes] = []
    start = 0
    for index in [*small, len(column)]:
        if index > start:
            parts.append(_orjson(column[start:index])[1:-1])
        if index < len(column):
            parts.append(repr(float(column[index])).encode())
        start = index + 1
    return b"[" + b",".join(parts) + b"]"


def encode_records(values: np.ndarray[Any, Any], labels: Sequence[str]) -> bytes:
    """Rows of a 2-D float array as ``[{"label": value, ...}, ...]``, as ``json.dumps`` would.

    Built column by column (each encoded at once, then interleaved by slice assignment),
    never a dict or a float object a row.
    """
    rows, width = values.shape
    if not rows:
        return b"[]"
    keys = [
        (b"},{" if n == 0 else b",") + json.dumps(label).encode() + b":"
        for n, label in enumerate(labels)
    ]
    parts: list[bytes] = [b""] * (rows * width * 2)
    for n in range(width):
        parts[2 * n :: 2 * width] = [keys[n]] * rows
        parts[2 * n + 1 :: 2 * width] = _tokens(np.ascontiguousarray(values[:, n]))
    return b"[{" + b"".join(parts)[3:] + b"}]"  # the first row has no "}," before it


@dataclass(frozen=True)
class Predictions:
    """Validated predictions, kept as arrays until :meth:`to_json` encodes them."""

    values: np.ndarray[Any, Any]
    """float64: one value a row, or one column a label (classification)."""
    labels: tuple[str, ...] | None = None
    """The class labels in the order of ``values``' columns; None unless classification."""
    items: pd.Series | None = None
    """Single-column types DRUM sends as returned (text generation, geopoint, vector
    database, agentic workflow): the column itself (``values`` is then empty)."""
    extra: pd.DataFrame | None = None
    """Columns ``score`` returned beyond the predictions: DRUM's ``extraModelOutput``."""
    model_dtype: np.dtype[Any] | None = None
    """The numeric dtype the model's own predictions had (float32, int64, bool, ...), None
    for float64 or unknown. DRUM's server sends float64; ``drum score`` writes the model's
    numbers in their own dtype (``3``, not ``3.0``), and :meth:`in_model_dtype` gives them."""

    @classmethod
    def regression(
        cls, values: np.ndarray[Any, Any], model_dtype: np.dtype[Any] | None = None
    ) -> Predictions:
        return cls(np.asarray(values, dtype=np.float64).ravel(), model_dtype=model_dtype)

    @classmethod
    def classification(
        cls,
        probabilities: np.ndarray[Any, Any],
        labels: Sequence[str],
        model_dtype: np.dtype[Any] | None = None,
    ) -> Predictions:
        return cls(
            np.asarray(probabilities, dtype=np.float64), tuple(labels), model_dtype=model_dtype
        )

    def in_model_dtype(self) -> np.ndarray[Any, Any]:
        """``values`` in the model's own dtype (exact: float64 holds every such value)."""
        if self.model_dtype is None:
            return self.values
        return self.values.astype(self.model_dtype)

    @classmethod
    def as_returned(cls, column: Sequence[Any] | pd.Series) -> Predictions:
        """A column sent as the model returned it (strings, numbers, nulls)."""
        return cls(np.empty(0), items=pd.Series(column).reset_index(drop=True))

    def __len__(self) -> int:
        return len(self.items) if self.items is not None else len(self.values)

    def tolist(self) -> list[Any]:
        """The answer as Python objects: floats (NaN as None), label dicts, or strings."""
        loaded: list[Any] = json.loads(self._encode_list())
        return loaded

    def to_json(self) -> bytes:
        """The ``/predict/`` answer body: ``{"predictions":[...]}``, and DRUM's
        ``"extraModelOutput"`` (pandas' ``orient="split"``) when ``score`` returned more."""
        body = b'{"predictions":' + self._encode_list()
        if self.extra is not None:
            body += b',"extraModelOutput":' + self.extra.to_json(orient="split").encode()
        return body + b"}"

    def _encode_list(self) -> bytes:
        if self.items is not None:
            # DRUM's own encoding of these columns (pandas), so strings and numbers in them
            # are written exactly as DRUM writes them.
            return self.items.to_json(orient="records").encode()
        if self.labels is not None:
            return encode_records(self.values, self.labels)
        return encode_floats(self.values)


def _numeric_dtype(*dtypes: Any) -> np.dtype[Any] | None:
    """The dtype numpy gives a frame of these columns (DRUM's ``.values``), if it is a
    numeric one other than float64; None otherwise (pandas' own dtypes included)."""
    try:
        common = np.result_type(*dtypes)
    except TypeError:
        return None
    return common if common.kind in "biuf" and common != np.float64 else None


def check_predictions(
    predictions: Any,
    *,
    expected_rows: int,
    target: TargetType,
    labels: Sequence[str] | None,
) -> Predictions:
    """What ``score`` returned, checked; a mistake is :class:`ModelOutputError` (a 500).

    ``labels`` are the class labels of a classification model, else None. Columns beyond
    the predictions are split off first by :func:`split_extra_output`, as DRUM does.
    """
    if not isinstance(predictions, pd.DataFrame):
        # DRUM's words (its _validate_data); type() as DRUM prints it: "<class 'list'>".
        raise ModelOutputError(f"score must return a dataframe, but received {type(predictions)}")
    if len(predictions) != expected_rows:
        raise ModelOutputError(
            f"score returned {len(predictions)} rows for {expected_rows} input rows"
        )
    if target.is_classification:
        return _check_probabilities(predictions, target, list(labels or ()))
    if predictions.shape[1] != 1:
        raise ModelOutputError(
            f"score returned columns {list(predictions.columns)}; "
            f"a {target.value} model returns one column {PREDICTIONS_COLUMN!r}"
        )
    column = predictions.iloc[:, 0]
    if not target.is_numeric:
        return Predictions.as_returned(column)
    try:
        return Predictions.regression(
            column.to_numpy(dtype=np.float64), _numeric_dtype(column.dtype)
        )
    except (TypeError, ValueError) as exc:
        raise ModelOutputError(f"score returned non-numeric predictions: {exc}") from None


def _check_probabilities(
    predictions: pd.DataFrame, target: TargetType, labels: list[str]
) -> Predictions:
    columns = [str(c) for c in predictions.columns]
    if sorted(columns) != sorted(labels):
        # DRUM's words: its labels as a list, the frame's columns as pandas prints them.
        raise ModelOutputError(
            f"Expected predictions to have columns {labels}, but encountered {predictions.columns}"
        )
    try:
        values = predictions.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelOutputError(f"score returned non-numeric probabilities: {exc}") from None
    # DRUM's words for each (data_marshalling.py).
    if (values < 0).any():
        raise ModelOutputError("Your prediction probabilities have negative values")
    if (values > 1).any():
        raise ModelOutputError("Your prediction probabilities have values greater than 1")
    # Multilabel: each label is its own yes/no, so a row need not sum to 1.
    if target is not TargetType.MULTILABEL:
        good = np.isclose(values.sum(axis=1), 1.0, atol=1e-3)
        if not good.all():
            raise ModelOutputError(
                f"Your prediction probabilities do not add up to 1. \n{values[~good]}"
            )
    return Predictions.classification(values, columns, _numeric_dtype(*predictions.dtypes))


def split_extra_output(
    frame: Any, target: TargetType, labels: Sequence[str] | None, target_name: str | None
) -> tuple[Any, pd.DataFrame | None]:
    """``score``'s frame as ``(predictions, extra output)``, DRUM's rule.

    A classification model's extra columns are those that are not class labels; another
    model's prediction column is ``target_name`` (``TARGET_NAME``, for the types that read
    it), else ``Predictions``, and every other column is extra::

        >>> frame = pd.DataFrame({"Predictions": [1.0], "why": ["big"]})
        >>> split_extra_output(frame, TargetType.REGRESSION, None, None)[1].columns.tolist()
        ['why']

    Anything but a frame, or a frame without the prediction columns, is returned as it is
    (:func:`check_predictions` then says what is wrong with it).
    """
    if not isinstance(frame, pd.DataFrame):
        return frame, None
    columns = [str(c) for c in frame.columns]
    if target.is_classification:
        wanted = [label for label in labels or () if label in columns]
        if len(columns) <= len(labels or ()) or len(wanted) != len(labels or ()):
            return frame, None
        kept = [c for c in frame.columns if str(c) in wanted]
    else:
        if frame.shape[1] <= 1:
            return frame, None
        name = target_name if target.needs_target_name and target_name else PREDICTIONS_COLUMN
        if name not in columns and len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1]  # DRUM's rule for a quoted TARGET_NAME
        if name not in columns:
            return frame, None
        kept = [c for c in frame.columns if str(c) == name]
    return frame[kept], frame.drop(columns=kept)


NUMBER: Schema = {"type": ["number", "null"]}
"""A prediction or a probability: NaN and infinities are written ``null``."""
EXTRA_OUTPUT_SCHEMA: Schema = {
    "type": "object",
    "description": "columns score returned beyond the predictions (pandas' orient=split)",
    "properties": {
        "columns": {"type": "array"},
        "index": {"type": "array"},
        "data": {"type": "array", "items": {"type": "array"}},
    },
}


def answer_schema(target: TargetType, labels: Sequence[str] | None) -> Schema:
    """The ``/predict/`` answer's schema for a ``target`` model (``labels``: its class
    labels, when known): ``{"predictions": [...]}``, and ``extraModelOutput``."""
    item: Schema
    if target.is_classification:
        item = {"type": "object", "additionalProperties": NUMBER}
        if labels:
            item = {**item, "required": list(labels), "properties": dict.fromkeys(labels, NUMBER)}
    else:
        item = NUMBER if target.is_numeric else ANY
    return {
        "type": "object",
        "properties": {
            "predictions": {"type": "array", "items": item},
            "extraModelOutput": EXTRA_OUTPUT_SCHEMA,
        },
        "required": ["predictions"],
    }
