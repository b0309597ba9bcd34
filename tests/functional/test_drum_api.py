"""Models written for DRUM, served without DRUM: DRUM's API (``datarobot_drum``) and custom
tasks (``class CustomTask(...Interface)``), on the session's server type.

The answers are those DRUM 1.18.1 gives the same fixtures (the conformance session compares
the served names with DRUM's own).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from drum_testing.testing import DrumServerRun, ServerStartError
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS, TASK_ANSWERS, TASK_INPUT, TASKS, trained_task

CSV = {"Content-Type": "text/csv"}
TEXT = {"Content-Type": "text/plain"}
GREETING = json.dumps({"type": "string", "payload": "hello"})


def test_a_model_importing_datarobot_drum_is_served(drum_server: DrumServerFactory) -> None:
    run = drum_server(
        "unstructured",
        None,
        MODELS / "drum_api",
        env={"MLOPS_RUNTIME_PARAM_GREETING": GREETING},
    )
    url = run.url_server_address + "/predictUnstructured/"
    answer = requests.post(url, data="hi", headers=TEXT, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "module": "drum_testing.errors",  # the class is ours: DRUM is not installed here
        "greeting": "hello",
        "secret": "BasicSecret(username='*****', password='*****', snowflake_account_name=None)",
        "exceptions": ["InvalidJsonException", "DrumCommonException"],
    }
    teapot = requests.post(url, data="teapot", headers=TEXT, timeout=10)
    assert (teapot.status_code, teapot.json()) == (418, {"message": "the model is a teapot"})
    assert teapot.headers["X-Drum-User-Http-Error"] == "true"
    failed = requests.post(url, data="drum error", headers=TEXT, timeout=10)
    assert failed.status_code == 500
    assert "a DRUM exception, raised by the model" in failed.json()["message"]


@pytest.mark.parametrize("name", [n for n in TASKS if n != "task_transform"])
def test_each_estimator_task_predicts(
    name: str, drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    target, labels = TASKS[name]
    code_dir = trained_task(name, tmp_path) if name == "task_regression" else MODELS / name
    run = drum_server(target, labels, code_dir)
    answer = requests.post(
        run.url_server_address + "/predict/", data=TASK_INPUT, headers=CSV, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"predictions": TASK_ANSWERS[name]}
    info = requests.get(run.url_server_address + "/info/", timeout=10).json()
    assert info["predictor"] is None


def test_the_transformer_task_serves_transform(drum_server: DrumServerFactory) -> None:
    run = drum_server("transform", None, MODELS / "task_transform")
    url = run.url_server_address + "/transform/"
    answer = requests.post(url, files={"X": ("X.csv", TASK_INPUT)}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("multipart/form-data")
    assert TASK_ANSWERS["task_transform"] in answer.content
    failed = requests.post(url, files={"X": ("X.csv", b"fail\n1\n")}, timeout=10)
    assert failed.status_code == 500
    assert "the task failed on purpose" in failed.json()["message"]


def test_an_untrained_task_fails_to_start_with_drums_message(tmp_path: Path) -> None:
    with pytest.raises((ServerStartError, TimeoutError)) as caught:
        DrumServerRun("regression", None, MODELS / "task_regression", log_dir=tmp_path).start()
    log = next(tmp_path.rglob("*.log")).read_text()
    assert (
        "An error occurred when loading your artifact: Failed to load custom task class. "
        "Exception: FileNotFoundError(2, 'No such file or directory')"
    ) in log, caught.value
