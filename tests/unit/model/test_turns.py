"""ModelTurns: at most N holders at once; a streamed answer holds its turn until it ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from drum_testing.model.turns import ModelTurns
from drum_testing.payloads.chat import sse_stream

WAIT = 5.0
"""The deadline of a wait that must succeed."""
NOT_YET = 0.2
"""How long a wait that must not succeed is given before the test moves on."""


def taker(turns: ModelTurns, got: threading.Event, release: threading.Event) -> threading.Thread:
    def run() -> None:
        with turns.take():
            got.set()
            release.wait(WAIT)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_at_most_concurrency_holders(concurrency: int) -> None:
    turns = ModelTurns(concurrency)
    release = threading.Event()
    holders = [threading.Event() for _ in range(concurrency)]
    threads = [taker(turns, got, release) for got in holders]
    assert all(got.wait(WAIT) for got in holders)
    late = threading.Event()
    threads.append(taker(turns, late, release))
    assert not late.wait(NOT_YET)  # every turn is taken
    release.set()
    assert late.wait(WAIT)
    for thread in threads:
        thread.join(WAIT)


def test_a_streamed_answer_holds_the_turn_until_it_is_exhausted() -> None:
    turns = ModelTurns(1)
    stream = turns.hold_while(lambda: iter([1, 2]))
    assert not turns._slots.acquire(blocking=False)
    assert list(stream) == [1, 2]
    assert turns._slots.acquire(blocking=False)  # given back, once
    turns._slots.release()


def test_closing_a_stream_closes_the_models_generator_and_gives_the_turn_back() -> None:
    turns = ModelTurns(1)
    closed = threading.Event()

    def generate() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            closed.set()

    events = sse_stream(turns.hold_while(lambda: ({"n": n} for n in generate())))
    assert next(events) == b'data: {"n":0}\n\n'
    events.close()  # what a server does when the client left
    assert turns._slots.acquire(blocking=False)
    turns._slots.release()


def test_a_hook_that_raises_gives_the_turn_back() -> None:
    turns = ModelTurns(1)

    def fail() -> None:
        raise RuntimeError("model failed")

    with pytest.raises(RuntimeError):
        turns.hold_while(fail)
    with pytest.raises(RuntimeError), turns.take():
        raise RuntimeError("model failed")
    assert turns._slots.acquire(blocking=False)


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ModelTurns(0)
