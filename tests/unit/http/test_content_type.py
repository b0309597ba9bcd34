"""content_type.py: Content-Type headers as the standard library's MIME rules read them."""

from __future__ import annotations

import pytest

from drum_testing.http.content_type import ContentType


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
