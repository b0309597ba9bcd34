"""Start-up, shutdown and output of real servers: what happens around the requests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from drum_testing.launch.process import group_exists
from drum_testing.testing import DrumServerRun, ServerStartError
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS
from tests.helpers.waiting import wait_for

REGRESSION = MODELS / "regression"
CSV_HEADERS = {"Content-Type": "text/csv"}
SLOW_SECONDS = 1.5
"""How long the slow prediction takes: long enough to signal the server while it runs."""
BUFFERED = {"PYTHONUNBUFFERED": ""}
"""The server's stdout block-buffered, as in production, whatever the caller's environment
says: what the model prints then reaches the log only if the server flushes it."""


def slow_request(tmp_path: Path) -> tuple[bytes, Path]:
    """A CSV body that makes the regression fixture touch a file, then sleep."""
    started = tmp_path / f"started-{uuid.uuid4().hex}"
    return f"sleep,started_file\n{SLOW_SECONDS},{started}\n".encode(), started


def test_a_model_that_fails_to_import_is_reported_at_once_with_its_traceback(
    tmp_path: Path,
) -> None:
    # "At once" is shown by what ended the wait, not by a clock: with the deadline far away,
    # a report saying the server exited can only come from noticing the exit (a clock here
    # flaked on a loaded machine).
    with pytest.raises(ServerStartError) as caught:
        DrumServerRun(  # log_dir: a failed start keeps its log; this one is pytest's to remove
            "regression",
            None,
            MODELS / "import_error",
            wait_for_server_timeout=120.0,
            log_dir=tmp_path,
        ).start()
    message = str(caught.value)
    assert caught.value.returncode == 1  # it exited: the deadline did not end the wait
    assert "before it was ready" in message
    # the traceback: the frame of the model that raised (gunicorn's log tail may have its
    # "Traceback" header above the last lines, the frames and the error are in it)
    assert 'import_error/custom.py", line' in message
    assert "RuntimeError: this fixture model fails on import" in message
    assert "--code-dir" in message  # the command
    assert f"log {caught.value.log_path} " in message
    assert caught.value.log_path.parent == tmp_path


def test_the_error_server_stays_up_and_answers_513(drum_server: DrumServerFactory) -> None:
    run = drum_server("regression", None, MODELS / "import_error", with_error_server=True)
    base = run.url_server_address
    # Liveness too, as DRUM's error server: a probe must see that the model is not there.
    ping = requests.get(base + "/ping/", timeout=10)
    assert (ping.status_code, ping.json()["message"]) == (
        513,
        "ERROR: this fixture model fails on import",
    )
    answer = requests.post(base + "/predict/", data=b"a\n1\n", headers=CSV_HEADERS, timeout=10)
    assert answer.status_code == 513
    assert "fails on import" in answer.json()["message"]
    assert requests.get(base + "/info/", timeout=10).status_code == 404


def test_sigterm_answers_the_request_in_flight_then_exits_0(
    drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    run = drum_server("regression", None, REGRESSION, max_workers=2, env=BUFFERED)
    body, started = slow_request(tmp_path)
    answers: list[requests.Response] = []
    client = threading.Thread(
        target=lambda: answers.append(
            requests.post(
                run.url_server_address + "/predict/", data=body, headers=CSV_HEADERS, timeout=30
            )
        )
    )
    client.start()
    wait_for(started.exists, what="the slow prediction to start")
    assert run.stop() == 0  # SIGTERM to the group; every worker exits 0
    client.join(30)
    assert [a.status_code for a in answers] == [200]
    assert answers[0].json() == {"predictions": [SLOW_SECONDS]}
    assert not group_exists(run.process.pid)
    # What the model printed during the request reached the log (the final flush).
    assert "regression fixture scored 1 rows" in run.log_text()


def test_ping_answers_while_a_slow_prediction_runs(
    drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    run = drum_server("regression", None, REGRESSION)
    body, started = slow_request(tmp_path)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(
            requests.post,
            run.url_server_address + "/predict/",
            data=body,
            headers=CSV_HEADERS,
            timeout=30,
        )
        wait_for(started.exists, what="the slow prediction to start")
        ping = requests.get(run.url_server_address + "/ping/", timeout=SLOW_SECONDS / 2)
        assert ping.status_code == 200
        assert not slow.done()  # the ping was answered while the prediction still ran
        assert slow.result().status_code == 200


def test_printed_output_reaches_the_log_under_steady_traffic(
    drum_server: DrumServerFactory,
) -> None:
    run = drum_server("regression", None, REGRESSION, env=BUFFERED)
    base = run.url_server_address
    rows = 7
    body = b"a\n" + b"1\n" * rows
    assert requests.post(base + "/predict/", data=body, headers=CSV_HEADERS, timeout=10).ok
    printed = f"regression fixture scored {rows} rows"
    # Keep requests coming while waiting: DRUM's flusher waited for a quiet moment, which
    # steady traffic never gives. The loop is bounded by count and by time.
    session = requests.Session()
    deadline = time.monotonic() + 10
    for _ in range(5000):
        if printed in run.log_text() or time.monotonic() > deadline:
            break
        session.get(base + "/ping/", timeout=10)
    assert printed in run.log_text(), run.log_tail()


def test_twenty_servers_started_at_once_never_collide(drum_server: DrumServerFactory) -> None:
    # Each server serves under its own URL prefix, so a request that reached another server
    # (a collision) would be a 404. Other xdist workers start servers at the same time.
    prefixes = [f"/s{n}-{uuid.uuid4().hex[:8]}" for n in range(20)]

    def start(prefix: str) -> DrumServerRun:
        return drum_server("anomaly", None, MODELS / "anomaly", env={"URL_PREFIX": prefix})

    with ThreadPoolExecutor(max_workers=10) as pool:
        runs = list(pool.map(start, prefixes))
    assert len({run.port for run in runs}) == 20
    for run, prefix in zip(runs, prefixes, strict=True):
        answer = requests.post(
            run.url_server_address + prefix + "/predict/",
            data=b"a\n50\n",
            headers=CSV_HEADERS,
            timeout=10,
        )
        assert answer.json() == {"predictions": [0.5]}


INNER_TESTS = """
import os, signal
from pathlib import Path
import pytest

MODEL = {model!r}
PIDS = Path({pids!r})

def remember(run):
    with PIDS.open("a") as out:
        out.write(f"{{run.process.pid}}\\n")

def test_passes(drum_server):
    remember(drum_server("regression", None, MODEL))

def test_fails(drum_server):
    remember(drum_server("regression", None, MODEL))
    assert False, "this inner test fails on purpose"

@pytest.fixture
def started(drum_server):
    remember(drum_server("regression", None, MODEL))

# func_only: the clock starts once the server is up (a slow start must not be what times out)
@pytest.mark.timeout(3, func_only=True)
def test_times_out(started):
    signal.pause()  # until pytest-timeout ends the test

def test_interrupted(drum_server):
    remember(drum_server("regression", None, MODEL))
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: pytest stops the whole session here
"""


def test_no_server_is_left_running_after_a_session(tmp_path: Path) -> None:
    pids = tmp_path / "pids.txt"
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(textwrap.dedent(INNER_TESTS.format(model=str(REGRESSION), pids=str(pids))))
    inner = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(test_file),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    assert inner.returncode != 0, inner.stdout  # one failed, one timed out, then Ctrl-C
    assert "1 passed" in inner.stdout, inner.stdout
    assert "2 failed" in inner.stdout, inner.stdout
    started = [int(line) for line in pids.read_text().split()]
    assert len(started) == 4, inner.stdout
    wait_for(
        lambda: not any(group_exists(pid) for pid in started),
        what="every server of the inner session to be gone",
    )
