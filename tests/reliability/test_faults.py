"""Stopping with requests in flight, a model that hangs the stop, a worker that dies."""

from __future__ import annotations

import contextlib
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from drum_testing.launch.process import group_exists, group_pids
from tests.helpers.servers import Shape, Start
from tests.helpers.waiting import wait_for

CSV = {"Content-Type": "text/csv"}
IN_FLIGHT = 4
SLOW_SECONDS = 2.0


def slow_body(tmp_path: Path, seconds: float) -> tuple[bytes, Path]:
    started = tmp_path / f"started-{uuid.uuid4().hex}"
    return f"sleep,started_file\n{seconds},{started}\n".encode(), started


def test_sigterm_answers_the_requests_in_flight_then_exits_0(start: Start, tmp_path: Path) -> None:
    # The model takes turns: four 2 s requests hold the server for 8 s, under the drain.
    run = start("regression", "--model-concurrency", str(IN_FLIGHT))
    bodies = [slow_body(tmp_path, SLOW_SECONDS) for _ in range(IN_FLIGHT)]
    url = run.url_server_address + "/predict/"
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        answers = [
            pool.submit(requests.post, url, data=b, headers=CSV, timeout=30) for b, _ in bodies
        ]
        wait_for(lambda: all(f.exists() for _, f in bodies), 15, "all requests in the model")
        run.process.send_signal(signal.SIGTERM)
        statuses = [a.result().status_code for a in answers]
    wait_for(lambda: run.process.poll() is not None, 30, "the server to exit")
    assert statuses == [200] * IN_FLIGHT
    assert run.returncode == 0, run.log_tail()


def test_a_model_busy_after_the_drain_time_is_abandoned_with_status_1(
    start: Start, tmp_path: Path
) -> None:
    run = start("regression", "--drain-timeout", "1")
    body, started = slow_body(tmp_path, 60)
    url = run.url_server_address + "/predict/"
    with ThreadPoolExecutor(1) as pool:
        pool.submit(requests.post, url, data=body, headers=CSV, timeout=60)
        wait_for(started.exists, 15, "the request in the model")
        stopping = time.monotonic()
        run.process.send_signal(signal.SIGTERM)
        wait_for(lambda: run.process.poll() is not None, 20, "the server to exit")
    assert time.monotonic() - stopping < 15  # not the model's 60 s
    assert run.returncode == 1, run.log_tail()
    assert "exiting with status 1" in run.log_text()
    # Everything it started goes with it (spawned workers' helpers a moment later).
    wait_for(lambda: not group_exists(run.process.pid), 10, "the process group to end")


def test_a_worker_that_dies_is_replaced_or_the_process_exits_non_zero(
    start: Start, shape: Shape
) -> None:
    server_type, workers = shape
    run = start()
    url = run.url_server_address
    before = set(group_pids(run.process.pid))
    with contextlib.suppress(requests.ConnectionError):  # it dies with the worker
        requests.post(url + "/predict/", data=b"exit\n1\n", headers=CSV, timeout=10)
    has_master = server_type == "gunicorn" or (server_type == "fastapi" and workers > 1)
    if has_master:
        # Replaced: the server answers predictions again, and it is the same process.
        def predicts() -> bool:
            try:
                answer = requests.post(url + "/predict/", data=b"a\n1\n", headers=CSV, timeout=2)
            except requests.RequestException:
                return False
            return answer.status_code == 200

        wait_for(predicts, 20, "the server to predict again")

        # A new worker in the dead one's place: as many processes as before, not the same.
        def replaced() -> bool:
            now = set(group_pids(run.process.pid))
            return len(now) == len(before) and now != before

        wait_for(replaced, 20, "a replacement worker")
        assert run.process.poll() is None
        # A crash that was dealt with does not make the stop unclean.
        assert run.stop() == 0, run.log_tail()
    else:
        wait_for(lambda: run.process.poll() is not None, 10, "the process to exit")
        assert run.returncode == 1
