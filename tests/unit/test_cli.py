"""cli.py: every way start-up can fail before serving, and the Settings it builds.

``main`` is called in-process only for paths that end before serving; ``serve`` is replaced
so that a test reaching it fails instead of starting a server. The two paths that need a
listening socket or a model import run ``python -m drum_testing server`` as a subprocess.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from drum_testing import cli
from drum_testing.config.build import DRUM_DEFAULT_NOTICE, build_settings
from drum_testing.config.options import OPTIONS
from drum_testing.config.settings import SERVER_TYPE_ENV, ServerType, Settings, TargetType
from drum_testing.install import install_command
from drum_testing.servers import registry as servers
from drum_testing.servers import serve as serve_module
from drum_testing.version import DRUM_VERSION, VERSION
from tests.helpers.models import MODELS

ADDRESS_ENV = "ADDRESS"
CLASS_LABELS_ENV = "CLASS_LABELS"
CLASS_LABELS_FILE_ENV = "CLASS_LABELS_FILE"
CODE_DIR_ENV = "CODE_DIR"
MAX_BODY_BYTES_ENV = "DRUM_MAX_BODY_BYTES"
MAX_WORKERS_ENV = "MAX_WORKERS"
NEGATIVE_CLASS_LABEL_ENV = "NEGATIVE_CLASS_LABEL"
POSITIVE_CLASS_LABEL_ENV = "POSITIVE_CLASS_LABEL"
RUNTIME_PARAMS_FILE_ENV = "RUNTIME_PARAMS_FILE"
SHOW_STACKTRACE_ENV = "SHOW_STACKTRACE"
TARGET_TYPE_ENV = "TARGET_TYPE"
URL_PREFIX_ENV = "URL_PREFIX"
WITH_ERROR_SERVER_ENV = "WITH_ERROR_SERVER"

ERROR_PREFIX = "drum-testing server: error: "
MODELS_DIR = MODELS.resolve()
REGRESSION = str(MODELS_DIR / "regression")


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(settings: Settings) -> int:
        pytest.fail(f"main() reached serve() with {settings}")

    monkeypatch.setattr(serve_module, "serve", refuse)


def run_main(
    argv: Sequence[str], environ: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str], str]:
    """main()'s exit status (returned or raised by argparse), its stderr lines and stdout."""
    try:
        status = cli.main(list(argv), environ=environ)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else -1
    captured = capsys.readouterr()
    return status, captured.err.splitlines(), captured.out


def server_args(target: str = "regression", code_dir: str = REGRESSION) -> list[str]:
    return ["server", "--code-dir", code_dir, "--target-type", target, "--address", "127.0.0.1:1"]


BINARY = str(MODELS_DIR / "binary")
MULTICLASS = str(MODELS_DIR / "multiclass")


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        pytest.param(
            server_args("nope"),
            "argument --target-type: invalid choice: 'nope'",
            id="unknown-target-type",
        ),
        pytest.param(
            server_args("binary", BINARY),
            "a binary model needs --positive-class-label and --negative-class-label",
            id="binary-without-labels",
        ),
        pytest.param(
            [*server_args("binary", BINARY), "--positive-class-label", "yes"],
            "a binary model needs --positive-class-label and --negative-class-label",
            id="binary-without-negative",
        ),
        pytest.param(
            [
                *server_args("binary", BINARY),
                "--positive-class-label",
                "yes",
                "--negative-class-label",
                "yes",
            ],
            "the positive and negative class labels must differ",
            id="binary-same-labels",
        ),
        pytest.param(
            server_args("multiclass", MULTICLASS),
            "a multiclass model needs --class-labels (two or more) or --class-labels-file",
            id="multiclass-without-labels",
        ),
        pytest.param(
            [*server_args("multiclass", MULTICLASS), "--class-labels", "red"],
            "a multiclass model needs --class-labels (two or more) or --class-labels-file",
            id="multiclass-one-label",
        ),
        pytest.param(
            [*server_args("multiclass", MULTICLASS), "--class-labels", "red", "blue", "red"],
            "--class-labels has a label twice",
            id="multiclass-duplicate-label",
        ),
        pytest.param(
            [
                *server_args("multiclass", MULTICLASS),
                "--class-labels",
                "a",
                "b",
                "--class-labels-file",
                "labels.txt",
            ],
            "argument --class-labels-file: not allowed with argument --class-labels",
            id="labels-and-labels-file",
        ),
        pytest.param(
            [*server_args("multiclass", MULTICLASS), "--class-labels-file", "/no/such/labels"],
            "cannot read --class-labels-file: No such file or directory",
            id="labels-file-missing",
        ),
        pytest.param(
            ["server", "--code-dir", REGRESSION, "--target-type", "regression", "--address", "x"],
            "--address must be HOST:PORT, got 'x'",
            id="bad-address",
        ),
        pytest.param(
            [*server_args(), "--max-workers", "0"],
            "argument --max-workers: expected a whole number of at least 1, got '0'",
            id="zero-workers",
        ),
        pytest.param(
            [*server_args()[:-2]],
            "the following arguments are required: --address",
            id="no-address",
        ),
        pytest.param(
            [*server_args(), "--body-budget-bytes", "-5"],
            "argument --body-budget-bytes: expected a whole number, got '-5'",
            id="negative-body-budget",
        ),
        pytest.param(
            [*server_args(), "--body-budget-bytes", "1000", "--max-body-bytes", "1001"],
            "--body-budget-bytes (1000) is below --max-body-bytes (1001)",
            id="body-budget-below-the-body-limit",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err, out = run_main(argv, {}, capsys)
    assert status == 2
    assert len(err) == 1, err
    assert err[0].startswith(ERROR_PREFIX)
    assert problem in err[0]
    assert out == ""


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        pytest.param(
            {SERVER_TYPE_ENV: '{"type": "string"'},
            f"{SERVER_TYPE_ENV}: Invalid runtime parameter json payload",
            id="server-type-bad-json",
        ),
        pytest.param(
            {MAX_BODY_BYTES_ENV: "0"},
            f"{MAX_BODY_BYTES_ENV}: expected a whole number of at least 1, got '0'",
            id="max-body-zero",
        ),
    ],
)
def test_bad_environment_exit_2_with_one_line(
    environ: dict[str, str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err, _ = run_main(server_args(), environ, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0].startswith(ERROR_PREFIX)
    assert problem in err[0]


@pytest.mark.parametrize(
    ("word", "server_type"),
    [
        ("fastapi", ServerType.FASTAPI),
        ("uvicorn", ServerType.FASTAPI),
        ("gunicorn", ServerType.GUNICORN),
        ('{"type": "string", "payload": "fastapi"}', ServerType.FASTAPI),
    ],
)
def test_a_server_type_whose_extra_is_missing_is_one_line_before_the_model_loads(
    word: str,
    server_type: ServerType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As if only the flask extra were installed: the other types' packages can't be found.
    for name in ("gunicorn", "fastapi", "uvicorn"):
        monkeypatch.setitem(sys.modules, name, None)
    loaded: list[object] = []
    monkeypatch.setattr(serve_module, "serve", loaded.append)  # loading and serving come after
    status, err, _ = run_main(server_args(), {SERVER_TYPE_ENV: word}, capsys)
    assert (status, len(err), loaded) == (2, 1, []), err
    missing = "gunicorn" if server_type is ServerType.GUNICORN else "fastapi, uvicorn"
    assert err[0] == (
        f"{ERROR_PREFIX}the {server_type.value} server type needs {missing}, which is not "
        f"installed: {install_command(server_type.value)}"
    )


def test_every_type_of_this_checkout_is_installed() -> None:
    assert {t: servers.missing_modules(t) for t in ServerType} == {t: [] for t in ServerType}


@pytest.mark.parametrize(
    ("make_dir", "problem"),
    [
        pytest.param(False, "is not a directory", id="missing"),
        pytest.param(True, "has neither custom.py nor a model artifact (.pkl)", id="empty"),
    ],
)
def test_code_dir_without_a_model(
    make_dir: bool, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code_dir = tmp_path / "model"
    if make_dir:
        code_dir.mkdir()
        (code_dir / "model.joblib").write_bytes(b"not ours")
    status, err, _ = run_main(server_args("regression", str(code_dir)), {}, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0] == f"{ERROR_PREFIX}--code-dir {code_dir.resolve()} {problem}"


def test_valid_arguments_reach_serve_with_their_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[Settings] = []

    def record(settings: Settings) -> int:
        served.append(settings)
        return 7

    monkeypatch.setattr(serve_module, "serve", record)
    status, err, out = run_main(server_args(), {URL_PREFIX_ENV: "p"}, capsys)
    assert (status, err, out) == (7, [], "")
    assert served == [build(server_args(), {URL_PREFIX_ENV: "p"})]
    assert served[0].url_prefix == "/p"


# --- build_settings -------------------------------------------------------------------------


def build(argv: Sequence[str], environ: dict[str, str] | None = None) -> Settings:
    return build_settings(cli.build_parser().parse_args(list(argv)), environ or {})


def test_build_settings_binary_with_environment(tmp_path: Path) -> None:
    argv = [
        "server",
        "--code-dir",
        str(tmp_path),
        "--target-type",
        "BINARY",
        "--address",
        "[::1]:9001",
        "--positive-class-label",
        "yes",
        "--negative-class-label",
        "no",
        "--logging-level",
        "DEBUG",
        "--max-workers",
        "3",
        "--with-error-server",
    ]
    environ = {
        SERVER_TYPE_ENV: '{"type": "string", "payload": "uvicorn"}',
        URL_PREFIX_ENV: "api/v1/",
        MAX_BODY_BYTES_ENV: "4096",
    }
    settings = build(argv, environ)
    assert settings.sources["server_type"] == SERVER_TYPE_ENV
    assert settings.sources["max_workers"] == "--max-workers"
    assert settings.sources["max_body_bytes"] == MAX_BODY_BYTES_ENV
    assert dataclasses.replace(settings, sources={}) == Settings(
        code_dir=tmp_path.resolve(),
        target_type=TargetType.BINARY,
        host="::1",
        port=9001,
        server_type=ServerType.FASTAPI,
        positive_class_label="yes",
        negative_class_label="no",
        class_labels=None,
        logging_level="DEBUG",
        max_workers=3,
        with_error_server=True,
        url_prefix="/api/v1",
        max_body_bytes=4096,
    )


@pytest.mark.parametrize(
    ("argv", "environ", "budget"),
    [
        ([], {}, None),  # auto, sized when the server starts
        (["--body-budget-bytes", "auto"], {}, None),
        (["--body-budget-bytes", "0"], {}, 0),  # no ceiling
        ([], {"DRUM_BODY_BUDGET_BYTES": "209715200"}, 200 * 2**20),
        (["--body-budget-bytes", "4096", "--max-body-bytes", "4096"], {}, 4096),
    ],
)
def test_build_settings_body_budget(
    argv: list[str], environ: dict[str, str], budget: int | None
) -> None:
    assert build([*server_args(), *argv], environ).body_budget_bytes == budget


def test_build_settings_defaults() -> None:
    settings = build(server_args())
    assert settings.code_dir == Path(REGRESSION).resolve()
    assert settings.target_type is TargetType.REGRESSION
    assert (settings.host, settings.port) == ("127.0.0.1", 1)
    # DRUM's default, with DRUM's notice; serve() falls back to flask without gunicorn.
    assert settings.server_type is ServerType.GUNICORN
    assert settings.sources["server_type"] == "default"
    assert settings.notices == (DRUM_DEFAULT_NOTICE,)
    assert (settings.logging_level, settings.max_workers) == ("WARNING", 1)
    assert (settings.with_error_server, settings.url_prefix) == (False, "")
    assert settings.labels is None


def test_the_log_is_text_without_access_lines_by_default() -> None:
    settings = build(server_args())
    assert (settings.log_format, settings.access_log) == ("text", False)


@pytest.mark.parametrize(
    ("argv", "environ"),
    [
        (["--log-format", "JSON", "--access-log"], {}),
        ([], {"DRUM_LOG_FORMAT": "json", "DRUM_ACCESS_LOG": "true"}),
    ],
)
def test_log_format_and_access_log_by_flag_or_variable(
    argv: list[str], environ: dict[str, str]
) -> None:
    settings = build([*server_args(), *argv], environ)
    assert (settings.log_format, settings.access_log) == ("json", True)


def test_an_unknown_log_format_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, err, _ = run_main([*server_args(), "--log-format", "xml"], {}, capsys)
    assert status == 2
    assert "--log-format" in err[-1]
    assert "'text', 'json'" in err[-1]


def test_score_takes_the_log_format() -> None:
    assert build([*score_args("x.csv"), "--log-format", "json"]).log_format == "json"


@pytest.mark.parametrize("environ", [{}, {TARGET_TYPE_ENV: "Transform"}])
def test_build_settings_takes_the_transform_target_type(environ: dict[str, str]) -> None:
    argv = server_args("TRANSFORM", str(MODELS_DIR / "transform"))
    if environ:
        argv = [arg for arg in argv if arg not in ("--target-type", "TRANSFORM")]
    assert build(argv, environ).target_type is TargetType.TRANSFORM


def test_build_settings_resolves_a_relative_code_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert build(server_args("regression", "model")).code_dir == (tmp_path / "model").resolve()


def test_build_settings_class_labels_file(tmp_path: Path) -> None:
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text("red\n\n  green \nblue\n\n", encoding="utf-8")
    argv = [*server_args("multiclass", MULTICLASS), "--class-labels-file", str(labels_file)]
    settings = build(argv)
    assert settings.class_labels == ("red", "green", "blue")
    assert settings.labels == ("red", "green", "blue")


def test_build_settings_class_labels() -> None:
    argv = [*server_args("multiclass", MULTICLASS), "--class-labels", "b", "a", "c"]
    assert build(argv).labels == ("b", "a", "c")


def test_build_settings_fds() -> None:
    settings = build([*server_args(), "--listen-fd", "5", "--lifeline-fd", "7"])
    assert (settings.listen_fd, settings.lifeline_fd) == (5, 7)


# --- python -m drum_testing server, in a subprocess -----------------------------------------


def subprocess_env() -> dict[str, str]:
    """This process's environment without the variables the server reads."""
    env = dict(os.environ)
    for option in OPTIONS:
        if option.variable is not None:
            env.pop(option.variable, None)
    return env


def run_server(code_dir: Path, address: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "drum_testing", "server", "--code-dir", str(code_dir)]
    command += ["--target-type", "regression", "--address", address]
    env = {**subprocess_env(), SERVER_TYPE_ENV: "flask"}
    return subprocess.run(command, capture_output=True, text=True, timeout=30, env=env, check=False)


def test_address_in_use_is_one_line_without_traceback() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        result = run_server(MODELS_DIR / "regression", address)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{ERROR_PREFIX}cannot listen on {address}")
    assert result.stdout == ""


def test_model_import_error_exits_1_with_its_traceback() -> None:
    result = run_server(MODELS_DIR / "import_error", "127.0.0.1:0")
    assert result.returncode == 1, result.stderr
    assert "Traceback (most recent call last):" in result.stderr
    assert "RuntimeError: this fixture model fails on import" in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"{ERROR_PREFIX}the model in {MODELS_DIR / 'import_error'}")
    assert "failed to load: RuntimeError('this fixture model fails on import')" in last


# --- DRUM's arguments as environment variables ------------------------------------------------

ENV_ONLY = {TARGET_TYPE_ENV: "regression", CODE_DIR_ENV: REGRESSION, ADDRESS_ENV: "127.0.0.1:1"}
"""What DataRobot sets instead of server_args()."""


def test_variables_alone_build_the_same_settings_as_flags() -> None:
    assert build(["server"], ENV_ONLY) == build(server_args())


@pytest.mark.parametrize(
    ("flag", "flag_value", "variable", "variable_value", "attribute", "expected"),
    [
        (
            "--target-type",
            "unstructured",
            TARGET_TYPE_ENV,
            "anomaly",
            "target_type",
            "unstructured",
        ),
        ("--address", "127.0.0.1:2", ADDRESS_ENV, "127.0.0.1:3", "port", 2),
        ("--max-workers", "2", MAX_WORKERS_ENV, "5", "max_workers", 2),
    ],
)
def test_the_command_line_wins_over_the_variable(
    flag: str,
    flag_value: str,
    variable: str,
    variable_value: str,
    attribute: str,
    expected: object,
) -> None:
    settings = build(["server", flag, flag_value], {**ENV_ONLY, variable: variable_value})
    assert getattr(settings, attribute) == expected
    # ...in DRUM's spelling and in the --flag=value one, which DRUM lets the variable win.
    settings = build(["server", f"{flag}={flag_value}"], {**ENV_ONLY, variable: variable_value})
    assert getattr(settings, attribute) == expected


def test_code_dir_flag_wins(tmp_path: Path) -> None:
    settings = build(["server", "--code-dir", str(tmp_path)], ENV_ONLY)
    assert settings.code_dir == tmp_path.resolve()


def test_max_workers_from_the_environment() -> None:
    assert build(["server"], {**ENV_ONLY, MAX_WORKERS_ENV: "3"}).max_workers == 3
    assert build(["server"], ENV_ONLY).max_workers == 1


def test_binary_labels_from_the_environment() -> None:
    environ = {
        **ENV_ONLY,
        TARGET_TYPE_ENV: "binary",
        POSITIVE_CLASS_LABEL_ENV: "yes",
        NEGATIVE_CLASS_LABEL_ENV: "no",
    }
    assert build(["server"], environ).labels == ("yes", "no")
    argv = ["server", "--positive-class-label", "sí"]
    assert build(argv, environ).labels == ("sí", "no")


def test_class_labels_variable_is_split_on_whitespace() -> None:
    environ = {**ENV_ONLY, TARGET_TYPE_ENV: "multiclass", CLASS_LABELS_ENV: "red  green\tblue"}
    assert build(["server"], environ).labels == ("red", "green", "blue")


@pytest.mark.parametrize(
    ("argv", "with_file_variable", "expected"),
    [
        pytest.param([], False, ("red", "green", "blue"), id="labels-variable"),
        pytest.param([], True, ("a", "b", "c"), id="both-variables-file-wins"),
        pytest.param(["--class-labels", "x", "y"], True, ("x", "y"), id="flag-beats-file-var"),
        pytest.param(["--class-labels-file", "F"], False, ("a", "b", "c"), id="file-flag"),
    ],
)
def test_class_labels_precedence_as_in_drum(
    argv: list[str], with_file_variable: bool, expected: tuple[str, ...], tmp_path: Path
) -> None:
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text("a\nb\nc\n", encoding="utf-8")
    environ = {**ENV_ONLY, TARGET_TYPE_ENV: "multiclass", CLASS_LABELS_ENV: "red green blue"}
    if with_file_variable:
        environ[CLASS_LABELS_FILE_ENV] = str(labels_file)
    argv = [str(labels_file) if a == "F" else a for a in argv]
    assert build(["server", *argv], environ).labels == expected


@pytest.mark.parametrize(
    ("word", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("0", False), ("no", False)]
)
def test_with_error_server_from_the_environment(word: str, expected: bool) -> None:
    environ = {**ENV_ONLY, WITH_ERROR_SERVER_ENV: word}
    assert build(["server"], environ).with_error_server is expected
    assert build(["server", "--with-error-server"], environ).with_error_server is True


def test_show_stacktrace_is_accepted() -> None:
    assert build(["server", "--show-stacktrace"], {**ENV_ONLY, SHOW_STACKTRACE_ENV: "1"})


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        pytest.param(
            {TARGET_TYPE_ENV: "nope"},
            f"{TARGET_TYPE_ENV}: invalid choice: 'nope' (choose from 'regression', 'binary'",
            id="target-type",
        ),
        pytest.param({ADDRESS_ENV: "x"}, f"{ADDRESS_ENV} must be HOST:PORT, got 'x'", id="address"),
        pytest.param(
            {MAX_WORKERS_ENV: "0"},
            f"{MAX_WORKERS_ENV}: expected a whole number of at least 1, got '0'",
            id="max-workers",
        ),
        pytest.param(
            {WITH_ERROR_SERVER_ENV: "maybe"},
            f"{WITH_ERROR_SERVER_ENV}: must be a boolean (t, true, y, yes, on, 1, 1.0 or false, "
            "n, no, off, 0, none, 0.0), got 'maybe'",
            id="with-error-server",
        ),
        pytest.param(
            {SHOW_STACKTRACE_ENV: "f"}, f"{SHOW_STACKTRACE_ENV}: must be a boolean", id="stacktrace"
        ),
        pytest.param(
            {TARGET_TYPE_ENV: "multiclass", CLASS_LABELS_FILE_ENV: "/no/such/labels"},
            f"cannot read {CLASS_LABELS_FILE_ENV}: No such file or directory",
            id="labels-file",
        ),
        pytest.param(
            {TARGET_TYPE_ENV: "multiclass", CLASS_LABELS_ENV: "a b a"},
            f"{CLASS_LABELS_ENV} has a label twice",
            id="labels-twice",
        ),
        pytest.param(
            {TARGET_TYPE_ENV: "binary", POSITIVE_CLASS_LABEL_ENV: "yes"},
            "a binary model needs --positive-class-label and --negative-class-label "
            f"(or {POSITIVE_CLASS_LABEL_ENV} and {NEGATIVE_CLASS_LABEL_ENV})",
            id="binary-half",
        ),
        pytest.param(
            {CODE_DIR_ENV: "", ADDRESS_ENV: ""},
            "the following arguments are required: --code-dir, --address "
            f"(or the environment variables {CODE_DIR_ENV}, {ADDRESS_ENV})",
            id="empty-is-unset",
        ),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(
    environ: dict[str, str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err, out = run_main(["server"], {**ENV_ONLY, **environ}, capsys)
    assert (status, len(err), out) == (2, 1, ""), err
    assert err[0].startswith(ERROR_PREFIX)
    assert problem in err[0]


def test_nothing_given_names_every_flag_and_variable(capsys: pytest.CaptureFixture[str]) -> None:
    status, err, _ = run_main(["server"], {}, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0] == (
        f"{ERROR_PREFIX}the following arguments are required: --code-dir, --target-type, "
        f"--address (or the environment variables {CODE_DIR_ENV}, {TARGET_TYPE_ENV}, "
        f"{ADDRESS_ENV})"
    )


# --- --runtime-params-file --------------------------------------------------------------------

RUNTIME_PARAMS_MODEL = str(MODELS_DIR / "runtime_params")


def runtime_params_args(values_file: Path | None = None) -> list[str]:
    argv = server_args("unstructured", RUNTIME_PARAMS_MODEL)
    return argv if values_file is None else [*argv, "--runtime-params-file", str(values_file)]


def write_values(tmp_path: Path, text: str, name: str = "values.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_runtime_params_file_becomes_variables(tmp_path: Path) -> None:
    settings = build(runtime_params_args(write_values(tmp_path, "THRESHOLD: 5\n")))
    assert settings.runtime_params["MLOPS_RUNTIME_PARAM_THRESHOLD"] == (
        '{"type": "numeric", "payload": 5}'
    )
    assert settings.runtime_params["MLOPS_RUNTIME_PARAM_GREETING"] == (
        '{"type": "string", "payload": "hello"}'
    )
    assert "MLOPS_RUNTIME_PARAM" not in repr(settings)  # credentials stay out of logs


def test_runtime_params_file_from_the_environment_and_flag_wins(tmp_path: Path) -> None:
    from_env = write_values(tmp_path, "THRESHOLD: 1\n", "env.yaml")
    from_flag = write_values(tmp_path, "THRESHOLD: 2\n", "flag.yaml")
    environ = {RUNTIME_PARAMS_FILE_ENV: str(from_env)}
    variable = "MLOPS_RUNTIME_PARAM_THRESHOLD"
    assert '"payload": 1' in build(runtime_params_args(), environ).runtime_params[variable]
    settings = build(runtime_params_args(from_flag), environ)
    assert '"payload": 2' in settings.runtime_params[variable]
    assert build(runtime_params_args(), {RUNTIME_PARAMS_FILE_ENV: ""}).runtime_params == {}


@pytest.mark.parametrize(
    ("use_variable", "name"), [(False, "--runtime-params-file"), (True, RUNTIME_PARAMS_FILE_ENV)]
)
def test_bad_runtime_params_file_is_one_line(
    use_variable: bool, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = write_values(tmp_path, "THRESHOLD: 50\n")
    argv = runtime_params_args(None if use_variable else values)
    environ = {RUNTIME_PARAMS_FILE_ENV: str(values)} if use_variable else {}
    status, err, _ = run_main(argv, environ, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0] == (
        f"{ERROR_PREFIX}{name}: failed to load runtime parameter 'THRESHOLD': "
        "the value is greater than the maximum 10"
    )


def test_runtime_params_file_may_choose_the_server_type(tmp_path: Path) -> None:
    code_dir = tmp_path / "model"
    code_dir.mkdir()
    (code_dir / "custom.py").write_text("", encoding="utf-8")
    (code_dir / "model-metadata.yaml").write_text(
        "runtimeParameterDefinitions:\n  - fieldName: DRUM_SERVER_TYPE\n    type: string\n",
        encoding="utf-8",
    )
    values = write_values(tmp_path, "DRUM_SERVER_TYPE: fastapi\n")
    argv = [*server_args("regression", str(code_dir)), "--runtime-params-file", str(values)]
    # The file replaces the variable, as in DRUM, which reads the type after loading it.
    assert build(argv, {SERVER_TYPE_ENV: "gunicorn"}).server_type is ServerType.FASTAPI


def test_main_exports_the_runtime_params_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, str | None] = {}

    def record(settings: Settings) -> int:
        for name in settings.runtime_params:
            seen[name] = os.environ.get(name)
        return 0

    monkeypatch.setattr(serve_module, "serve", record)
    for name in ("MLOPS_RUNTIME_PARAM_THRESHOLD", "MLOPS_RUNTIME_PARAM_GREETING"):
        monkeypatch.setenv(name, "before")  # monkeypatch restores them after the test
    values = write_values(tmp_path, "THRESHOLD: 5\n")
    status, err, _ = run_main(runtime_params_args(values), {}, capsys)
    assert (status, err) == (0, [])
    assert seen["MLOPS_RUNTIME_PARAM_THRESHOLD"] == '{"type": "numeric", "payload": 5}'
    assert seen["MLOPS_RUNTIME_PARAM_GREETING"] == '{"type": "string", "payload": "hello"}'
    assert len(seen) == 7


# --- drum-testing score -----------------------------------------------------------------------

SCORE_ERROR_PREFIX = "drum-testing score: error: "


def score_args(
    input_file: Path | str, target: str = "regression", code_dir: str = REGRESSION
) -> list[str]:
    return ["score", "--code-dir", code_dir, "--target-type", target, "--input", str(input_file)]


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n3,4.5\n")
    return path


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        pytest.param(
            ["score", "--code-dir", REGRESSION, "--target-type", "regression"],
            "the following arguments are required: --input",
            id="no-input",
        ),
        pytest.param(
            ["score", "--input", "x.csv"],
            "the following arguments are required: --code-dir, --target-type "
            "(or the environment variables CODE_DIR, TARGET_TYPE)",
            id="no-model",
        ),
        pytest.param(
            score_args("x.csv", "binary", BINARY),
            "a binary model needs --positive-class-label and --negative-class-label",
            id="binary-without-labels",
        ),
        pytest.param(
            score_args("/no/such/input.csv"),
            "cannot read /no/such/input.csv: No such file",
            id="missing-input",
        ),
        pytest.param(
            [*score_args("x.csv"), "--output", "/no/such/folder/out.csv"],
            "cannot write --output /no/such/folder/out.csv: /no/such/folder is not a folder",
            id="output-in-no-folder",
        ),
    ],
)
def test_score_usage_errors_exit_2_with_one_line(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err, out = run_main(argv, {}, capsys)
    assert status == 2
    assert len(err) == 1, err
    assert err[0].startswith(SCORE_ERROR_PREFIX)
    assert problem in err[0]
    assert out == ""


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"", "data.csv: no data: the CSV is empty", id="empty"),
        pytest.param(b"a,b\n1,2\n1,2,3\n", "data.csv: the CSV cannot be parsed", id="not-csv"),
        pytest.param(b"a\n\xff\n", "data.csv: the body is not valid utf-8", id="not-utf-8"),
    ],
)
def test_score_input_that_does_not_parse_exits_2_with_one_line(
    tmp_path: Path,
    data: bytes,
    problem: str,
    capsys: pytest.CaptureFixture[str],
    restore_imports: None,
) -> None:
    (tmp_path / "data.csv").write_bytes(data)
    output = tmp_path / "out.csv"
    argv = [*score_args(tmp_path / "data.csv"), "--output", str(output)]
    status, err, out = run_main(argv, {}, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0].startswith(SCORE_ERROR_PREFIX)
    assert problem in err[0]
    assert out == ""
    assert not output.exists()


def test_address_is_not_a_score_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, err, _ = run_main([*score_args("x.csv"), "--address", "127.0.0.1:1"], {}, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0].startswith("drum-testing: error: unrecognized arguments: --address")


def test_score_writes_output(
    tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    output = tmp_path / "out.csv"
    status, err, out = run_main([*score_args(csv_file), "--output", str(output)], {}, capsys)
    assert (status, err) == (0, [])
    assert output.read_bytes() == b"Predictions\n3.0\n7.5\n"
    assert out == "regression fixture scored 2 rows\n"  # the model's own print, nothing else


def test_score_without_output_prints_as_drum_prints(
    csv_file: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    argv = [
        *score_args(csv_file, "binary", BINARY),
        "--negative-class-label",
        "no",
        "--positive-class-label",
        "yes",
    ]
    status, err, out = run_main(argv, {}, capsys)
    assert (status, err) == (0, [])
    assert out.splitlines() == ["    yes    no", "0  0.75  0.25", "1  0.75  0.25"]


def test_score_takes_drums_variables_but_not_the_servers(
    tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    output = tmp_path / "out.csv"
    # ADDRESS is a server option: score neither needs it nor reads it (a bad one is no error).
    environ = {CODE_DIR_ENV: REGRESSION, TARGET_TYPE_ENV: "regression", ADDRESS_ENV: "bad"}
    argv = ["score", "--input", str(csv_file), "--output", str(output)]
    status, err, _ = run_main(argv, environ, capsys)
    assert (status, err) == (0, [])
    assert output.read_bytes() == b"Predictions\n3.0\n7.5\n"


def test_score_hook_that_raises_exits_1_with_its_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    (tmp_path / "data.csv").write_bytes(b"fail\n1\n")
    output = tmp_path / "out.csv"
    argv = [*score_args(tmp_path / "data.csv"), "--output", str(output)]
    status, err, out = run_main(argv, {}, capsys)
    assert (status, out) == (1, "")
    assert "Traceback (most recent call last):" in err
    assert "ValueError: model failed on purpose" in err
    assert err[-1] == (
        f"{SCORE_ERROR_PREFIX}the model failed to score {tmp_path / 'data.csv'}: "
        "ValueError('model failed on purpose')"
    )
    assert not output.exists()


def test_score_answer_that_cannot_be_written_exits_1_with_one_line(
    tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    code_dir = tmp_path / "model"
    code_dir.mkdir()
    (code_dir / "custom.py").write_text("def score(data, model, **kwargs):\n    return [1]\n")
    status, err, _ = run_main(score_args(csv_file, code_dir=str(code_dir)), {}, capsys)
    assert (status, len(err)) == (1, 1), err
    assert err[0].startswith(f"{SCORE_ERROR_PREFIX}the model's answer for {csv_file}")
    assert "score must return a dataframe" in err[0]


def test_score_unstructured_output_is_the_answer_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    (tmp_path / "in.txt").write_bytes(b"hello\r\nworld")
    unstructured = str(MODELS_DIR / "unstructured")
    argv = [*score_args(tmp_path / "in.txt", "unstructured", unstructured), "--query", "mode=upper"]
    status, err, out = run_main([*argv, "--output", str(tmp_path / "out")], {}, capsys)
    assert (status, err, out) == (0, [], "")
    assert (tmp_path / "out").read_bytes() == b"HELLO\r\nWORLD"
    status, err, out = run_main(argv, {}, capsys)
    assert (status, err, out) == (0, [], "HELLO\nWORLD\n")  # as DRUM prints it


def test_score_serves_drums_api_to_a_model_written_for_drum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_imports: None
) -> None:
    (tmp_path / "in.txt").write_bytes(b"hello")
    if importlib.util.find_spec("datarobot_drum") is not None:
        pytest.skip("datarobot_drum is installed: the model gets DRUM's own package")
    argv = score_args(tmp_path / "in.txt", "unstructured", str(MODELS_DIR / "drum_api"))
    status, err, out = run_main(argv, {}, capsys)
    assert (status, err) == (0, [])
    assert json.loads(out)["module"] == "drum_testing.errors"


def run_score(argv: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "drum_testing", *argv]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        cwd=cwd,
        check=False,
    )


def test_python_m_drum_testing_score(tmp_path: Path, csv_file: Path) -> None:
    result = run_score([*score_args(csv_file.name), "--output", "out.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_bytes() == b"Predictions\n3.0\n7.5\n"


def test_score_model_that_fails_to_load_exits_1_with_its_traceback(
    tmp_path: Path, csv_file: Path
) -> None:
    code_dir = str(MODELS_DIR / "import_error")
    result = run_score(score_args(csv_file.name, code_dir=code_dir), tmp_path)
    assert result.returncode == 1, result.stderr
    assert "RuntimeError: this fixture model fails on import" in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"{SCORE_ERROR_PREFIX}the model in {code_dir} failed to load")
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["server", "score"])
def test_both_subcommands_take_the_model_options(command: str) -> None:
    parser = cli.build_parser()
    argv = [command, "--code-dir", "m", "--target-type", "MULTICLASS", "--class-labels-file", "f"]
    argv += ["--logging-level", "DEBUG", "--runtime-params-file", "p.yaml", "--show-stacktrace"]
    args = parser.parse_args([*argv, "--input", "x"] if command == "score" else argv)
    assert (args.target_type, args.class_labels_file, args.logging_level) == (
        "multiclass",
        Path("f"),
        "DEBUG",  # DRUM's word, read as the level it means
    )
    assert (args.runtime_params_file, args.show_stacktrace) == (Path("p.yaml"), True)


# --- --version ------------------------------------------------------------------------------


def test_version_names_ours_and_the_drum_version_served(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, err, out = run_main(["--version"], {}, capsys)
    # As DRUM's `drum --version` ("drum 1.18.1"): stdout, exit 0; ours adds what it serves.
    assert (status, err) == (0, [])
    assert out == f"drum-testing {VERSION} (serves DRUM {DRUM_VERSION})\n"


def test_version_is_the_installed_distributions() -> None:
    assert importlib.metadata.version("drum-testing") == VERSION


def test_python_m_drum_testing_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "drum_testing", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"drum-testing {VERSION} (serves DRUM {DRUM_VERSION})\n"
