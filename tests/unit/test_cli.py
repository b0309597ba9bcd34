"""cli.py: every way start-up can fail before serving, and the Settings it builds.

``main`` is called in-process only for paths that end before serving; ``serve`` is replaced
so that a test reaching it fails instead of starting a server. The two paths that need a
listening socket or a model import run ``python -m drum_testing server`` as a subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from drum_testing import cli, servers
from drum_testing.settings import (
    MAX_BODY_BYTES_ENV,
    SERVER_TYPE_ENV,
    URL_PREFIX_ENV,
    ServerType,
    Settings,
    TargetType,
)
from tests.conftest import MODELS

ERROR_PREFIX = "drum-testing server: error: "
MODELS_DIR = MODELS.resolve()
REGRESSION = str(MODELS_DIR / "regression")


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(settings: Settings) -> int:
        pytest.fail(f"main() reached serve() with {settings}")

    monkeypatch.setattr(cli, "serve", refuse)


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
            server_args("transform"),
            "argument --target-type: invalid choice: 'transform'",
            id="transform-target-type",
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
            {SERVER_TYPE_ENV: "tornado"},
            f"unknown server type 'tornado' in {SERVER_TYPE_ENV}; "
            "accepted: fastapi, flask, gunicorn, uvicorn, werkzeug",
            id="unknown-server-type",
        ),
        pytest.param(
            {SERVER_TYPE_ENV: '{"type": "string", "payload": "tornado"}'},
            "unknown server type 'tornado'",
            id="unknown-server-type-json",
        ),
        pytest.param(
            {SERVER_TYPE_ENV: '{"type": "string"'},
            f"{SERVER_TYPE_ENV} is not valid JSON",
            id="server-type-bad-json",
        ),
        pytest.param(
            {MAX_BODY_BYTES_ENV: "0"},
            f"{MAX_BODY_BYTES_ENV} must be positive, got 0",
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
def test_server_type_not_available_yet(
    word: str,
    server_type: ServerType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A build that ships only Flask, whatever this checkout ships.
    monkeypatch.setattr(servers, "AVAILABLE", frozenset({ServerType.FLASK}))
    status, err, _ = run_main(server_args(), {SERVER_TYPE_ENV: word}, capsys)
    assert (status, len(err)) == (2, 1), err
    assert err[0] == (
        f"{ERROR_PREFIX}the {server_type.value} server type is not available yet (flask)"
    )


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

    monkeypatch.setattr(cli, "serve", record)
    status, err, out = run_main(server_args(), {URL_PREFIX_ENV: "p"}, capsys)
    assert (status, err, out) == (7, [], "")
    assert served == [build(server_args(), {URL_PREFIX_ENV: "p"})]
    assert served[0].url_prefix == "/p"


# --- build_settings -------------------------------------------------------------------------


def build(argv: Sequence[str], environ: dict[str, str] | None = None) -> Settings:
    return cli.build_settings(cli.build_parser().parse_args(list(argv)), environ or {})


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
    assert build(argv, environ) == Settings(
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


def test_build_settings_defaults() -> None:
    settings = build(server_args())
    assert settings.code_dir == Path(REGRESSION).resolve()
    assert settings.target_type is TargetType.REGRESSION
    assert (settings.host, settings.port) == ("127.0.0.1", 1)
    assert settings.server_type is ServerType.FLASK
    assert (settings.logging_level, settings.max_workers) == ("WARNING", 1)
    assert (settings.with_error_server, settings.url_prefix) == (False, "")
    assert settings.labels is None


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
    for name in (SERVER_TYPE_ENV, URL_PREFIX_ENV, MAX_BODY_BYTES_ENV):
        env.pop(name, None)
    return env


def run_server(code_dir: Path, address: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "drum_testing", "server", "--code-dir", str(code_dir)]
    command += ["--target-type", "regression", "--address", address]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=30, env=subprocess_env(), check=False
    )


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
