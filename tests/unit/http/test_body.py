"""body.py: a request body read into memory within its limit, and every way it can fall short."""

from __future__ import annotations

import io

import pytest

from drum_testing.http.body import READ_CHUNK, BodyBuffer, read_limited
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
    assert read_limited(must_not_read, declared, limit) == (b"", BodyFault.TOO_LARGE)


@pytest.mark.parametrize(("size", "limit"), [(11, 10), (5000, 10), (1, 0)])
def test_read_limited_undeclared_length_over_limit(size: int, limit: int) -> None:
    reader = Reader(b"x" * size)
    assert read_limited(reader, None, limit) == (b"", BodyFault.TOO_LARGE)
    # It reads one byte past the limit to tell, and no more.
    assert sum(reader.asked) == limit + 1


@pytest.mark.parametrize("declared", [None, 10])
def test_read_limited_exactly_at_limit(declared: int | None) -> None:
    body = b"0123456789"
    assert read_limited(Reader(body), declared, 10) == (body, None)


@pytest.mark.parametrize("declared", [None, 7])
def test_read_limited_under_limit_in_small_chunks(declared: int | None) -> None:
    reader = Reader(b"abcdefg", chunk=2)
    assert read_limited(reader, declared, 100) == (b"abcdefg", None)
    assert len(reader.asked) >= 4


def test_read_limited_reads_only_the_declared_length() -> None:
    reader = Reader(b"abcdefghij")
    assert read_limited(reader, 4, 100) == (b"abcd", None)
    assert reader.asked == [4]


def test_read_limited_body_shorter_than_declared_is_a_fault_not_a_short_body() -> None:
    # The client stopped sending: scoring what arrived would drop rows without a word.
    assert read_limited(Reader(b"abc"), 10, 100) == (b"", BodyFault.INCOMPLETE)


def test_a_read_that_times_out_is_a_timeout_fault() -> None:
    def stalls(size: int) -> bytes:
        raise TimeoutError("timed out")

    assert read_limited(stalls, 10, 100) == (b"", BodyFault.TIMED_OUT)


def test_a_read_that_fails_is_an_incomplete_body() -> None:
    def resets(size: int) -> bytes:
        raise ConnectionResetError

    assert read_limited(resets, 10, 100) == (b"", BodyFault.INCOMPLETE)


def test_faults_carry_their_status() -> None:
    assert {f: f.value for f in BodyFault} == {
        BodyFault.TOO_LARGE: 413,
        BodyFault.INCOMPLETE: 400,
        BodyFault.TIMED_OUT: 408,
    }


def test_read_limited_empty_body() -> None:
    assert read_limited(Reader(b""), 0, 10) == (b"", None)


def test_a_declared_body_is_read_in_place_in_reads_of_at_most_a_mebibyte() -> None:
    data = bytes(range(256)) * (5 * READ_CHUNK // 256 + 3)
    reader = Reader(data, chunk=70_000)
    body, fault = read_limited(reader, len(data), len(data))
    assert (body, fault) == (data, None)
    assert isinstance(body, bytearray)  # the buffer itself, not a copy as bytes
    assert max(reader.asked) == READ_CHUNK


def test_an_undeclared_body_past_the_limit_is_dropped() -> None:
    buffer = BodyBuffer(None, 5)
    for chunk in (b"abc", b"def"):
        buffer.feed(chunk)
    assert buffer.wanted == 0
    assert buffer.result() == (b"", BodyFault.TOO_LARGE)
