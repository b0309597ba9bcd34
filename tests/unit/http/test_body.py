"""body.py: a request body read into memory as it arrives, within its limit and the body
budget, and every way it can fall short."""

from __future__ import annotations

import gc
import io

import psutil
import pytest

from drum_testing.http import body as body_module
from drum_testing.http.body import READ_CHUNK, BodyBuffer, read_limited
from drum_testing.http.budget import BodyBudget
from drum_testing.http.messages import BodyFault

# --- read_limited ---------------------------------------------------------------------------


class Reader:
    """A body stream that records how many bytes each read asked for."""

    def __init__(self, data: bytes, chunk: int | None = None) -> None:
        self._stream = io.BytesIO(data)
        self._chunk = chunk
        self.asked: list[int] = []

    def __call__(self, size: int) -> bytes:
        self.asked.append(size)
        return self._stream.read(size if self._chunk is None else min(size, self._chunk))


def must_not_read(size: int) -> bytes:
    pytest.fail(f"read({size}) called although the declared length is over the limit")


@pytest.mark.parametrize(("declared", "limit"), [(11, 10), (1, 0), (10**12, 100)])
def test_read_limited_declared_length_over_limit_reads_nothing(declared: int, limit: int) -> None:
    assert read_limited(must_not_read, BodyBuffer(declared, limit)) == (b"", BodyFault.TOO_LARGE)


@pytest.mark.parametrize(("size", "limit"), [(11, 10), (5000, 10), (1, 0)])
def test_read_limited_undeclared_length_over_limit(size: int, limit: int) -> None:
    reader = Reader(b"x" * size)
    assert read_limited(reader, BodyBuffer(None, limit)) == (b"", BodyFault.TOO_LARGE)
    # It reads one byte past the limit to tell, and no more.
    assert sum(reader.asked) == limit + 1


@pytest.mark.parametrize("declared", [None, 10])
def test_read_limited_exactly_at_limit(declared: int | None) -> None:
    body = b"0123456789"
    assert read_limited(Reader(body), BodyBuffer(declared, 10)) == (body, None)


@pytest.mark.parametrize("declared", [None, 7])
def test_read_limited_under_limit_in_small_chunks(declared: int | None) -> None:
    reader = Reader(b"abcdefg", chunk=2)
    assert read_limited(reader, BodyBuffer(declared, 100)) == (b"abcdefg", None)
    assert len(reader.asked) >= 4


def test_read_limited_reads_only_the_declared_length() -> None:
    reader = Reader(b"abcdefghij")
    assert read_limited(reader, BodyBuffer(4, 100)) == (b"abcd", None)
    assert reader.asked == [4]


def test_read_limited_body_shorter_than_declared_is_a_fault_not_a_short_body() -> None:
    # The client stopped sending: scoring what arrived would drop rows without a word.
    assert read_limited(Reader(b"abc"), BodyBuffer(10, 100)) == (b"", BodyFault.INCOMPLETE)


def test_a_read_that_times_out_is_a_timeout_fault() -> None:
    def stalls(size: int) -> bytes:
        raise TimeoutError("timed out")

    assert read_limited(stalls, BodyBuffer(10, 100)) == (b"", BodyFault.TIMED_OUT)


def test_a_read_that_fails_is_an_incomplete_body() -> None:
    def resets(size: int) -> bytes:
        raise ConnectionResetError

    assert read_limited(resets, BodyBuffer(10, 100)) == (b"", BodyFault.INCOMPLETE)


def test_faults_carry_their_status() -> None:
    assert {f: f.value for f in BodyFault} == {
        BodyFault.TOO_LARGE: 413,
        BodyFault.INCOMPLETE: 400,
        BodyFault.TIMED_OUT: 408,
        BodyFault.OVER_BUDGET: 503,
    }


def test_read_limited_empty_body() -> None:
    assert read_limited(Reader(b""), BodyBuffer(0, 10)) == (b"", None)


def test_a_declared_body_is_read_in_place_in_reads_of_at_most_a_mebibyte() -> None:
    data = bytes(range(256)) * (5 * READ_CHUNK // 256 + 3)
    reader = Reader(data, chunk=70_000)
    body, fault = read_limited(reader, BodyBuffer(len(data), len(data)))
    assert (body, fault) == (data, None)
    assert isinstance(body, bytearray)  # the buffer itself, not a copy as bytes
    assert max(reader.asked) == READ_CHUNK


def test_an_undeclared_body_past_the_limit_is_dropped() -> None:
    buffer = BodyBuffer(None, 5)
    for chunk in (b"abc", b"def"):
        buffer.feed(chunk)
    assert buffer.wanted == 0
    assert buffer.result() == (b"", BodyFault.TOO_LARGE)


# --- memory: what arrived, never what was declared -----------------------------------------

MIB = 1 << 20


def resident() -> int:
    return int(psutil.Process().memory_info().rss)


def test_a_body_holds_what_arrived_not_its_declared_length() -> None:
    before = resident()
    buffer = BodyBuffer(200 * MIB, 200 * MIB)
    buffer.feed(b"x" * 1024)
    grown = resident() - before
    assert buffer.held == 1024
    # Not the 200 MiB declared (the buffer was zero-filled at it, every page resident);
    # the bound leaves room for whatever else this test process allocates meanwhile.
    assert grown < 50 * MIB, f"{grown / MIB:.0f} MiB"


def test_without_address_space_for_the_declared_length_the_body_grows_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(buffer: bytearray, size: int) -> int:
        if size:
            raise MemoryError
        return 0

    monkeypatch.setattr(body_module, "_resize", refused)
    buffer = BodyBuffer(7, 100)
    feed_all(buffer, b"abcdefg", 3)
    assert buffer.result() == (b"abcdefg", None)


def test_the_unwritten_rest_of_a_declared_body_is_never_handed_out() -> None:
    buffer = BodyBuffer(10, 100)
    buffer.feed(b"abcd")
    buffer.feed(b"")  # the stream ended
    assert buffer.result() == (b"", BodyFault.INCOMPLETE)


def test_a_body_fed_in_chunks_is_whole_and_a_bytearray() -> None:
    data = bytes(range(256)) * 4096 * 3  # 3 MiB
    buffer = BodyBuffer(len(data), len(data))
    for start in range(0, len(data), 65536):
        buffer.feed(data[start : start + 65536])
    body, fault = buffer.result()
    assert (body, fault) == (data, None)
    assert isinstance(body, bytearray)


# --- the body budget --------------------------------------------------------------------------


def feed_all(buffer: BodyBuffer, data: bytes, chunk: int) -> None:
    for start in range(0, len(data), chunk):
        buffer.feed(data[start : start + chunk])


def test_every_byte_stored_is_taken_from_the_budget_and_given_back_at_release() -> None:
    budget = BodyBudget(100)
    buffer = BodyBuffer(10, 1000, budget)
    buffer.feed(b"abc")
    assert budget.held == 3
    buffer.feed(b"defghij")
    assert buffer.result() == (b"abcdefghij", None)
    assert budget.held == 10
    buffer.release()
    assert budget.held == 0
    buffer.release()  # only the first call gives back
    assert budget.held == 0


def test_a_declared_length_over_what_is_free_is_refused_unread() -> None:
    budget = BodyBudget(100)
    assert budget.take(60)
    assert read_limited(must_not_read, BodyBuffer(41, 1000, budget)) == (
        b"",
        BodyFault.OVER_BUDGET,
    )
    assert budget.held == 60
    # What is free is enough: admitted.
    assert read_limited(Reader(b"x" * 40), BodyBuffer(40, 1000, budget))[1] is None


def test_the_limit_is_answered_before_the_budget() -> None:
    # 413 says "never", 503 "not now": a body over the limit must not be told to retry.
    budget = BodyBudget(100)
    assert budget.take(100)
    assert BodyBuffer(1001, 1000, budget).fault is BodyFault.TOO_LARGE


def test_a_body_admitted_earlier_is_refused_mid_read_when_others_grew() -> None:
    budget = BodyBudget(10)
    first, second = BodyBuffer(8, 100, budget), BodyBuffer(6, 100, budget)
    first.feed(b"abc")
    second.feed(b"123456")  # admitted when 7 were free: it holds only what it sent
    assert budget.held == 9
    first.feed(b"de")  # would make 11
    assert first.wanted == 0
    assert first.result() == (b"", BodyFault.OVER_BUDGET)
    assert budget.held == 6  # what the refused body held is given back at once
    assert second.result() == (b"123456", None)
    second.release()
    assert budget.held == 0


def test_a_chunked_body_is_refused_when_its_next_chunk_does_not_fit() -> None:
    budget = BodyBudget(16)
    buffer = BodyBuffer(None, 1000, budget)
    assert buffer.fault is None  # no length: nothing to admit it on
    feed_all(buffer, b"x" * 20, 4)
    assert buffer.result() == (b"", BodyFault.OVER_BUDGET)
    assert budget.held == 0


def test_the_budget_is_never_passed_even_by_one_chunk() -> None:
    budget = BodyBudget(10)
    buffer = BodyBuffer(None, 1000, budget)
    buffer.feed(b"x" * 8)
    buffer.feed(b"x" * 3)
    assert budget.held == 0
    assert buffer.fault is BodyFault.OVER_BUDGET


@pytest.mark.parametrize(
    ("reader", "fault"),
    [
        (Reader(b"abc"), BodyFault.INCOMPLETE),  # ended early
        (Reader(b"x" * 50), BodyFault.TOO_LARGE),  # chunked, past the limit
    ],
)
def test_a_faulty_body_gives_back_what_it_held(reader: Reader, fault: BodyFault) -> None:
    budget = BodyBudget(1000)
    declared = 10 if fault is BodyFault.INCOMPLETE else None
    assert read_limited(reader, BodyBuffer(declared, 20, budget)) == (b"", fault)
    assert budget.held == 0


def test_a_stream_that_fails_mid_body_gives_back_what_it_held() -> None:
    budget = BodyBudget(1000)
    chunks = [b"abcd"]

    def stalls_after_a_chunk(size: int) -> bytes:
        if not chunks:
            raise TimeoutError("timed out")
        return chunks.pop()

    assert read_limited(stalls_after_a_chunk, BodyBuffer(10, 100, budget)) == (
        b"",
        BodyFault.TIMED_OUT,
    )
    assert budget.held == 0


def test_a_buffer_dropped_without_release_gives_back_what_it_held() -> None:
    # The last guard against a leak: an answer path that forgot release() (or a server that
    # never closed a stream) still returns its bytes when the buffer is collected.
    budget = BodyBudget(100)
    buffer = BodyBuffer(10, 100, budget)
    buffer.feed(b"abcdefghij")
    assert budget.held == 10
    del buffer
    gc.collect()
    assert budget.held == 0
