"""The model's hooks take turns: one call at a time per process unless told otherwise,
while liveness keeps answering."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS
from tests.helpers.waiting import wait_for

TURNS = MODELS / "turns"
REGRESSION = MODELS / "regression"
CSV = {"Content-Type": "text/csv"}
CLIENTS = 8


def post(url: str, body: bytes) -> requests.Response:
    return requests.post(url + "/predict/", data=body, headers=CSV, timeout=60)


def test_hooks_never_overlap_by_default(drum_server: DrumServerFactory) -> None:
    run = drum_server("regression", None, TURNS)
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(
            pool.map(lambda _: post(run.url_server_address, b"work\n0.05\n"), range(CLIENTS))
        )
    assert [a.status_code for a in answers] == [200] * CLIENTS
    assert [a.json()["predictions"] for a in answers] == [[1.0]] * CLIENTS


def test_model_concurrency_lets_calls_overlap(drum_server: DrumServerFactory) -> None:
    # The control: with two turns, two calls do run at once (each waits for the other), so
    # the test above would see overlaps if the turns were not taken.
    run = drum_server("regression", None, TURNS, extra_args=["--model-concurrency", "2"])
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: post(run.url_server_address, b"pair\n1\n"), range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert [a.json()["predictions"] for a in answers] == [[2.0], [2.0]]


def test_ping_answers_while_predictions_wait_for_their_turn(
    drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    run = drum_server("regression", None, REGRESSION)
    started = tmp_path / "started"
    slow = f"sleep,started_file\n3,{started}\n".encode()
    with ThreadPoolExecutor(4) as pool:
        running = pool.submit(post, run.url_server_address, slow)
        wait_for(started.exists, what="the slow prediction to start")
        waiting = [pool.submit(post, run.url_server_address, b"a\n1\n") for _ in range(3)]
        ping = requests.get(run.url_server_address + "/ping/", timeout=1.5)
        assert ping.status_code == 200
        assert not running.done()  # answered while the model's turn was taken
        assert [f.result().status_code for f in [running, *waiting]] == [200] * 4


@pytest.mark.parametrize("workers", [1, 2])
def test_a_model_with_threads_from_load_model_serves_in_every_worker(
    drum_server: DrumServerFactory, workers: int
) -> None:
    # Each worker loads the model itself, after any fork, as DRUM does: the model's own
    # threads live in the process that serves.
    run = drum_server("regression", None, MODELS / "threaded_load", max_workers=workers)
    session = requests.Session()
    for _ in range(4 * workers):  # more requests than workers: every worker answers some
        answer = session.post(
            run.url_server_address + "/predict/", data=b"a,b\n1,2\n", headers=CSV, timeout=30
        )
        assert (answer.status_code, answer.json()) == (200, {"predictions": [30.0]}), answer.text
        session.close()  # a new connection each time, so it may reach another worker
