"""Requests to the core in the test process, and what an error answer must look like."""

from __future__ import annotations

from werkzeug.test import TestResponse


def message(response: TestResponse) -> str:
    assert response.content_type == "application/json", response.data
    body = response.get_json()
    assert isinstance(body, dict)
    text = body["message"]
    assert isinstance(text, str)
    return text


def assert_error(response: TestResponse, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.data
    text = message(response)
    assert text.startswith("ERROR: ")
    for fragment in fragments:
        assert fragment in text
