"""Reading a chat request's body."""

from __future__ import annotations

import pytest

from drum_testing.http.errors import RequestError
from drum_testing.payloads.chat import read_chat_request


def test_a_json_object_is_the_parameters() -> None:
    assert read_chat_request(bytearray(b'{"model": "m", "messages": []}')) == {
        "model": "m",
        "messages": [],
    }


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{", "not valid JSON"),
        (b"\xff\xfe\xff", "not valid JSON"),
        (b"[1]", "must be a JSON object"),
        # Deeper than the recursion limit: json.loads raised RecursionError, a 500 (nox -s fuzz).
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a":' * 100_000, "nested too deeply"),
    ],
)
def test_anything_else_is_a_400(body: bytes, words: str) -> None:
    with pytest.raises(RequestError) as caught:
        read_chat_request(body)
    assert caught.value.status == 400
    assert caught.value.message.startswith("ERROR: the chat request ")
    assert words in caught.value.message
