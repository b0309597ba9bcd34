"""payloads.py: content types, CSV, multipart, Matrix Market and the JSON encoder."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from drum_testing.csv_input import read_csv
from drum_testing.errors import RequestError
from drum_testing.multipart import parse_multipart
from drum_testing.payloads import ContentType, dumps, read_sparse

# --- ContentType ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mimetype", "charset"),
    [
        ("text/csv", "text/csv", None),
        ("text/csv; charset=latin-1", "text/csv", "latin-1"),
        ("Text/CSV; Charset=UTF-8", "text/csv", "UTF-8"),
        ('text/plain; charset="utf-16"', "text/plain", "utf-16"),
        ("application/json;charset=utf-8", "application/json", "utf-8"),
        ("APPLICATION/OCTET-STREAM", "application/octet-stream", None),
        ("multipart/form-data; boundary=abc", "multipart/form-data", None),
    ],
)
def test_content_type_parse(value: str, mimetype: str, charset: str | None) -> None:
    parsed = ContentType.parse(value)
    assert (parsed.mimetype, parsed.charset, parsed.raw) == (mimetype, charset, value)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_content_type_parse_empty(value: str | None) -> None:
    assert ContentType.parse(value) == ContentType("", None, "")


@pytest.mark.parametrize(
    ("value", "is_text"),
    [
        ("text/csv", True),
        ("text/plain; charset=latin-1", True),
        ("text/html", True),
        ("application/json", True),
        ("application/vnd.api+json", True),
        ("application/x-www-form-urlencoded", True),
        ("application/octet-stream", False),
        ("image/png", False),
        ("application/xml", False),
        (None, False),
    ],
)
def test_content_type_is_text(value: str | None, is_text: bool) -> None:
    assert ContentType.parse(value).is_text is is_text


# --- parse_multipart ------------------------------------------------------------------------

BOUNDARY = "XyZ-b0undary-42"
MULTIPART = ContentType.parse(f"multipart/form-data; boundary={BOUNDARY}")
CSV_BYTES = b"a,b\r\n1,2\r\ncaf\xe9,\x00\xff\n"


def multipart(*parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    """A multipart/form-data body built by hand: (name, filename, content type, data)."""
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        out += head.encode("latin-1") + b"\r\n" + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode("latin-1")


WELL_FORMED = multipart(
    ("X", "data.csv", "text/csv; charset=latin-1", CSV_BYTES),
    ("note", None, None, b"hello"),
)


def test_parse_multipart_field_with_filename() -> None:
    files = parse_multipart(WELL_FORMED, MULTIPART)
    assert sorted(files) == ["X", "note"]
    part = files["X"]
    assert (part.name, part.filename) == ("X", "data.csv")
    assert (part.content_type.mimetype, part.content_type.charset) == ("text/csv", "latin-1")
    # The bytes come back exactly: CR LF, bare LF, NUL and non-ASCII bytes included.
    assert part.data == CSV_BYTES


def test_parse_multipart_field_without_filename_or_type() -> None:
    note = parse_multipart(WELL_FORMED, MULTIPART)["note"]
    assert (note.filename, note.content_type.mimetype, note.data) == (None, "", b"hello")


def test_parse_multipart_read_csv_of_a_part() -> None:
    part = parse_multipart(WELL_FORMED, MULTIPART)["X"]
    frame = read_csv(part.data.replace(b"\x00\xff", b"3"), part.content_type.charset)
    assert frame.to_dict("list") == {"a": ["1", "café"], "b": [2, 3]}


def test_parse_multipart_quoted_boundary_and_empty_part() -> None:
    content_type = ContentType.parse(f'multipart/form-data; boundary="{BOUNDARY}"')
    files = parse_multipart(multipart(("X", "empty.csv", "text/csv", b"")), content_type)
    assert (files["X"].filename, files["X"].data) == ("empty.csv", b"")


@pytest.mark.parametrize("value", [None, "multipart/form-data", "multipart/form-data; charset=x"])
def test_parse_multipart_without_boundary_is_400(value: str | None) -> None:
    with pytest.raises(RequestError) as caught:
        parse_multipart(WELL_FORMED, ContentType.parse(value))
    assert caught.value.status == 400
    assert caught.value.message == "ERROR: multipart body without a boundary in its Content-Type"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(WELL_FORMED[:60], id="truncated-in-headers"),
        pytest.param(WELL_FORMED[: WELL_FORMED.index(b"hello")], id="truncated-in-part"),
        pytest.param(WELL_FORMED.replace(f"--{BOUNDARY}--".encode(), b""), id="no-close"),
        pytest.param(b"garbage that is not multipart at all", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(
            WELL_FORMED.replace(BOUNDARY.encode(), b"another-boundary"), id="other-boundary"
        ),
    ],
)
def test_parse_multipart_malformed_is_400(body: bytes) -> None:
    with pytest.raises(RequestError) as caught:
        parse_multipart(body, MULTIPART)
    assert caught.value.status == 400
    assert caught.value.message == "ERROR: the multipart body is malformed and cannot be read"


# --- read_sparse ----------------------------------------------------------------------------

MTX = b"%%MatrixMarket matrix coordinate real general\n2 3 2\n1 1 1.5\n2 3 -2\n"
DENSE = [[1.5, 0.0, 0.0], [0.0, 0.0, -2.0]]


def test_read_sparse_without_names() -> None:
    frame = read_sparse(MTX, None)
    assert frame.columns.equals(pd.RangeIndex(3))
    assert all(isinstance(dtype, pd.SparseDtype) for dtype in frame.dtypes)
    assert frame.to_numpy(dtype=float).tolist() == DENSE


@pytest.mark.parametrize("names", [b"a\nb\nc\n", b"a\r\nb\r\nc", b"a\n\nb\nc\n\n"])
def test_read_sparse_with_colnames(names: bytes) -> None:
    frame = read_sparse(MTX, names)
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame.to_numpy(dtype=float).tolist() == DENSE


@pytest.mark.parametrize(("names", "count"), [(b"a\nb\n", 2), (b"a\nb\nc\nd\n", 4)])
def test_read_sparse_wrong_count_of_names_is_422(names: bytes, count: int) -> None:
    with pytest.raises(RequestError) as caught:
        read_sparse(MTX, names)
    assert caught.value.status == 422
    assert caught.value.message == f"ERROR: X.colnames has {count} names for 3 columns"


@pytest.mark.parametrize(
    "data",
    [
        b"not a matrix",
        b"",
        b"a,b\n1,2\n",
        b"%%MatrixMarket matrix coordinate real general\n2 3 5\n1 1 1\n",
    ],
)
def test_read_sparse_garbage_is_422(data: bytes) -> None:
    with pytest.raises(RequestError) as caught:
        read_sparse(data, None)
    assert caught.value.status == 422
    assert caught.value.message.startswith("ERROR: the Matrix Market data cannot be parsed: ")


# --- dumps ----------------------------------------------------------------------------------


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
