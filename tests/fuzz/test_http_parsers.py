"""Fuzzing http/: content types, multipart bodies and our JSON, in process.

Arbitrary bytes and near-valid input built from the pieces that matter (boundaries, line
breaks, quoting, transfer encodings, truncation); each parser returns a value or raises the
project's RequestError (a 4xx), never anything else, within the per-example deadline.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from drum_testing.http.content_type import ContentType, decode_text
from drum_testing.http.json import dumps
from drum_testing.http.multipart import FormFile, header_params, parse_multipart
from tests.helpers.fuzzing import MAX_INPUT_BYTES, answer_or_request_error, parsers

# A header value reaches us as latin-1 text: the adapters decode the bytes so (WSGI's rule).
header_text = st.text(st.characters(max_codepoint=255), max_size=200)
TOKENS = ["multipart/form-data", "text/csv", "TEXT/Plain", "application/json", "x", "", "/", "*/*"]
PARAMS = ["charset", "boundary", "Charset", "name", "filename", ""]
VALUES = ["utf-8", "latin-1", "nonsense", "rot13", '"', '"a\\"b"', "", "b", "=?utf-8?q?x?=", "\\"]
structured_content_types = st.builds(
    lambda mimetype, params: mimetype + "".join(f";{k}={v}" for k, v in params),
    st.sampled_from(TOKENS),
    st.lists(st.tuples(st.sampled_from(PARAMS), st.sampled_from(VALUES)), max_size=4),
)
content_types = st.one_of(header_text, structured_content_types)


@parsers
@given(content_types)
def test_content_type(value: str) -> None:
    parsed = ContentType.parse(value)
    assert parsed.mimetype == parsed.mimetype.lower()
    assert parsed.charset is None or isinstance(parsed.charset, str)
    assert isinstance(parsed.is_text, bool)


@parsers
@given(st.binary(max_size=MAX_INPUT_BYTES), st.sampled_from([None, "utf-8", *VALUES, "utf-16"]))
def test_decode_text(data: bytes, charset: str | None) -> None:
    answer = answer_or_request_error(lambda: decode_text(data, charset))
    assert isinstance(answer, str) or answer.status == 422


@parsers
@given(st.binary(max_size=512))
def test_header_params(value: bytes) -> None:
    assert all(isinstance(k, bytes) for k in header_params(value))


BOUNDARY = "fuzzb"
FORM = ContentType.parse(f"multipart/form-data; boundary={BOUNDARY}")
LINE_BREAKS = [b"\r\n", b"\n", b"\r", b""]
HEADER_LINES = [
    b'Content-Disposition: form-data; name="X"; filename="x.csv"',
    b'Content-Disposition: form-data; name="X.colnames"',
    b"Content-Disposition: form-data; name=X",
    b'Content-Disposition: form-data; name="a\\"b"',
    b"Content-Disposition: form-data",
    b"Content-Type: text/csv; charset=latin-1",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: \xff",
]
BAD_HEADER_LINES = [b"no colon here", b": empty name", b'Content-Disposition: name="\xff"']


@st.composite
def multipart_bodies(draw: st.DrawFn) -> bytes:
    """A form of parts from the pieces above: well-formed (CRLF, good headers, closed) three
    times in four, so that the parts' contents are reached; else with any line breaks, bad
    header lines, maybe not closed and cut short."""
    sloppy = draw(st.integers(0, 3)) == 0
    breaks = st.sampled_from(LINE_BREAKS if sloppy else [b"\r\n"])
    headers = st.sampled_from(HEADER_LINES + (BAD_HEADER_LINES if sloppy else []))
    marker = b"--" + BOUNDARY.encode()
    out = draw(st.sampled_from([b"", b"preamble\r\n", b"\r\n"]))
    for _ in range(draw(st.integers(1, 4))):
        out += marker + draw(st.sampled_from([b"", b" \t"])) + draw(breaks)
        for header in draw(st.lists(headers, min_size=1, max_size=3)):
            out += header + draw(breaks)
        out += draw(breaks)
        out += draw(st.one_of(st.binary(max_size=64), st.sampled_from([b"YQ==", b"=41=", marker])))
        out += draw(breaks)
    if not sloppy or draw(st.booleans()):
        out += marker + b"--" + draw(breaks) + draw(st.sampled_from([b"", b"epilogue"]))
    if sloppy and draw(st.booleans()):
        out = out[: draw(st.integers(0, len(out)))]
    return out


def _check_form(answer: dict[str, FormFile] | Any) -> None:
    if isinstance(answer, dict):
        assert all(
            isinstance(part, FormFile) and part.name == name for name, part in answer.items()
        )
    else:
        assert answer.status == 400


@parsers
@given(
    st.one_of(st.binary(max_size=MAX_INPUT_BYTES), multipart_bodies()),
    st.sampled_from([None, ("X", "X.colnames"), ("y",)]),
)
def test_multipart(body: bytes, only: tuple[str, ...] | None) -> None:
    _check_form(answer_or_request_error(lambda: parse_multipart(body, FORM, only)))


@parsers
@given(multipart_bodies(), content_types)
def test_multipart_with_any_content_type(body: bytes, content_type: str) -> None:
    parsed = ContentType.parse(content_type)
    _check_form(answer_or_request_error(lambda: parse_multipart(body, parsed)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@parsers
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=4))
def test_dumps_is_always_strict_json(payload: dict[str, Any]) -> None:
    def strict(constant: str) -> float:
        raise AssertionError(f"{constant} in the answer: not JSON")

    decoded = json.loads(dumps(payload), parse_constant=strict)
    assert decoded.keys() == payload.keys()
    assert all(not isinstance(v, float) or math.isfinite(v) for v in decoded.values())
