"""Fuzzing payloads/: CSV (the fast numeric path and pandas), Matrix Market, form fields,
unstructured bodies and chat requests, in process.

Arbitrary bytes and near-valid input; each parser returns a value or raises the project's
RequestError (a 4xx), never anything else, within the per-example deadline (which also
catches input whose cost is out of proportion to its size: a few bytes declaring a matrix
of millions of columns took 36 s before the shape was checked).
"""

from __future__ import annotations

import pandas as pd
import scipy.io  # noqa: F401  imported once here, not inside the first timed example
from hypothesis import given
from hypothesis import strategies as st

from drum_testing.http.content_type import ContentType
from drum_testing.http.multipart import FormFile
from drum_testing.payloads.chat import read_chat_request
from drum_testing.payloads.csv_input import read_csv
from drum_testing.payloads.numeric_csv import parse_numeric_csv
from drum_testing.payloads.structured import read_form_file, read_sparse
from drum_testing.payloads.unstructured import unstructured_input
from tests.helpers.fuzzing import MAX_INPUT_BYTES, answer_or_request_error, parsers

CHARSETS = [None, "utf-8", "UTF8", "latin-1", "utf-16", "utf-7", "ascii", "rot13", "base64", "x"]
CELLS = ["1", "-2", "2.5", "1e400", "-0", "", "nan", "NA", "a", '"x,y"', '"', "\ufeff", "0x1F"]
SEPARATORS = [",", ",", ",", ";", "\t", " "]
LINE_ENDS = ["\n", "\n", "\r\n", "\r", ""]

csv_texts = st.builds(
    lambda rows, sep, end: end.join(sep.join(row) for row in rows) + end,
    st.lists(st.lists(st.sampled_from(CELLS), max_size=5), max_size=8),
    st.sampled_from(SEPARATORS),
    st.sampled_from(LINE_ENDS),
)
csv_bodies = st.one_of(st.binary(max_size=MAX_INPUT_BYTES), csv_texts.map(str.encode))


@parsers
@given(csv_bodies, st.sampled_from(CHARSETS), st.booleans())
def test_read_csv(data: bytes, charset: str | None, as_bytearray: bool) -> None:
    body = bytearray(data) if as_bytearray else data  # the adapters hand us either
    answer = answer_or_request_error(lambda: read_csv(body, charset))
    assert isinstance(answer, pd.DataFrame) or answer.status == 422


@parsers
@given(st.one_of(csv_texts, st.text(max_size=MAX_INPUT_BYTES)))
def test_parse_numeric_csv(text: str) -> None:
    frame = parse_numeric_csv(text)  # a frame or None, nothing raised
    assert frame is None or isinstance(frame, pd.DataFrame)


MTX_HEADS = [
    f"%%MatrixMarket matrix {layout} {field} {symmetry}"
    for layout in ("coordinate", "array")
    for field in ("real", "integer", "complex", "pattern")
    for symmetry in ("general", "symmetric", "skew-symmetric", "hermitian")
] + ["%%MatrixMarket matrix", "%%MatrixMarket tensor coordinate real general", "%comment"]
DIMENSIONS = [0, 1, 2, 3, -1, 10**9, 2**63, 2**64]
"""Small, negative and far too large: the size line is where one header costs the most."""
NUMBERS = ["1", "2", "0", "-1", "1.5", "nan", "inf", "1e999", "x", "99999999999999999999"]


@st.composite
def mtx_bodies(draw: st.DrawFn) -> bytes:
    lines = [draw(st.sampled_from(MTX_HEADS))]
    lines.append(
        " ".join(str(draw(st.sampled_from(DIMENSIONS))) for _ in range(draw(st.integers(1, 4))))
    )
    for _ in range(draw(st.integers(0, 6))):
        lines.append(" ".join(draw(st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4))))
    return ("\n".join(lines) + draw(st.sampled_from(["\n", ""]))).encode()


names = st.one_of(
    st.none(), st.binary(max_size=64), st.sampled_from([b"a\nb\nc", b"a\n\n", b"\xff"])
)


@parsers
@given(st.one_of(st.binary(max_size=MAX_INPUT_BYTES), mtx_bodies()), names)
def test_read_sparse(data: bytes, column_names: bytes | None) -> None:
    answer = answer_or_request_error(lambda: read_sparse(data, column_names))
    assert isinstance(answer, pd.DataFrame) or answer.status == 422


@parsers
@given(
    st.one_of(mtx_bodies(), csv_bodies),
    st.sampled_from([None, "x.mtx", "x.csv", ""]),
    st.sampled_from(["", "text/csv; charset=latin-1", "text/csv; charset=rot13"]),
    names,
)
def test_read_form_file(
    data: bytes, filename: str | None, content_type: str, column_names: bytes | None
) -> None:
    field = FormFile("X", filename, ContentType.parse(content_type), data)
    colnames = (
        None
        if column_names is None
        else FormFile("X.colnames", None, ContentType.parse(""), column_names)
    )
    answer = answer_or_request_error(lambda: read_form_file(field, colnames, None))
    assert isinstance(answer, pd.DataFrame) or answer.status == 422


@parsers
@given(
    st.binary(max_size=MAX_INPUT_BYTES),
    st.sampled_from(
        ["", "text/plain; charset=rot13", "application/json", "image/png", "text/x; charset=utf-16"]
    ),
)
def test_unstructured_input(data: bytes, content_type: str) -> None:
    answer = answer_or_request_error(
        lambda: unstructured_input(data, ContentType.parse(content_type))
    )
    assert isinstance(answer, tuple) or answer.status == 422


json_texts = st.recursive(
    st.sampled_from(["null", "1", "1e999", "NaN", '"x"', '"\\ud800"', "true", ""]),
    lambda inner: (
        st.builds(lambda items: "[" + ",".join(items) + "]", st.lists(inner, max_size=3))
        | st.builds(
            lambda items: "{" + ",".join(f'"{i}":{v}' for i, v in enumerate(items)) + "}",
            st.lists(inner, max_size=3),
        )
    ),
    max_leaves=10,
)
deep_json = st.builds(
    lambda depth, open_: open_ * depth, st.integers(1, 100_000), st.sampled_from(["[", '{"a":'])
)


@parsers
@given(
    st.one_of(
        st.binary(max_size=MAX_INPUT_BYTES),
        json_texts.map(str.encode),
        json_texts.map(lambda text: text.encode("utf-16")),
        deep_json.map(str.encode),
    )
)
def test_read_chat_request(body: bytes) -> None:
    answer = answer_or_request_error(lambda: read_chat_request(body))
    assert isinstance(answer, dict) or answer.status == 400
