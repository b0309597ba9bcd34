"""ScopedStream: a streamed answer's chunks made in the scope of their request."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator

import pytest

from drum_testing.telemetry.context import RequestScope, current
from drum_testing.telemetry.stream import ScopedStream


def chunks(seen: list[str | None], count: int = 3, fail_at: int | None = None) -> Iterator[bytes]:
    for index in range(count):
        scope = current()
        seen.append(scope.request_id if scope else None)
        if index == fail_at:
            raise RuntimeError("the model failed mid-stream")
        yield b"ab"


def test_each_chunk_is_made_in_the_scope_even_on_another_thread() -> None:
    seen: list[str | None] = []
    ends: list[int] = []
    stream = ScopedStream(chunks(seen), RequestScope("r-1"), ends.append)
    got: list[bytes] = []
    # A fresh context, as a server's thread pool gives: the scope is not current there.
    thread = threading.Thread(target=contextvars.Context().run, args=(lambda: got.extend(stream),))
    thread.start()
    thread.join(timeout=10)
    assert got == [b"ab"] * 3
    assert seen == ["r-1"] * 3
    assert ends == [6]
    assert current() is None


def test_the_end_is_told_once_with_the_bytes_sent_when_closed_early() -> None:
    seen: list[str | None] = []
    ends: list[int] = []
    in_scope: list[str | None] = []

    def ended(sent: int) -> None:
        scope = current()
        in_scope.append(scope.request_id if scope else None)
        ends.append(sent)

    stream = ScopedStream(chunks(seen, count=10), RequestScope("r-2"), ended)
    assert next(stream) == b"ab"
    stream.close()
    stream.close()
    assert ends == [2]
    assert in_scope == ["r-2"]
    assert seen == ["r-2"]  # the generator was stopped, not run on


def test_a_failing_stream_ends_too() -> None:
    ends: list[int] = []
    stream = ScopedStream(chunks([], fail_at=1), RequestScope("r-3"), ends.append)
    with pytest.raises(RuntimeError, match="mid-stream"):
        list(stream)
    assert ends == [2]


def test_a_list_body_needs_no_close_of_its_own() -> None:
    ends: list[int] = []
    stream = ScopedStream([b"a", b"bc"], None, ends.append)
    assert list(stream) == [b"a", b"bc"]
    stream.close()
    assert ends == [3]
