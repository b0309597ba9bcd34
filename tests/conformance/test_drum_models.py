"""Models written for DRUM, served by real DRUM 1.18.1 and by each of our server types:
custom tasks (one per interface) answer alike, a model importing ``datarobot_drum`` answers
alike, and a model that cannot load fails with DRUM's message, word for word.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from drum_testing.config.settings import TargetType
from drum_testing.errors import ModelLoadError
from drum_testing.model.model import Model
from drum_testing.testing import DrumServerRun, ServerStartError
from tests.helpers.models import MODELS, TASK_INPUT, TASKS, settings_for, trained_task

START = 120.0
OUR_TYPES = ("flask", "gunicorn", "fastapi")
CSV = {"Content-Type": "text/csv"}


def _serve(
    runtime: str,
    server_type: str,
    target: str,
    labels: Any,
    code_dir: Path,
    tmp_path: Path,
    **kwargs: Any,
) -> DrumServerRun:
    return DrumServerRun(
        target,
        labels,
        code_dir,
        runtime=runtime,
        server_type=server_type,
        wait_for_server_timeout=START,
        log_dir=tmp_path / f"{runtime}-{server_type}",
        **kwargs,
    )


def _answer(run: DrumServerRun, target: str) -> tuple[int, Any]:
    if target == "transform":
        response = requests.post(
            run.url_server_address + "/transform/", files={"X": ("X.csv", TASK_INPUT)}, timeout=30
        )
        # the multipart boundary is random in DRUM: compare the transformed CSV
        body = response.content.split(b'filename="X.transformed"')[-1].split(b"\r\n\r\n", 1)
        return response.status_code, body[-1].split(b"\r\n--")[0]
    response = requests.post(
        run.url_server_address + "/predict/", data=TASK_INPUT, headers=CSV, timeout=30
    )
    return response.status_code, response.json()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_task("task_regression", tmp_path_factory.mktemp("tasks"))


@pytest.mark.parametrize("name", sorted(TASKS))
def test_each_custom_task_answers_as_drum(name: str, trained: Path, tmp_path: Path) -> None:
    target, labels = TASKS[name]
    code_dir = trained if name == "task_regression" else MODELS / name
    with _serve("drum", "flask", target, labels, code_dir, tmp_path) as drum:
        expected = _answer(drum, target)
    assert expected[0] == 200, expected
    for server_type in OUR_TYPES:
        with _serve("drum_testing", server_type, target, labels, code_dir, tmp_path) as ours:
            assert _answer(ours, target) == expected, server_type


def _ask(run: DrumServerRun, data: str) -> tuple[int, Any, str | None]:
    response = requests.post(
        run.url_server_address + "/predictUnstructured/",
        data=data,
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    return (
        response.status_code,
        response.json(),
        response.headers.get("X-Drum-User-Http-Error"),
    )


def test_a_model_importing_datarobot_drum_answers_as_under_drum(tmp_path: Path) -> None:
    env = {"MLOPS_RUNTIME_PARAM_GREETING": '{"type": "string", "payload": "hello"}'}
    folder = MODELS / "drum_api"
    with _serve("drum", "flask", "unstructured", None, folder, tmp_path, env=env) as drum:
        expected = [_ask(drum, data) for data in ("hi", "teapot")]
    assert expected[1] == (418, {"message": "the model is a teapot"}, "true")
    # DRUM is installed here, so the model gets DRUM's own classes on our server too
    assert expected[0][1]["module"] == "datarobot_drum.drum.exceptions"
    for server_type in OUR_TYPES:
        with _serve(
            "drum_testing", server_type, "unstructured", None, folder, tmp_path, env=env
        ) as run:
            assert [_ask(run, data) for data in ("hi", "teapot")] == expected, server_type


def _no_artifact(code_dir: Path) -> None:
    (code_dir / "custom.py").write_text("X = 1\n")


def _not_a_model(code_dir: Path) -> None:
    (code_dir / "model.pkl").write_bytes(pickle.dumps("invalid model content"))


def _load_model_raises(code_dir: Path) -> None:
    (code_dir / "custom.py").write_text("def load_model(code_dir):\n    raise ValueError('x')\n")


def _load_model_none(code_dir: Path) -> None:
    (code_dir / "custom.py").write_text("def load_model(code_dir):\n    return None\n")


def _untrained_task(code_dir: Path) -> None:
    shutil.copy(MODELS / "task_regression" / "custom.py", code_dir / "custom.py")


def _missing_module(code_dir: Path) -> None:
    (code_dir / "custom.py").write_text("import a_module_nobody_installed\n")


def _two_artifacts(code_dir: Path) -> None:
    (code_dir / "a.pkl").write_bytes(pickle.dumps(1))
    (code_dir / "b.PKL").write_bytes(pickle.dumps(2))


@pytest.fixture(
    params=[
        _no_artifact,
        _not_a_model,
        _load_model_raises,
        _load_model_none,
        _untrained_task,
        _missing_module,
        _two_artifacts,
    ]
)
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    code_dir = tmp_path / "model"
    code_dir.mkdir()
    request.param(code_dir)
    return code_dir


@pytest.mark.usefixtures("restore_imports")
def test_a_model_that_cannot_load_fails_in_drums_words(broken: Path, tmp_path: Path) -> None:
    # DRUM exits at once (its error server would answer 513 to the readiness probe), with its
    # error's message on stderr; ours is the message of the ModelLoadError loading raises.
    with pytest.raises(ServerStartError) as started:
        _serve("drum", "flask", "regression", None, broken, tmp_path).start()
    drum_log = started.value.log_path.read_text(encoding="utf-8")
    with pytest.raises(ModelLoadError) as caught:
        Model.load(settings_for(broken, TargetType.REGRESSION))
    assert f"Exception: {caught.value}\n" in drum_log or f"Error: {caught.value}\n" in drum_log
