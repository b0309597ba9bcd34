"""WorkerCtx: stop in order, cleanup in reverse order, failures logged, threads owned."""

from __future__ import annotations

import logging
import threading

import pytest

from drum_testing.servers.worker_ctx import WorkerCtx

DEADLINE = 10.0


def test_running_is_true_only_between_start_and_stop() -> None:
    ctx = WorkerCtx()
    assert not ctx.running()
    ctx.start()
    assert ctx.running()
    ctx.stop()
    assert not ctx.running()
    ctx.start()  # a stopped context does not come back
    assert not ctx.running()


def test_stop_runs_lowest_order_first_and_ties_in_registration_order() -> None:
    ctx = WorkerCtx()
    calls: list[str] = []
    ctx.defer_stop(lambda: calls.append("b20"), order=20)
    ctx.defer_stop(lambda: calls.append("a10"), order=10)
    ctx.defer_stop(lambda: calls.append("c20"), order=20)
    ctx.defer_stop(lambda: calls.append("d-5"), order=-5)
    ctx.start()
    ctx.stop()
    assert calls == ["d-5", "a10", "b20", "c20"]


def test_cleanup_runs_highest_order_first_and_ties_in_reverse_registration() -> None:
    ctx = WorkerCtx()
    calls: list[str] = []
    ctx.defer_cleanup(lambda: calls.append("a10"), order=10)
    ctx.defer_cleanup(lambda: calls.append("b50"), order=50)
    ctx.defer_cleanup(lambda: calls.append("c10"), order=10)
    ctx.start()
    ctx.cleanup()
    assert calls == ["b50", "c10", "a10"]


def test_cleanup_stops_first_and_running_is_false_during_stop_callbacks() -> None:
    ctx = WorkerCtx()
    seen: list[tuple[str, bool]] = []
    ctx.defer_stop(lambda: seen.append(("stop", ctx.running())))
    ctx.defer_cleanup(lambda: seen.append(("cleanup", ctx.running())))
    ctx.start()
    ctx.cleanup()
    assert seen == [("stop", False), ("cleanup", False)]


def test_stop_and_cleanup_run_each_callback_once() -> None:
    ctx = WorkerCtx()
    calls: list[str] = []
    ctx.defer_stop(lambda: calls.append("stop"))
    ctx.defer_cleanup(lambda: calls.append("cleanup"))
    ctx.start()
    for _ in range(2):
        ctx.stop()
        ctx.cleanup()
    assert calls == ["stop", "cleanup"]


def test_a_failing_callback_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = WorkerCtx("w1")
    calls: list[str] = []

    def boom() -> None:
        raise RuntimeError("flush failed")

    ctx.defer_stop(boom, order=1, desc="boom()")
    ctx.defer_stop(lambda: calls.append("stop after boom"), order=2)
    ctx.defer_cleanup(lambda: calls.append("cleanup first"), order=9)
    ctx.defer_cleanup(boom, order=5, desc="boom() again")
    ctx.defer_cleanup(lambda: calls.append("cleanup last"), order=1)
    ctx.start()
    with caplog.at_level(logging.ERROR, logger="drum_testing.servers.worker_ctx"):
        ctx.cleanup()
    assert calls == ["stop after boom", "cleanup first", "cleanup last"]
    assert [desc for desc, _ in ctx.failures] == ["boom()", "boom() again"]
    assert "w1: stop callback boom() failed" in caplog.text
    assert "flush failed" in caplog.text


def test_start_starts_owned_threads_once_and_cleanup_joins_them() -> None:
    ctx = WorkerCtx()
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(DEADLINE,), daemon=True)
    ctx.add_thread(worker, name="waiter")
    assert worker.ident is None  # owned, not started yet
    ctx.start()
    assert worker.is_alive()
    ctx.start()  # starting again must not start the thread twice (that raises)
    ctx.defer_cleanup(release.set)
    ctx.cleanup()
    assert not worker.is_alive()


def test_a_thread_started_elsewhere_is_left_alone() -> None:
    ctx = WorkerCtx()
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(DEADLINE,), daemon=True)
    worker.start()
    ctx.add_thread(worker)
    ctx.start()  # would raise RuntimeError if it started the thread again
    release.set()
    ctx.cleanup()
    assert not worker.is_alive()


def test_a_thread_added_while_running_is_started_at_once() -> None:
    ctx = WorkerCtx()
    ctx.start()
    done = threading.Event()
    worker = threading.Thread(target=done.set, daemon=True)
    ctx.add_thread(worker)
    assert done.wait(DEADLINE)
    ctx.cleanup()


def test_a_thread_that_will_not_end_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    ctx = WorkerCtx("w2")
    release = threading.Event()
    stuck = threading.Thread(target=release.wait, args=(DEADLINE,), daemon=True)
    ctx.add_thread(stuck, name="stuck", join_timeout=0.01)
    ctx.start()
    with caplog.at_level(logging.WARNING, logger="drum_testing.servers.worker_ctx"):
        ctx.cleanup()
    release.set()
    assert "w2: thread stuck still running" in caplog.text
