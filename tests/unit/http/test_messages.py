"""messages.py: headers, the request's query, reading a body within a limit, status lines."""

from __future__ import annotations

import json

import pytest

from drum_testing.http.messages import (
    Headers,
    Request,
    Response,
    error_response,
    status_line,
)

# --- Headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Content-Type", "content-type", "CONTENT-TYPE", "cOnTeNt-TyPe"])
def test_headers_are_case_insensitive(name: str) -> None:
    headers = Headers([("Content-Type", "text/csv")])
    assert headers[name] == "text/csv"
    assert headers.get(name) == "text/csv"
    assert name in headers


def test_headers_join_repeated_names_in_order() -> None:
    headers = Headers([("Accept", "text/csv"), ("X-Other", "1"), ("accept", "application/json")])
    assert headers["ACCEPT"] == "text/csv, application/json"
    assert len(headers) == 2
    assert list(headers) == ["accept", "x-other"]


def test_headers_missing_name() -> None:
    headers = Headers([("X-One", "1")])
    assert headers.get("x-two") is None
    assert "X-Two" not in headers
    not_a_name: object = 1
    assert not_a_name not in headers
    with pytest.raises(KeyError):
        headers["x-two"]


def test_headers_empty_by_default() -> None:
    assert dict(Headers()) == {}


# --- Request --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        ("", {}),
        ("mode=upper", {"mode": "upper"}),
        ("a=1&a=2&a=3", {"a": "1"}),
        ("a=1&b=&a=2", {"a": "1", "b": ""}),
        ("text=x%20y&plus=a+b&amp=%26", {"text": "x y", "plus": "a b", "amp": "&"}),
        ("flag", {"flag": ""}),
    ],
)
def test_request_query_takes_first_value(query_string: str, expected: dict[str, str]) -> None:
    assert Request("GET", "/", query_string=query_string).query == expected


def test_request_content_type_from_headers() -> None:
    request = Request("POST", "/", headers=Headers([("content-TYPE", "Text/CSV; charset=latin-1")]))
    assert (request.content_type.mimetype, request.content_type.charset) == ("text/csv", "latin-1")


def test_request_without_content_type() -> None:
    assert Request("POST", "/").content_type.mimetype == ""


# --- status lines and responses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (513, "513 Model Load Error"),
        (200, "200 OK"),
        (308, "308 Permanent Redirect"),
        (413, "413 Payload Too Large"),
        (422, "422 Unprocessable Entity"),
        (599, "599 Unknown"),
    ],
)
def test_status_line(status: int, line: str) -> None:
    assert status_line(status) == line


@pytest.mark.parametrize("message", ["no data", "ERROR: no data"])
def test_error_response_prefixes_once(message: str) -> None:
    response = error_response(422, message)
    assert response.status == 422
    assert response.header("content-type") == "application/json"
    assert isinstance(response.body, bytes)
    assert json.loads(response.body) == {"message": "ERROR: no data"}


def test_response_header_lookup() -> None:
    whole = Response(200, [("X-A", "1")], b"body")
    assert (whole.header("x-a"), whole.header("x-b")) == ("1", None)
