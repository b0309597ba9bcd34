"""json.py: answers as compact JSON, numpy's scalars read, non-finite numbers as null."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from drum_testing.http.json import dumps


def strict_loads(data: bytes) -> Any:
    """json.loads that refuses NaN and Infinity, as every other JSON parser does."""

    def refuse(constant: str) -> Any:
        raise AssertionError(f"invalid JSON constant {constant} in {data!r}")

    return json.loads(data, parse_constant=refuse)


def test_dumps_numpy_scalars() -> None:
    payload = {
        "int": np.int64(3),
        "float": np.float64(1.5),
        "float32": np.float32(0.25),
        "bool": np.bool_(True),
        "list": [np.int32(1), np.uint8(2)],
    }
    data = dumps(payload)
    assert isinstance(data, bytes)
    assert strict_loads(data) == {
        "int": 3,
        "float": 1.5,
        "float32": 0.25,
        "bool": True,
        "list": [1, 2],
    }


def test_dumps_non_finite_become_null() -> None:
    payload = {
        "nan": float("nan"),
        "inf": math.inf,
        "np": np.float64("-inf"),
        "nested": [{"x": [1.0, float("nan")]}, (2, math.inf)],
        "ok": 1.5,
    }
    assert strict_loads(dumps(payload)) == {
        "nan": None,
        "inf": None,
        "np": None,
        "nested": [{"x": [1.0, None]}, [2, None]],
        "ok": 1.5,
    }


def test_dumps_top_level_list_and_timestamps() -> None:
    data = dumps([pd.Timestamp("2024-01-02 03:04:05"), np.datetime64("2024-01-02"), None])
    assert strict_loads(data) == ["2024-01-02T03:04:05", "2024-01-02", None]


def test_dumps_refuses_unknown_objects() -> None:
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        dumps({"x": object()})


@pytest.mark.parametrize("value", [np.float32("nan"), np.float16("inf")])
def test_dumps_numpy_non_float_subclass_nan_becomes_null(value: Any) -> None:
    assert strict_loads(dumps({"x": value})) == {"x": None}
