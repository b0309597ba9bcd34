"""structured.py: Matrix Market bodies, with and without their column names."""

from __future__ import annotations

import pandas as pd
import pytest

from drum_testing.http.errors import RequestError
from drum_testing.payloads.structured import read_sparse

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
