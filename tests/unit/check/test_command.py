"""check/command.py: ``drum-testing check``'s arguments, its usage errors (exit status 2, one
line on stderr, before any server starts) and what it writes.

No server is started: ``runner.started_servers`` fails the test if it is reached, and the
tests of a whole run replace ``run_check`` with one returning a report built by hand.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest

from drum_testing import cli
from drum_testing.check import runner
from drum_testing.check.command import UsageError, build_options, drum_labels
from drum_testing.check.junit import to_junit
from drum_testing.check.options import CheckOptions
from drum_testing.check.report import CheckReport
from drum_testing.check.table import render
from drum_testing.config.console import USAGE_ERROR
from drum_testing.config.settings import ServerType, TargetType
from drum_testing.config.values import non_negative_int, server_types
from drum_testing.install import install_command
from drum_testing.launch import drum as drum_runtime
from drum_testing.launch.drum import DrumNotFoundError
from drum_testing.servers import registry as servers
from tests.helpers.check_reports import FakeCheck, clean_report, example_report, install_fake_check
from tests.helpers.models import MODELS, settings_for

REGRESSION = str(MODELS.resolve() / "regression")
ERROR = "drum-testing check: error: "


@pytest.fixture(autouse=True)
def no_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(options: CheckOptions, *args: Any) -> Any:
        pytest.fail(f"the check reached starting servers with {options}")

    monkeypatch.setattr(runner, "started_servers", refuse)


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    return path


def check_args(input: Path | str, *more: str, code_dir: str = REGRESSION) -> list[str]:
    return [
        "check",
        "--code-dir",
        code_dir,
        "--target-type",
        "regression",
        "--input",
        str(input),
        *more,
    ]


def run_main(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """main()'s exit status (returned or raised by argparse), its stderr lines and stdout."""
    try:
        status = cli.main(list(argv), environ={})
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else -1
    captured = capsys.readouterr()
    return status, captured.err.splitlines(), captured.out


# --- --types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("flask", (ServerType.FLASK,)),
        ("fastapi,gunicorn", (ServerType.FASTAPI, ServerType.GUNICORN)),
        ("uvicorn", (ServerType.FASTAPI,)),
        ("werkzeug", (ServerType.FLASK,)),
        (" Flask , UVICORN ", (ServerType.FLASK, ServerType.FASTAPI)),
        ("flask,werkzeug,flask", (ServerType.FLASK,)),
        ("uvicorn,fastapi,gunicorn", (ServerType.FASTAPI, ServerType.GUNICORN)),
    ],
)
def test_server_types(text: str, chosen: tuple[ServerType, ...]) -> None:
    assert server_types(text) == chosen


@pytest.mark.parametrize(("text", "word"), [("tornado", "tornado"), ("flask,", ""), ("", "")])
def test_unknown_server_type(text: str, word: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        server_types(text)
    assert str(raised.value) == (
        f"unknown server type {word!r} (choose from flask, gunicorn, fastapi)"
    )


# --- number arguments -------------------------------------------------------------------------


def testnon_negative_int() -> None:
    assert non_negative_int("0") == 0
    assert non_negative_int("25") == 25
    for bad in ("-1", "1.5", "x", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="expected a whole number"):
            non_negative_int(bad)


@pytest.mark.parametrize("flag", ["--latency-seconds", "--start-timeout"])
@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "soon"])
def test_seconds_must_be_positive_and_finite(
    flag: str, bad: str, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args(check_args(data_csv, flag, bad))
    assert exited.value.code == USAGE_ERROR
    assert f"argument {flag}: expected a number of seconds" in capsys.readouterr().err


# --- labels -----------------------------------------------------------------------------------


def test_drum_labels() -> None:
    binary = settings_for(MODELS / "binary", TargetType.BINARY)
    assert drum_labels(binary) == ("no", "yes")  # (negative, positive), as DrumServerRun
    multiclass = settings_for(MODELS / "multiclass", TargetType.MULTICLASS)
    assert drum_labels(multiclass) == ("red", "green", "blue")
    assert drum_labels(settings_for(MODELS / "regression", TargetType.REGRESSION)) is None


# --- usage errors: exit status 2, one line, no server -----------------------------------------


def test_an_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.csv"
    status, err, out = run_main(check_args(missing), capsys)
    assert status == USAGE_ERROR == 2
    assert err == [f"{ERROR}cannot read --input {missing}: No such file or directory"]
    assert out == ""


def test_an_input_that_is_not_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a,b\n\xe9,1\n")
    status, err, _ = run_main(check_args(path), capsys)
    assert status == 2
    assert len(err) == 1
    assert err[0].startswith(f"{ERROR}--input {path} is not UTF-8 text")


def test_a_code_dir_without_a_model(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err, _ = run_main(check_args(data_csv, code_dir=str(tmp_path / "nope")), capsys)
    assert status == 2
    assert err == [f"{ERROR}--code-dir {tmp_path / 'nope'} is not a directory"]


def test_types_naming_a_type_not_installed(
    monkeypatch: pytest.MonkeyPatch, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing(server_type: ServerType) -> list[str]:
        return ["gunicorn"] if server_type is ServerType.GUNICORN else []

    monkeypatch.setattr(servers, "missing_modules", missing)
    status, err, _ = run_main(check_args(data_csv, "--types", "flask,gunicorn"), capsys)
    assert status == 2
    assert err == [
        f"{ERROR}--types names gunicorn, which is not installed: {install_command('gunicorn')}"
    ]


def test_no_type_installed(
    monkeypatch: pytest.MonkeyPatch, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(servers, "missing_modules", lambda server_type: ["flask"])
    status, err, _ = run_main(check_args(data_csv), capsys)
    assert status == 2
    assert len(err) == 1
    assert err == [
        f"{ERROR}no server type is installed: {install_command('check')} installs every one"
    ]


def test_unknown_type_is_argparse_usage_error(
    data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err, _ = run_main(check_args(data_csv, "--types", "flask,tornado"), capsys)
    assert status == 2
    assert err == [
        "drum-testing check: error: argument --types: unknown server type 'tornado' "
        "(choose from flask, gunicorn, fastapi) (see --help)"
    ]


def test_drum_not_found(
    monkeypatch: pytest.MonkeyPatch, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def not_found() -> str:
        raise DrumNotFoundError("no `drum` here; pip install datarobot-drum")

    monkeypatch.setattr(drum_runtime, "find_drum", not_found)
    status, err, _ = run_main(check_args(data_csv, "--drum"), capsys)
    assert status == 2
    assert err == [f"{ERROR}--drum: no `drum` here; pip install datarobot-drum"]


@pytest.mark.parametrize("flag", ["--json", "--junit-xml"])
def test_report_in_a_missing_folder(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    target = tmp_path / "no-such-folder" / "report.out"
    status, err, _ = run_main(check_args(data_csv, flag, str(target)), capsys)
    assert status == 2
    assert err == [f"{ERROR}cannot write {flag} {target}: {target.parent} is not a folder"]
    assert not target.parent.exists()


def test_requests_not_installed(
    monkeypatch: pytest.MonkeyPatch, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    find_spec = importlib.util.find_spec

    def without_requests(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == "requests" else find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without_requests)
    status, err, _ = run_main(check_args(data_csv), capsys)
    assert status == 2
    assert err == [
        f"{ERROR}checking a model needs requests, which is not installed: "
        f"{install_command('check')}"
    ]


@pytest.mark.parametrize(
    ("more", "problem"),
    [
        (["--single-rows", "-1"], "argument --single-rows: expected a whole number, got '-1'"),
        (
            ["--robustness-rows", "0"],
            "argument --robustness-rows: expected a whole number of at least 1, got '0'",
        ),
        (
            ["--latency-seconds", "0"],
            "argument --latency-seconds: expected a number of seconds above 0, got '0'",
        ),
    ],
)
def test_bad_numbers(
    data_csv: Path, capsys: pytest.CaptureFixture[str], more: list[str], problem: str
) -> None:
    status, err, _ = run_main(check_args(data_csv, *more), capsys)
    assert status == 2
    assert err == [f"drum-testing check: error: {problem} (see --help)"]


def test_input_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "--code-dir", REGRESSION, "--target-type", "regression"]
    status, err, _ = run_main(argv, capsys)
    assert status == 2
    assert len(err) == 1
    assert "--input" in err[0]


# --- a whole run, with run_check replaced ------------------------------------------------------


@pytest.fixture
def fake_check(monkeypatch: pytest.MonkeyPatch) -> Callable[[CheckReport], FakeCheck]:
    return lambda report: install_fake_check(monkeypatch, report)


def test_defaults_become_options(
    fake_check: Callable[[CheckReport], FakeCheck],
    data_csv: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = fake_check(clean_report())
    status, _, _ = run_main(check_args(data_csv), capsys)
    assert status == 0
    [options] = fake.options
    assert options.code_dir == Path(REGRESSION)
    assert options.target_type is TargetType.REGRESSION
    assert options.input == data_csv
    assert options.labels is None
    assert options.server_types == tuple(ServerType)  # every one is installed here
    assert options.drum is False
    assert options.runtime_params_file is None
    assert (
        options.single_rows,
        options.robustness_rows,
        options.latency_requests,
        options.latency_seconds,
        options.start_timeout,
        options.log_dir,
    ) == (20, 100, 20, 10.0, None, None)


def test_arguments_become_options(
    monkeypatch: pytest.MonkeyPatch,
    fake_check: Callable[[CheckReport], FakeCheck],
    tmp_path: Path,
    data_csv: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(drum_runtime, "find_drum", lambda: "/opt/drum/bin/drum")
    fake = fake_check(clean_report())
    argv = [
        "check",
        "--code-dir",
        str(MODELS.resolve() / "binary"),
        "--target-type",
        "binary",
        "--positive-class-label",
        "yes",
        "--negative-class-label",
        "no",
        "--input",
        str(data_csv),
        "--types",
        "uvicorn,werkzeug",
        "--drum",
        "--single-rows",
        "0",
        "--robustness-rows",
        "7",
        "--latency-requests",
        "3",
        "--latency-seconds",
        "1.5",
        "--start-timeout",
        "45",
        "--log-dir",
        str(tmp_path / "logs"),
        "--logging-level",
        "info",
        "--quiet",
    ]
    status, _, _ = run_main(argv, capsys)
    assert status == 0
    [options] = fake.options
    assert options.target_type is TargetType.BINARY
    assert options.labels == ("no", "yes")
    assert options.server_types == (ServerType.FASTAPI, ServerType.FLASK)
    assert options.drum is True
    assert options.servers == ("fastapi", "flask", "drum")
    assert (options.single_rows, options.robustness_rows, options.latency_requests) == (0, 7, 3)
    assert (options.latency_seconds, options.start_timeout) == (1.5, 45.0)
    assert options.logging_level == "info"
    assert options.log_dir == tmp_path / "logs"


def test_runtime_params_file_flag_becomes_an_option(tmp_path: Path, data_csv: Path) -> None:
    values = tmp_path / "values.yaml"
    args = cli.build_parser().parse_args(
        check_args(data_csv, "--runtime-params-file", str(values), "--types", "flask")
    )
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    options = build_options(settings, args, {})
    assert options.runtime_params_file == values
    assert options.server_types == (ServerType.FLASK,)


def test_runtime_params_file_variable_reaches_the_check(tmp_path: Path, data_csv: Path) -> None:
    values = tmp_path / "values.yaml"
    args = cli.build_parser().parse_args(check_args(data_csv, "--types", "flask"))
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    environ = {"RUNTIME_PARAMS_FILE": str(values)}
    assert build_options(settings, args, environ).runtime_params_file == values
    assert build_options(settings, args, {"RUNTIME_PARAMS_FILE": ""}).runtime_params_file is None
    flag = cli.build_parser().parse_args(
        check_args(data_csv, "--types", "flask", "--runtime-params-file", "flag.yaml")
    )
    assert build_options(settings, flag, environ).runtime_params_file == Path("flag.yaml")


def test_a_report_path_that_is_a_folder_is_a_usage_error(tmp_path: Path, data_csv: Path) -> None:
    args = cli.build_parser().parse_args(check_args(data_csv, "--json", str(tmp_path)))
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    with pytest.raises(UsageError, match="it is a folder"):
        build_options(settings, args, {})


def test_a_run_prints_the_table_and_writes_the_reports(
    fake_check: Callable[[CheckReport], FakeCheck],
    tmp_path: Path,
    data_csv: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = example_report()
    fake_check(report)
    json_path, xml_path = tmp_path / "report.json", tmp_path / "report.xml"
    argv = check_args(data_csv, "--json", str(json_path), "--junit-xml", str(xml_path))
    status, err, out = run_main(argv, capsys)
    assert status == report.exit_status == 1
    assert out == render(report)
    assert err == ["check: starting flask"]  # the progress line (not a terminal here)
    assert json.loads(json_path.read_text(encoding="utf-8")) == report.to_dict()
    assert xml_path.read_text(encoding="utf-8") == to_junit(report)


def test_quiet_prints_nothing_but_writes_the_reports(
    fake_check: Callable[[CheckReport], FakeCheck],
    tmp_path: Path,
    data_csv: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = clean_report()
    fake_check(report)
    json_path = tmp_path / "report.json"
    status, err, out = run_main(check_args(data_csv, "--quiet", "--json", str(json_path)), capsys)
    assert (status, err, out) == (0, [], "")
    assert json.loads(json_path.read_text(encoding="utf-8"))["ok"] is True


def test_an_interrupted_check(
    monkeypatch: pytest.MonkeyPatch, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(options: CheckOptions, progress: Callable[[str], None]) -> CheckReport:
        progress("starting flask")
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_check", interrupted)
    status, err, out = run_main(check_args(data_csv), capsys)
    assert status == 130
    assert err == [
        "check: starting flask",
        "drum-testing check: interrupted; every server was stopped",
    ]
    assert out == ""


def test_building_the_command_line_imports_nothing_of_the_check() -> None:
    """``drum-testing server`` builds the parser, check's options included, on every start:
    the check's machinery (requests, the test kit, its dataclasses) must not come with it.
    The options are the table's (drum_testing.config.options), so nothing of the check."""
    code = (
        "import sys; from drum_testing import cli; cli.build_parser(); "
        "print(' '.join(sorted(m for m in sys.modules "
        "if m.startswith(('drum_testing.check', 'drum_testing.testing', 'requests')))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == []
