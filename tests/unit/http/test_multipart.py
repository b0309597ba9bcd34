"""multipart.py: python-multipart's parser behind parse_multipart, as DRUM reads forms."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drum_testing.http.content_type import ContentType
from drum_testing.http.errors import RequestError
from drum_testing.http.multipart import parse_multipart

BOUNDARY = "b0undary"
FORM = ContentType.parse(f"multipart/form-data; boundary={BOUNDARY}")


def part(name: str, data: bytes, *headers: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    lines = [f"--{BOUNDARY}", f"Content-Disposition: {disposition}", *headers, "", ""]
    return "\r\n".join(lines).encode() + data + b"\r\n"


def form(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_the_first_part_of_a_name_wins_as_in_drum() -> None:
    body = form(part("X", b"a\n1\n", filename="first.csv"), part("X", b"b\n2\n"))
    x = parse_multipart(body, FORM)["X"]
    assert (x.data, x.filename) == (b"a\n1\n", "first.csv")


def test_each_part_keeps_its_own_content_type_and_charset() -> None:
    body = form(part("X", b"a\n", "Content-Type: text/csv; charset=latin-1", filename="x.csv"))
    x = parse_multipart(body, FORM)["X"]
    assert (x.content_type.mimetype, x.content_type.charset) == ("text/csv", "latin-1")


def test_a_bytearray_body_is_read_as_it_is() -> None:
    body = bytearray(form(part("X", b"a\n1\n")))
    assert parse_multipart(body, FORM)["X"].data == b"a\n1\n"


def test_base64_and_quoted_printable_parts_are_decoded() -> None:
    body = form(
        part("X", base64.b64encode(b"a\n1\n"), "Content-Transfer-Encoding: base64"),
        part("Y", b"caf=C3=A9", "Content-Transfer-Encoding: quoted-printable"),
    )
    files = parse_multipart(body, FORM)
    assert (files["X"].data, files["Y"].data) == (b"a\n1\n", "café".encode())


def test_bad_base64_is_a_400() -> None:
    body = form(part("X", b"not base64!", "Content-Transfer-Encoding: base64"))
    with pytest.raises(RequestError) as caught:
        parse_multipart(body, FORM)
    assert caught.value.status == 400


def test_unnamed_parts_are_skipped() -> None:
    body = form(b"--" + BOUNDARY.encode() + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n")
    assert parse_multipart(body, FORM) == {}


def test_many_tiny_parts_all_arrive() -> None:
    body = form(*(part(f"f{i}", b"x") for i in range(5000)))
    files = parse_multipart(body, FORM)
    assert len(files) == 5000
    assert files["f4999"].data == b"x"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["X", "Y", "", 'q"uote']),
            st.binary(max_size=40),
            st.sampled_from([None, "data.csv", ""]),
        ),
        max_size=4,
    ),
    st.binary(max_size=40),
    st.integers(min_value=0, max_value=400),
)
def test_any_body_is_parts_or_a_400_never_another_error(
    parts: list[tuple[str, bytes, str | None]], noise: bytes, cut: int
) -> None:
    body = form(*(part(n, d, filename=f) for n, d, f in parts))
    refusals = []
    for candidate in (body, body[:cut], noise, body[:cut] + noise):
        try:
            files = parse_multipart(candidate, FORM)
        except RequestError as exc:
            refusals.append(exc.status)
        else:
            assert all(isinstance(f.data, bytes) for f in files.values())
    assert set(refusals) <= {400}


def test_only_keeps_just_the_named_parts() -> None:
    body = form(part("Y", b"y"), part("X", b"a\n1\n"), part("X", b"second"), part("Z", b"z"))
    assert list(parse_multipart(body, FORM, only=("X",))) == ["X"]
    assert parse_multipart(body, FORM, only=("X",))["X"].data == b"a\n1\n"


def test_only_still_refuses_a_form_that_never_closes() -> None:
    with pytest.raises(RequestError):
        parse_multipart(form(part("Y", b"y"))[:-12], FORM, only=("X",))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["X", "X.colnames", "Y", ""]), st.binary(max_size=20)),
        min_size=1,
        max_size=5,
    )
)
def test_only_finds_what_the_full_parse_finds(parts: list[tuple[str, bytes]]) -> None:
    body = form(*(part(n, d) for n, d in parts))
    full = parse_multipart(body, FORM)
    wanted = ("X", "X.colnames")
    assert parse_multipart(body, FORM, only=wanted) == {
        k: v for k, v in full.items() if k in wanted
    }
