"""DrumServerRun on real servers, driven as DRUM's own functional tests drive DRUM's.

DRUM's tests pass ``docker=None`` as the fourth positional argument, and look for a model's
load error in ``run.process.err_stream``: after ``pytest.raises(TimeoutError, match="Server
failed to start")`` when the server exits, and after the ``with`` block when the error
server (``with_error_server=True``) kept it up. The server type is the session's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from drum_testing.testing import DrumServerRun
from tests.helpers.models import MODELS

LOAD_ERROR = "this fixture model fails in load_model"
REGRESSION_CSV = b"a,b\n1,2\n"


def test_a_model_whose_load_model_raises_fails_as_drum_and_err_stream_says_why(
    tmp_path: Path,
) -> None:
    run = DrumServerRun("regression", None, MODELS / "load_model_raises", None, log_dir=tmp_path)
    with pytest.raises(TimeoutError, match="Server failed to start"), run:
        pass
    assert LOAD_ERROR in run.process.err_stream
    assert LOAD_ERROR in str(run.log_path.read_text())
    assert run.process.returncode not in (None, 0)


def test_the_error_server_stays_up_and_err_stream_has_the_load_error(tmp_path: Path) -> None:
    model = MODELS / "load_model_raises"
    with DrumServerRun("regression", None, model, None, True, log_dir=tmp_path) as run:
        answer = requests.post(
            run.url_server_address + "/predict/",
            data=REGRESSION_CSV,
            headers={"Content-Type": "text/csv"},
            timeout=30,
        )
        assert answer.status_code == 513
        assert LOAD_ERROR in answer.json()["message"]
    assert LOAD_ERROR in run.process.err_stream


def test_drums_positional_call_serves_predictions_on_the_port_known_in_advance() -> None:
    run = DrumServerRun("regression", None, MODELS / "regression", None, False, True, False)
    url = run.url_server_address
    with run:
        answer = requests.post(
            url + "/predict/",
            data=REGRESSION_CSV,
            headers={"Content-Type": "text/csv"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
    assert run.shutdown_error is None
    assert run.process.returncode == 0


def test_stream_output_shows_the_servers_log_as_it_is_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # At info: the line saying what is served (at DRUM's default, warning, there is none).
    with DrumServerRun(
        "regression", None, MODELS / "regression", stream_output=True, logging_level="info"
    ) as run:
        requests.get(run.url_server_address + "/ping/", timeout=30)
        streamed = capsys.readouterr().out
    first_line = (run.process.err_stream or run.process.out_stream).splitlines()[0]
    assert first_line in streamed  # printed while the server ran, not only kept
