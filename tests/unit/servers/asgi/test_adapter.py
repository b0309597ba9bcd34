"""The ASGI adapter, :class:`CoreEndpoint`, called with ASGI messages: how it reads a body
within the core's body budget, and gives the budget back however the request ends.

The WSGI adapter's twin tests are in tests/unit/servers/wsgi/test_adapter.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.model.model import Model
from drum_testing.servers.asgi.adapter import CoreEndpoint
from tests.helpers.models import MODELS, settings_for

CSV = b"a,b\n1,2\n3,4\n"
Message = MutableMapping[str, Any]


def endpoint(
    model: str = "regression", target: str = "regression", **overrides: Any
) -> CoreEndpoint:
    settings = settings_for(
        MODELS / model,
        TargetType(target),
        max_body_bytes=1024,
        body_budget_bytes=1024,
        **overrides,
    )
    return CoreEndpoint(PredictionCore(settings, Model.load(settings), server_type="fastapi"))


def scope(path: str, length: int | None, content_type: bytes = b"text/csv") -> dict[str, Any]:
    headers = [(b"content-type", content_type)]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
    }


def receiver(parts: list[Message], then: Callable[[], Awaitable[Message]] | None = None) -> Any:
    """``receive``: ``parts`` in turn, then ``then()`` (default: wait for ever, as a client that
    neither sends nor leaves)."""
    queue = list(parts)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return receive


def run(app: CoreEndpoint, scope: dict[str, Any], receive: Any) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    return sent


def answer(sent: list[Message]) -> tuple[int, dict[bytes, bytes], bytes]:
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


def body(data: bytes, more: bool = False) -> Message:
    return {"type": "http.request", "body": data, "more_body": more}


@pytest.mark.parametrize(
    ("parts", "length", "status"),
    [
        ([body(CSV[:5], more=True), body(CSV[5:])], len(CSV), 200),
        ([body(b"fail\n1\n")], 7, 500),  # the model raised
        ([body(b"a,b\n\xff\xfe\n")], 7, 422),
        ([body(CSV)], 100, 400),  # shorter than its Content-Length
        ([body(CSV * 100, more=True), body(b"")], None, 413),  # chunked, over the limit
    ],
)
def test_the_budget_is_given_back_after_an_answer(
    parts: list[Message], length: int | None, status: int
) -> None:
    app = endpoint()
    sent = run(app, scope("/predict/", length), receiver(parts))
    assert answer(sent)[0] == status
    assert app.core.body_budget.held == 0


def test_a_body_over_what_is_free_is_503_with_retry_after_and_never_read() -> None:
    app = endpoint()
    budget = app.core.body_budget
    assert budget.take(1020)  # other bodies, being read: 4 bytes free

    async def must_not_receive() -> Message:
        raise AssertionError("the body was read although it cannot fit")

    status, headers, text = answer(run(app, scope("/predict/", len(CSV)), must_not_receive))
    assert status == 503
    assert headers[b"retry-after"] == b"1"
    assert "retry after 1 s" in json.loads(text)["message"]
    assert budget.held == 1020
    budget.give(1020)


def test_a_chunked_body_that_outgrows_what_is_free_is_503_mid_read() -> None:
    app = endpoint()
    budget = app.core.body_budget
    assert budget.take(1000)
    parts = [body(b"x" * 16, more=True) for _ in range(3)]  # the second does not fit
    status, headers, _ = answer(run(app, scope("/predict/", None), receiver(parts)))
    assert (status, headers[b"retry-after"]) == (503, b"1")
    assert budget.held == 1000
    budget.give(1000)


def test_a_client_that_leaves_mid_body_gives_the_body_back() -> None:
    app = endpoint()

    async def gone() -> Message:
        return {"type": "http.disconnect"}

    sent = run(app, scope("/predict/", 100), receiver([body(b"x" * 40, more=True)], gone))
    assert sent == []  # nobody to answer
    assert app.core.body_budget.held == 0


def test_a_stalled_body_times_out_and_gives_the_body_back() -> None:
    app = endpoint(read_timeout=0.05)
    sent = run(app, scope("/predict/", 100), receiver([body(b"x" * 40, more=True)]))
    assert answer(sent)[0] == 408
    assert app.core.body_budget.held == 0


def test_a_streamed_answer_holds_its_body_until_it_is_sent(tmp_path: Path) -> None:
    app = endpoint("chat", "textgeneration")
    closed = tmp_path / "closed"
    request = {
        "messages": [{"role": "user", "content": "abcdef"}],
        "stream": True,
        "closed_file": str(closed),
    }
    data = json.dumps(request).encode()
    held_while_streaming: list[int] = []
    sent: list[Message] = []

    async def send(message: Message) -> None:
        if message.get("more_body"):
            held_while_streaming.append(app.core.body_budget.held)
        sent.append(message)

    async def scenario() -> None:
        await app(
            scope("/chat/completions", len(data), b"application/json"), receiver([body(data)]), send
        )

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert sent[-1] == {"type": "http.response.body", "body": b""}
    assert held_while_streaming
    assert set(held_while_streaming) == {len(data)}
    assert app.core.body_budget.held == 0
