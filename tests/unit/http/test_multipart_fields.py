"""multipart.py: well-formed forms, parts with and without file names, and what is a 400."""

from __future__ import annotations

import pytest

from drum_testing.http.content_type import ContentType
from drum_testing.http.errors import RequestError
from drum_testing.http.multipart import parse_multipart
from drum_testing.payloads.csv_input import read_csv

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
