"""Chat: /chat/completions, streamed and not, and /models."""

from __future__ import annotations

from tests.contract.bodies import (
    CSV,
    TEXT_CSV,
)
from tests.contract.case import Case

CASES: tuple[Case, ...] = (
    # --- chat
    Case(
        "chat",
        "chat",
        "POST",
        "/v1/chat/completions",
        200,
        body=b'{"messages": [{"role": "user", "content": "abc"}]}',
        headers={"Content-Type": "application/json"},
    ),
    Case(
        "chat streamed",
        "chat",
        "POST",
        "/chat/completions",
        200,
        body=b'{"stream": true, "messages": [{"role": "user", "content": "ab"}]}',
        headers={"Content-Type": "application/json"},
        content_type="text/event-stream; charset=utf-8",
    ),
    Case("chat models", "chat", "GET", "/v1/models", 200),
    # A chat model needs no score hook; text generation is served at /predictUnstructured/.
    Case(
        "chat only",
        "chat_only",
        "POST",
        "/chat/completions",
        200,
        body=b'{"messages": [{"role": "user", "content": "abc"}]}',
        headers={"Content-Type": "application/json"},
        json={
            "object": "chat.completion",
            "model": "chat-only-fixture",
            "choices": [{"message": {"role": "assistant", "content": "ABC"}}],
        },
    ),
    Case(
        "textgeneration unstructured",
        "chat_only",
        "POST",
        "/predictUnstructured/",
        200,
        body=b"hi",
        headers={"Content-Type": "text/plain"},
        content_type="text/plain; charset=utf-8",
    ),
    Case(
        "422 textgeneration without score_unstructured",
        "chat",
        "POST",
        "/predictUnstructured/",
        422,
        body=b"hi",
        headers={"Content-Type": "text/plain"},
        message="score_unstructured",
    ),
    Case(
        "422 chat only predict",
        "chat_only",
        "POST",
        "/predict/",
        422,
        body=CSV,
        headers=TEXT_CSV,
        message="needs a score hook",
    ),
)
