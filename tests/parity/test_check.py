"""``drum-testing check`` against real servers of every type, on the fixture models.

Run by ``nox -s parity``, which installs every server type. Every target type's fixture
must pass; a model that answers by server type on purpose, and one that raises on missing
values, must be caught; the command line writes a table, JSON and JUnit XML and sets its
exit status from them; and no server is left running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from drum_testing.check import runner
from drum_testing.check.report import CheckReport
from drum_testing.config.settings import ServerType
from drum_testing.testing import DrumServerRun, ModelCheckFailed, check_model
from drum_testing.testing.plugin import DrumCheckFactory
from tests.helpers.models import BINARY_LABELS, MODELS, MULTICLASS_LABELS, MULTILABEL_LABELS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "regression"
EVERY_TYPE = tuple(t.value for t in ServerType)
FAST: dict[str, Any] = {"single_rows": 3, "latency_requests": 2, "latency_seconds": 2.0}
"""Enough requests to show each check works, few enough to keep the session short."""


@dataclass(frozen=True)
class Model:
    folder: str
    target_type: str
    labels: tuple[str, ...] | None
    input_name: str
    input: str
    target_name: str | None = None


NUMBERS = "a,b\n1,2\n3,4.5\n5,6\n"
MODELS_BY_TARGET = {
    "regression": Model("regression", "regression", None, "in.csv", NUMBERS),
    "binary": Model("binary", "binary", BINARY_LABELS, "in.csv", NUMBERS),
    "multiclass": Model("multiclass", "multiclass", MULTICLASS_LABELS, "in.csv", NUMBERS),
    "multilabel": Model("multilabel", "multilabel", MULTILABEL_LABELS, "in.csv", NUMBERS),
    "anomaly": Model("anomaly", "anomaly", None, "in.csv", "a\n10\n20\n"),
    "unstructured": Model("unstructured", "unstructured", None, "in.txt", "hello model\n"),
    "transform": Model("transform", "transform", None, "in.csv", NUMBERS),
    "textgeneration": Model(
        "chat", "textgeneration", None, "in.csv", "promptText\nhello\nbye\n", "answer"
    ),
    "geopoint": Model("single_column", "geopoint", None, "in.csv", NUMBERS, "answer"),
    "vectordatabase": Model("single_column", "vectordatabase", None, "in.csv", NUMBERS, "answer"),
    "agenticworkflow": Model("single_column", "agenticworkflow", None, "in.csv", NUMBERS, "answer"),
    "extra output": Model("extra_output", "regression", None, "in.csv", NUMBERS),
}


def write_input(model: Model, folder: Path) -> Path:
    path = folder / model.input_name
    path.write_text(model.input, encoding="utf-8")
    return path


@pytest.fixture
def stopped_runs(monkeypatch: pytest.MonkeyPatch) -> list[DrumServerRun]:
    """Every server a check starts; the test checks they were all stopped."""
    runs: list[DrumServerRun] = []
    make_run = runner.make_run

    def recording(name: str, options: Any) -> DrumServerRun:
        run = make_run(name, options)
        runs.append(run)
        return run

    monkeypatch.setattr(runner, "make_run", recording)
    return runs


def assert_all_stopped(runs: list[DrumServerRun]) -> None:
    assert runs, "the check started no server"
    for run in runs:
        assert run.returncode is not None, f"{run!r} is still running"


@pytest.mark.parametrize("name", list(MODELS_BY_TARGET))
def test_every_target_type_passes_on_every_server_type(
    name: str, drum_check: DrumCheckFactory, tmp_path: Path, stopped_runs: list[DrumServerRun]
) -> None:
    model = MODELS_BY_TARGET[name]
    report = drum_check(
        model.target_type,
        model.labels,
        MODELS / model.folder,
        write_input(model, tmp_path),
        target_name=model.target_name,
        **FAST,
    )
    assert list(report.servers) == list(EVERY_TYPE)
    assert all(server.started and server.idle_mib for server in report.servers.values())
    expected_figure = "PSS" if sys.platform == "linux" else "USS"
    assert {server.idle_memory for server in report.servers.values()} == {expected_figure}
    assert report.warnings == []  # DRUM would start every fixture as it is given here
    batch = report.parity[0]
    assert batch.probe.name.startswith("batch")
    assert {answer.status for answer in batch.answers.values()} == {200}
    assert not batch.differences
    if model.target_type != "unstructured":
        assert len(report.parity) == 1 + model.input.count("\n") - 1  # the batch, every row
        names = [result.probe.name for result in report.robustness]
        columns = model.input.split("\n")[0].split(",")
        assert names[: len(columns)] == [f"missing {column}" for column in columns]
        assert "header only" in names
    for server in report.servers.values():
        assert server.latency
        assert all(t.p50_ms is not None for t in server.latency)
    assert_all_stopped(stopped_runs)


def test_a_model_that_answers_by_server_type_is_caught(
    tmp_path: Path, stopped_runs: list[DrumServerRun]
) -> None:
    data = write_input(MODELS_BY_TARGET["regression"], tmp_path)
    with pytest.raises(ModelCheckFailed) as failed:
        check_model("regression", None, MODELS / "by_server_type", data, **FAST)
    report: CheckReport = failed.value.report
    for result in report.parity:
        assert [(d.server, d.reference) for d in result.differences] == [("fastapi", "flask")]
    assert '"predictions"' in report.parity[0].differences[0].diff
    assert "+      4.0" in report.parity[0].differences[0].diff  # 1 + 2, plus fastapi's 1
    assert "fastapi answers otherwise than flask" in str(failed.value)
    assert "DIFFERS" in str(failed.value)
    assert_all_stopped(stopped_runs)


def test_a_5xx_is_reported_with_the_models_traceback(tmp_path: Path) -> None:
    data = write_input(MODELS_BY_TARGET["regression"], tmp_path)
    with pytest.raises(ModelCheckFailed) as failed:
        check_model("regression", None, MODELS / "no_missing", data, **FAST)
    report = failed.value.report
    missing = {result.probe.name: result for result in report.robustness}["missing a"]
    for name, answer in missing.answers.items():
        assert answer.status == 500, name
        assert "Traceback (most recent call last):" in answer.log, (name, answer.log)
        assert "ValueError: no-missing fixture: missing values in ['a']" in answer.log
    assert not missing.differences  # alike on every type, and still a failure
    assert "missing a: flask: 5xx" in str(failed.value)
    assert not any(result.problems() for result in report.parity)


def test_a_model_that_does_not_load_fails_the_check_with_its_log(tmp_path: Path) -> None:
    data = write_input(MODELS_BY_TARGET["regression"], tmp_path)
    with pytest.raises(ModelCheckFailed) as failed:
        check_model(
            "regression", None, MODELS / "import_error", data, server_types=["flask"], **FAST
        )
    server = failed.value.report.servers["flask"]
    assert not server.started
    assert server.error is not None
    assert "exit code 1" in server.error
    assert "flask did not start" in str(failed.value)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drum_testing", "check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_the_command_line_passes_the_example_and_writes_json_and_junit(tmp_path: Path) -> None:
    done = run_cli(
        "--code-dir", EXAMPLE, "--target-type", "regression",
        "--input", EXAMPLE / "houses.csv", "--latency-requests", "3",
        "--json", tmp_path / "report.json", "--junit-xml", tmp_path / "report.xml",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: no difference between server types, no 5xx" in done.stdout
    assert "check: starting flask, gunicorn, fastapi" in done.stderr  # the progress, not a tty
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["ok"] is True
    assert report["problems"] == []
    assert list(report["servers"]) == list(EVERY_TYPE)
    batch = report["parity"][0]["answers"]
    assert batch["flask"]["body"] == {"predictions": [170000.0, 330000.0, 240000.0]}
    assert batch["gunicorn"]["same_as"] == "flask"
    suite = ET.parse(tmp_path / "report.xml").getroot()
    assert suite.tag == "testsuite"
    assert suite.get("failures") == "0"
    classes = [case.get("classname") for case in suite.iter("testcase")]
    assert classes.count("start") == 3
    assert classes.count("speed") == 3
    assert int(suite.get("tests", "0")) == len(classes) > 10


def test_the_command_line_fails_on_a_difference_and_says_so_in_junit(tmp_path: Path) -> None:
    data = write_input(MODELS_BY_TARGET["regression"], tmp_path)
    done = run_cli(
        "--code-dir", MODELS / "by_server_type", "--target-type", "regression",
        "--input", data, "--types", "flask,fastapi", "--latency-requests", "1",
        "--junit-xml", tmp_path / "report.xml",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED:" in done.stdout
    assert "fastapi differs from flask" in done.stdout
    suite = ET.parse(tmp_path / "report.xml").getroot()
    failures = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failures
    failed = {(case.get("classname"), case.get("name")) for case in failures}
    assert ("parity", "batch (3 rows)") in failed
    assert ("robustness", "missing a") in failed  # the sums differ there too
    assert ("robustness", "empty") not in failed  # a 422 alike on both types
    assert suite.get("failures") == str(len(failures))


def our_processes(marker: str) -> list[int]:
    """Running processes whose command line names ``marker`` (a folder only this test uses)."""
    found = []
    for process in psutil.process_iter():
        try:
            named = any(marker in word for word in process.cmdline())
            if named and process.pid != os.getpid() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except psutil.Error:
            continue  # exited meanwhile, or not ours to look at
    return found


def test_ctrl_c_stops_every_server_and_exits_130(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(MODELS / "regression", model)
    data = write_input(MODELS_BY_TARGET["regression"], tmp_path)
    check = subprocess.Popen(
        [sys.executable, "-m", "drum_testing", "check", "--code-dir", str(model),
         "--target-type", "regression", "--input", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert check.stderr is not None
        for line in check.stderr:  # the progress: one line per phase (not a terminal)
            if line.startswith("check: parity"):
                break
        else:
            pytest.fail(f"the check ended before it sent a request: {check.wait()}")
        assert len(our_processes(str(model))) >= 3  # a server of each type at least
        check.send_signal(signal.SIGINT)
        _, stderr = check.communicate(timeout=60)
    finally:
        if check.poll() is None:
            check.kill()
            check.wait()
    assert check.returncode == 130, stderr
    assert "interrupted; every server was stopped" in stderr
    assert our_processes(str(model)) == []
