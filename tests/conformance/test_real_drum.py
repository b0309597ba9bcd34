"""``DrumServerRun(..., runtime="drum")`` with real DRUM (``datarobot-drum``), when installed.

Skipped otherwise (``pip install datarobot-drum==1.18.1`` in the same environment as this
package: several fixture models import ``drum_testing``). Each start loads DRUM's own
dependencies, which takes seconds, so these tests are few: start, answer and stop for each
DRUM server type, a model that fails to import, a port that is taken, and a test process
killed under a running DRUM.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from drum_testing.launch.drum import DrumNotFoundError, find_drum
from drum_testing.launch.process import (
    group_exists,
    group_pids,
    start_process_group,
    stop_process_group,
    wait_for,
)
from drum_testing.testing import DrumServerRun, ServerStartError, listening_socket
from tests.helpers.models import MODELS


def _missing() -> str | None:
    if importlib.util.find_spec("datarobot_drum") is None:
        return "real DRUM is not installed: pip install datarobot-drum==1.18.1"
    try:
        find_drum()
    except DrumNotFoundError as exc:
        return str(exc)
    return None


pytestmark = [
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
    pytest.mark.timeout(240),  # DRUM imports a lot; two starts on a busy machine take a while
]

START = 150.0
"""Readiness timeout: DRUM's imports alone take seconds, more with other tests running."""
CSV = "a,b\n1,2\n3,4\n"


class ForcedPortRun(DrumServerRun):
    """Real DRUM, told to use ``forced`` first: a port the test holds, to make a collision."""

    def __init__(self, *args: Any, forced: list[int], **kwargs: Any) -> None:
        self.forced = list(forced)  # before DrumServerRun's own: it chooses the first port
        super().__init__(*args, **kwargs)

    def _choose_port(self) -> int:
        return self.forced.pop(0) if self.forced else super()._choose_port()


def predict(run: DrumServerRun) -> list[float]:
    response = requests.post(
        run.url_server_address + "/predict/",
        data=CSV,
        headers={"Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    predictions: list[float] = response.json()["predictions"]
    return predictions


@pytest.mark.parametrize(("server_type", "code"), [("flask", 130), ("gunicorn", 0)])
def test_real_drum_starts_answers_and_stops_leaving_no_process(
    server_type: str, code: int, tmp_path: Path
) -> None:
    run = DrumServerRun(
        "regression",
        None,
        MODELS / "regression",
        runtime="drum",
        server_type=server_type,
        wait_for_server_timeout=START,
        log_dir=tmp_path,
    )
    with run:
        ping = requests.get(run.url_server_address + "/ping/", timeout=10)
        assert ping.json() == {"message": "OK"}
        assert ping.headers["X-Drum-Version"].startswith("1.")
        assert predict(run) == [3.0, 7.0]
        assert run.server_type == server_type
        pgid = run.process.pid
        assert group_pids(pgid)  # DRUM (and gunicorn's worker) and the watchdog
        if server_type == "gunicorn":
            assert f"Listening at: http://127.0.0.1:{run.port}" in run.log_text()
            # Its control socket (gunicorn 25.1+) is in the run's own directory.
            control = re.search(r"Control socket listening at (\S+)", run.log_text())
            assert control is None or "/drum-ctl-" in control.group(1), control
    assert run.returncode == code
    assert not group_exists(pgid)


@pytest.mark.parametrize("server_type", ["flask", "gunicorn"])
def test_a_model_that_fails_to_import_raises_with_drums_traceback(
    server_type: str, tmp_path: Path
) -> None:
    run = DrumServerRun(
        "regression",
        None,
        MODELS / "import_error",
        runtime="drum",
        server_type=server_type,
        wait_for_server_timeout=START,
        log_dir=tmp_path,
    )
    with pytest.raises(ServerStartError) as caught:
        run.start()
    message = str(caught.value)
    assert "RuntimeError: this fixture model fails on import" in message
    assert "Traceback (most recent call last)" in message
    assert caught.value.command[1:2] == ["server"]
    assert not group_exists(run.process.pid)


def test_a_port_gunicorn_finds_in_use_is_retried_on_another(tmp_path: Path) -> None:
    with socket.socket() as theirs:  # bound, not listening: DRUM's own bind finds it taken
        theirs.bind(("127.0.0.1", 0))
        taken = theirs.getsockname()[1]
        run = ForcedPortRun(
            "regression",
            None,
            MODELS / "regression",
            runtime="drum",
            server_type="gunicorn",
            wait_for_server_timeout=START,
            log_dir=tmp_path,
            forced=[taken],
        )
        with run:
            assert run.port != taken
            assert predict(run) == [3.0, 7.0]
            log = run.log_text()
    assert f"Connection in use: ('127.0.0.1', {taken})" in log
    assert f"port {taken} was taken: DRUM logged" in log
    assert not group_exists(run.process.pid)


def test_a_port_another_process_listens_on_is_never_served_by_it(tmp_path: Path) -> None:
    with listening_socket() as theirs:
        taken = theirs.getsockname()[1]
        run = ForcedPortRun(
            "regression",
            None,
            MODELS / "regression",
            runtime="drum",
            server_type="flask",
            wait_for_server_timeout=START,
            log_dir=tmp_path,
            forced=[taken],
        )
        with run:
            assert run.port != taken
            assert predict(run) == [3.0, 7.0]
            assert f"port {taken} was taken: another process listens on it" in run.log_text()
        theirs.setblocking(False)
        with pytest.raises(BlockingIOError):
            theirs.accept()  # nothing of ours ever talked to the other listener


PARENT = """# drum-test-helper: a test process that dies under a running DRUM
import signal
from drum_testing.testing import DrumServerRun
run = DrumServerRun("regression", None, {model!r}, runtime="drum", server_type="gunicorn",
                    max_workers=2, log_dir={logs!r}, wait_for_server_timeout={start!r})
run.start()
print("started", run.process.pid, run.log_path, flush=True)
signal.pause()
"""


def test_killing_the_test_process_stops_drum_and_its_workers(tmp_path: Path) -> None:
    code = PARENT.format(model=str(MODELS / "regression"), logs=str(tmp_path), start=START)
    parent_log = tmp_path / "parent.log"
    parent = start_process_group([sys.executable, "-c", code], log_path=parent_log)
    pgid = None
    try:
        started = wait_for(lambda: "started" in parent_log.read_text(), START + 10)
        assert started, parent_log.read_text()
        _, pid, log_path = parent_log.read_text().split()[:3]
        pgid = int(pid)
        assert len(group_pids(pgid)) >= 3  # the master, a worker, the watchdog
        os.kill(parent.pid, signal.SIGKILL)  # no finally, no atexit: only the watchdog is left
        assert wait_for(lambda: not group_exists(pgid), 30), Path(log_path).read_text()
        log = Path(log_path).read_text()
        assert "the test process is gone" in log
        control = re.search(r"Control socket listening at (\S+)", log)
        assert control is None or not Path(control.group(1)).parent.exists()
    finally:
        stop_process_group(parent, grace=1)
        if pgid is not None and group_exists(pgid):  # only if the test failed
            os.killpg(pgid, signal.SIGKILL)
