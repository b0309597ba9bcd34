"""StdoutFlusher: flushes after activity (also under steady traffic), once more on stop."""

from __future__ import annotations

import io
import threading

import pytest

from drum_testing.servers.flusher import StdoutFlusher
from tests.helpers.waiting import wait_for

DEADLINE = 10.0
"""How long a test waits for the thread to act before calling it broken (never a target)."""


class RecordingStream(io.StringIO):
    """A stream that counts flushes and lets a test wait for the next one."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0
        self.flushed = threading.Event()

    def flush(self) -> None:
        super().flush()
        self.flushes += 1
        self.flushed.set()


@pytest.fixture
def stream() -> RecordingStream:
    return RecordingStream()


def test_a_tick_after_activity_flushes_and_an_idle_tick_does_nothing(
    stream: RecordingStream,
) -> None:
    flusher = StdoutFlusher(1.0, stream=stream)
    assert flusher.tick() is False
    flusher.mark_activity()
    assert flusher.tick() is True
    assert stream.flushes == 1
    assert flusher.tick() is False
    assert stream.flushes == 1


def test_steady_traffic_does_not_hold_output_back(stream: RecordingStream) -> None:
    # DRUM's flusher waits for an idle gap; with a request before every tick it never flushed.
    flusher = StdoutFlusher(1.0, stream=stream)
    for _ in range(5):
        flusher.mark_activity()
        assert flusher.tick() is True
    assert stream.flushes == 5


def test_activity_is_stamped_with_the_given_monotonic_clock(stream: RecordingStream) -> None:
    readings = iter([10.0, 12.5])
    flusher = StdoutFlusher(1.0, stream=stream, clock=lambda: next(readings))
    assert flusher.last_activity is None
    flusher.mark_activity()
    flusher.mark_activity()
    assert flusher.last_activity == 12.5


def test_the_thread_flushes_printed_output_after_activity(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(0.02, stream=stream)
    assert flusher.start() is True
    try:
        stream.write("printed by the model\n")
        flusher.mark_activity()
        assert stream.flushed.wait(DEADLINE), "the flusher thread never flushed"
        assert stream.getvalue() == "printed by the model\n"
    finally:
        flusher.stop()


def test_the_thread_keeps_flushing_while_requests_keep_coming(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(0.01, stream=stream)
    flusher.start()
    try:
        for _ in range(3):
            stream.flushed.clear()
            flusher.mark_activity()
            assert stream.flushed.wait(DEADLINE)
    finally:
        flusher.stop()
    assert stream.flushes >= 4  # three under traffic and the final one


def test_an_idle_thread_never_flushes(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(0.01, stream=stream)
    flusher.start()
    wait_for(lambda: flusher.ticks >= 5, what="five ticks of the flusher thread")
    assert stream.flushes == 0
    flusher.stop()
    assert stream.flushes == 1  # only the final flush


def test_stop_flushes_once_more_and_ends_the_thread(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(60.0, stream=stream)
    flusher.start()
    assert flusher.running
    flusher.stop()
    assert stream.flushes == 1
    assert not flusher.thread.is_alive()
    assert not flusher.running


def test_stop_is_idempotent_and_works_from_another_thread(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(60.0, stream=stream)
    flusher.start()
    stopper = threading.Thread(target=flusher.stop)
    stopper.start()
    stopper.join(DEADLINE)
    assert not flusher.thread.is_alive()
    flusher.stop()
    assert stream.flushes == 1  # the final flush happened once


def test_start_starts_the_thread_once(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(60.0, stream=stream)
    assert flusher.start() is True
    thread = flusher.thread
    assert flusher.start() is False
    assert flusher.thread is thread
    flusher.stop()
    assert flusher.start() is False  # a stopped flusher is not restarted


def test_the_thread_is_a_daemon_named_stdout_flusher() -> None:
    flusher = StdoutFlusher()
    assert flusher.thread.daemon
    assert flusher.thread.name == "StdoutFlusher"


def test_stop_without_start_still_flushes(stream: RecordingStream) -> None:
    flusher = StdoutFlusher(stream=stream)
    flusher.stop()
    assert stream.flushes == 1


def test_a_closed_stream_is_not_an_error() -> None:
    closed = io.StringIO()
    closed.close()
    flusher = StdoutFlusher(stream=closed)
    flusher.mark_activity()
    assert flusher.tick() is True


@pytest.mark.parametrize("interval", [0, -1.0])
def test_the_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        StdoutFlusher(interval)


def test_the_loop_ends_with_a_final_flush_once_keep_running_says_no(
    stream: RecordingStream,
) -> None:
    running = threading.Event()
    running.set()
    flusher = StdoutFlusher(0.01, stream=stream, keep_running=running.is_set)
    flusher.start()
    try:
        wait_for(lambda: flusher.ticks >= 2, what="the flusher thread to tick")
        assert flusher.thread.is_alive()
        running.clear()  # the worker context stopped running
        flusher.thread.join(DEADLINE)
        assert not flusher.thread.is_alive()
        assert stream.flushes == 1  # the loop's final flush, with no activity before it
    finally:
        flusher.stop()
    assert stream.flushes == 1  # stop() after the loop ended does not flush again
