"""check/runner.py: how each server of a check is made (starting them is tests/parity's)."""

from __future__ import annotations

from pathlib import Path

from drum_testing.check.options import CheckOptions
from drum_testing.check.runner import make_run
from drum_testing.config.settings import TargetType
from tests.helpers.models import MODELS


def test_a_run_carries_the_checks_model_options(tmp_path: Path) -> None:
    options = CheckOptions(
        MODELS / "binary",
        TargetType.BINARY,
        tmp_path / "in.csv",
        labels=("no", "yes"),
        target_name="answer",
        runtime_params_file=tmp_path / "values.yaml",
        logging_level="info",
        start_timeout=12.0,
        log_dir=tmp_path / "logs",
    )
    run = make_run("fastapi", options)
    assert (run.server_type, run.runtime) == ("fastapi", "drum_testing")
    assert run.labels == ("no", "yes")
    assert run.wait_for_server_timeout == 12.0
    assert run.logging_level == "info"
    assert run.target_name == "answer"
    assert run.extra_args == ["--runtime-params-file", str(tmp_path / "values.yaml")]


def test_each_server_logs_in_its_own_folder(tmp_path: Path) -> None:
    options = CheckOptions(
        MODELS / "regression", TargetType.REGRESSION, tmp_path / "in.csv", log_dir=tmp_path
    )
    runs = [make_run(name, options) for name in ("flask", "gunicorn")]
    assert [run._log.given_dir for run in runs] == [tmp_path / "flask", tmp_path / "gunicorn"]
