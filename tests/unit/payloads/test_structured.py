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


HEAD = b"%%MatrixMarket matrix coordinate real general\n"


@pytest.mark.parametrize(
    "data",
    [
        # A few bytes declaring millions of columns or rows: 36 s of CPU, or 2.4 GB (nox -s fuzz).
        HEAD + b"1 3000000 1\n1 1 1\n",
        HEAD + b"300000000 1 1\n1 1 1\n",
        HEAD + b"1 16385 1\n1 1 1\n",
    ],
)
def test_a_shape_out_of_proportion_to_the_bytes_is_422(data: bytes) -> None:
    with pytest.raises(RequestError) as caught:
        read_sparse(data, None)
    assert caught.value.status == 422
    assert "out of proportion to the" in caught.value.message


def test_wide_matrices_are_read_with_their_names_or_up_to_the_limit() -> None:
    assert read_sparse(HEAD + b"1 16384 1\n1 1 1\n", None).shape == (1, 16384)
    names = b"\n".join(b"c%d" % i for i in range(20_000))
    assert read_sparse(HEAD + b"1 20000 1\n1 1 1\n", names).shape == (1, 20_000)


@pytest.mark.parametrize(("field", "dtype"), [("real", "float64"), ("integer", "int64")])
@pytest.mark.parametrize("entries", [b"", b"1\n2\n"])
def test_a_dense_matrix_of_no_rows_is_a_frame_of_no_rows(
    field: str, dtype: str, entries: bytes
) -> None:
    # scipy's reader died of SIGFPE on it, and the server with it (nox -s fuzz).
    data = b"%%MatrixMarket matrix array " + field.encode() + b" general\n0 2\n" + entries
    frame = read_sparse(data, b"a\nb\n")
    assert frame.shape == (0, 2)
    assert list(frame.columns) == ["a", "b"]
    assert [t.subtype for t in frame.dtypes] == [dtype] * 2
