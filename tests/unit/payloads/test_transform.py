"""transform_answer.py: the /transform/ answer, laid out as DRUM's MultipartEncoder lays it."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix

from drum_testing.errors import ModelOutputError
from drum_testing.http.content_type import ContentType
from drum_testing.http.multipart import FormPart as FormField
from drum_testing.http.multipart import encode_form, parse_multipart
from drum_testing.payloads.structured import read_sparse
from drum_testing.payloads.transform import (
    column_names,
    csv_payload,
    file_field,
    is_sparse,
    mtx_payload,
    transform_answer,
)

# requests_toolbelt 1.0.0, as DRUM 1.18.1 calls it:
#   MultipartEncoder(fields={"X.format": "sparse",
#                            "X.transformed": ("X.transformed", b"abc\r\n", OCTET),
#                            "X.colnames": ("X.colnames", "a\nb é", OCTET)},
#                    boundary="BND").to_string()
TOOLBELT_BODY = (
    b'--BND\r\nContent-Disposition: form-data; name="X.format"\r\n\r\nsparse\r\n'
    b'--BND\r\nContent-Disposition: form-data; name="X.transformed"; filename="X.transformed"'
    b"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n\r\n"
    b'--BND\r\nContent-Disposition: form-data; name="X.colnames"; filename="X.colnames"'
    b"\r\nContent-Type: application/octet-stream\r\n\r\na\nb \xc3\xa9\r\n--BND--\r\n"
)
FIELDS = [
    FormField("X.format", b"sparse"),
    file_field("X.transformed", b"abc\r\n"),
    file_field("X.colnames", "a\nb é".encode()),
]
SPARSE = pd.DataFrame.sparse.from_spmatrix(  # type: ignore[attr-defined]
    csr_matrix(np.array([[1.5, 0.0], [4.0, -2.0]])), columns=["p", "q"]
)


def boundary_of(content_type: str) -> str:
    prefix, _, boundary = content_type.partition("; boundary=")
    assert prefix == "multipart/form-data"
    return boundary


def parts(content_type: str, body: bytes) -> dict[str, tuple[str | None, str, bytes]]:
    """The answer as our request parser reads it: name -> (filename, content type, data)."""
    files = parse_multipart(body, ContentType.parse(content_type))
    return {n: (f.filename, f.content_type.mimetype, f.data) for n, f in files.items()}


def test_the_layout_is_requests_toolbelts_byte_for_byte() -> None:
    content_type, body = encode_form(FIELDS)
    boundary = boundary_of(content_type)
    assert re.fullmatch("[0-9a-f]{32}", boundary)  # the shape of DRUM's uuid4().hex
    assert body.replace(boundary.encode(), b"BND") == TOOLBELT_BODY


def test_the_boundary_is_the_same_for_the_same_parts_and_differs_otherwise() -> None:
    first = encode_form(FIELDS)
    assert encode_form(list(FIELDS)) == first
    other = encode_form([*FIELDS[:2], file_field("X.colnames", b"a\nc")])
    assert boundary_of(other[0]) != boundary_of(first[0])


def test_a_boundary_found_in_the_data_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    taken, fresh = "a" * 32, "b" * 32

    class Digest:
        def __init__(self, **options: Any) -> None:
            self.value = taken

        def update(self, data: bytes) -> None:
            if data == taken.encode():
                self.value = fresh

        def hexdigest(self) -> str:
            return self.value

    monkeypatch.setattr(hashlib, "blake2b", Digest)
    content_type, body = encode_form([file_field("X.transformed", b"x--" + taken.encode())])
    assert boundary_of(content_type) == fresh
    assert body.startswith(b"--" + fresh.encode() + b"\r\n")


def test_our_parser_reads_the_answer_back() -> None:
    assert parts(*encode_form(FIELDS)) == {
        "X.format": (None, "", b"sparse"),
        "X.transformed": ("X.transformed", "application/octet-stream", b"abc\r\n"),
        "X.colnames": ("X.colnames", "application/octet-stream", "a\nb é".encode()),
    }


def test_csv_has_crlf_lines_no_index_and_no_final_line_break() -> None:
    frame = pd.DataFrame({"a": [1, 2], "s": ["x", None]}, index=[7, 8])
    assert csv_payload(frame) == b"a,s\r\n1,x\r\n2,"


def test_column_names_are_strings_stripped_with_line_breaks_escaped() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=[" a ", "b\nc", 5])
    assert column_names(frame) == ["a", "b\\nc", "5"]
    assert csv_payload(frame) == b"a,b\\nc,5\r\n1,2,3"
    assert list(frame.columns) == [" a ", "b\nc", 5]  # the model's frame is left alone


@pytest.mark.parametrize("name", ["", "  ", "\n"])
def test_a_blank_column_name_is_the_models_error(name: str) -> None:
    with pytest.raises(ModelOutputError, match="empty or only whitespace"):
        csv_payload(pd.DataFrame({"a": [1], name: [2]}))


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (SPARSE, True),
        (pd.DataFrame({"a": [1.0]}), False),
        (SPARSE.assign(dense=[1.0, 2.0]), False),
        (pd.DataFrame(index=range(2)), False),
    ],
)
def test_only_a_frame_of_sparse_columns_is_sent_sparse(frame: pd.DataFrame, expected: bool) -> None:
    assert is_sparse(frame) is expected


def test_a_sparse_frame_is_matrix_market_and_its_names() -> None:
    matrix, names = mtx_payload(SPARSE)
    assert matrix.startswith(b"%%MatrixMarket matrix coordinate real general\n")  # scipy mmwrite
    sparse: Any = read_sparse(matrix, names).sparse  # pandas-stubs types the accessor loosely
    assert sparse.to_dense().to_dict("list") == {"p": [1.5, 4.0], "q": [0.0, -2.0]}
    assert names == b"p\nq"


def test_a_dense_answer_with_a_target() -> None:
    features = pd.DataFrame({"a_x10": [10, 30]})
    target = pd.DataFrame({"y": [0, 1]})
    answer = parts(*transform_answer(features, target))
    assert list(answer) == ["X.format", "X.transformed", "y.format", "y.transformed"]
    assert answer["X.format"][2] == b"csv"
    assert answer["X.transformed"][2] == b"a_x10\r\n10\r\n30"
    assert answer["y.format"] == (None, "", b"csv")
    assert answer["y.transformed"] == ("y.transformed", "application/octet-stream", b"y\r\n0\r\n1")


def test_a_sparse_answer_sends_its_column_names_and_a_csv_target() -> None:
    answer = parts(*transform_answer(SPARSE, pd.DataFrame({"y": [1, 0]})))
    assert list(answer) == ["X.format", "X.transformed", "X.colnames", "y.format", "y.transformed"]
    assert answer["X.format"][2] == b"sparse"
    assert answer["X.transformed"][2] == mtx_payload(SPARSE)[0]
    assert answer["X.colnames"] == ("X.colnames", "application/octet-stream", b"p\nq")
    assert answer["y.transformed"][2] == b"y\r\n1\r\n0"


def test_without_a_target_there_are_no_y_fields() -> None:
    assert list(parts(*transform_answer(pd.DataFrame({"a": [1]}), None))) == [
        "X.format",
        "X.transformed",
    ]
