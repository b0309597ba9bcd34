"""DrumServerRun against a stand-in server: command, environment, readiness, failure, stop.

The stand-in (``STANDIN``, :mod:`tests.helpers.standin`) serves ``/ping/`` on the inherited
``--listen-fd`` and watches ``--lifeline-fd``, like the real server; ``STANDIN_MODE`` in its
environment makes it misbehave. No model server is needed. The pytest plugin's fixtures are
tested in ``tests/unit/testing/test_plugin.py``.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drum_testing.config.settings import SERVER_TYPE_ENV, SettingsError
from drum_testing.launch import run as run_module
from drum_testing.launch.ports import PortInUseError
from drum_testing.launch.process import start_process_group, stop_process_group, wait_for
from drum_testing.testing import DrumServerRun, ServerStartError, listening_socket
from tests.helpers.models import BINARY_LABELS, MULTICLASS_LABELS
from tests.helpers.standin import STANDIN, made_dirs, options, ping, write_script
from tests.helpers.waiting import running

Factory = Callable[..., DrumServerRun]


@pytest.fixture
def standin(tmp_path: Path) -> Path:
    return write_script(tmp_path / "standin.py", STANDIN)


@pytest.fixture
def make_run(standin: Path, tmp_path: Path) -> Iterator[Factory]:
    """DrumServerRun(target, labels, code_dir, **kwargs) that runs the stand-in."""

    class StandInRun(DrumServerRun):
        def _spawn_command(self, command: list[str]) -> list[str]:
            assert command[:4] == [sys.executable, "-m", "drum_testing", "server"]
            return [sys.executable, str(standin), *command[4:]]

    made: list[DrumServerRun] = []

    def make(
        target_type: str = "regression", labels: Any = None, mode: str = "ok", **kwargs: Any
    ) -> DrumServerRun:
        kwargs.setdefault("log_dir", tmp_path / "logs")
        kwargs.setdefault("wait_for_server_timeout", 10)
        kwargs.setdefault("stop_timeout", 5)
        env = {"STANDIN_MODE": mode, **kwargs.pop("env", {})}
        run = StandInRun(target_type, labels, tmp_path, env=env, **kwargs)
        made.append(run)
        return run

    yield make
    for run in made:
        run.stop()


@pytest.mark.parametrize(
    ("target_type", "labels", "expected"),
    [
        ("regression", None, {}),
        (
            "binary",
            BINARY_LABELS,
            {"--positive-class-label": ["yes"], "--negative-class-label": ["no"]},
        ),
        ("multiclass", MULTICLASS_LABELS, {"--class-labels": list(MULTICLASS_LABELS)}),
        ("anomaly", None, {}),
        ("unstructured", None, {}),
        ("textgeneration", None, {}),
    ],
)
def test_command_for_each_target_type(
    make_run: Factory, target_type: str, labels: Any, expected: dict[str, list[str]], tmp_path: Path
) -> None:
    with make_run(target_type, labels) as run:
        command = run.get_command()
        assert command[:4] == [sys.executable, "-m", "drum_testing", "server"]
        assert options(command) == {
            "--code-dir": [str(tmp_path)],
            "--target-type": [target_type],
            "--address": [run.server_address],
            **expected,
            "--listen-fd": [options(command)["--listen-fd"][0]],
            "--lifeline-fd": [options(command)["--lifeline-fd"][0]],
        }
        assert f"ARGV {json.dumps(command[4:])}" in run.log_text()  # what the server got


def test_command_options_and_explicit_port(make_run: Factory) -> None:
    with listening_socket() as probe:
        port = probe.getsockname()[1]  # a port that was free a moment ago
    run = make_run(
        port=port,
        max_workers=3,
        logging_level="debug",
        with_error_server=True,
        extra_args=["--extra", "x"],
    )
    with run:
        assert run.port == port
        assert run.server_address == f"127.0.0.1:{port}"
        assert run.url_server_address == f"http://127.0.0.1:{port}"
        command = run.get_command()
        assert command[-2:] == ["--extra", "x"]
        assert options(command)["--max-workers"] == ["3"]
        assert options(command)["--logging-level"] == ["debug"]
        assert options(command)["--with-error-server"] == []


def test_get_command_needs_a_started_run() -> None:
    run = DrumServerRun("regression", None, ".")
    with pytest.raises(RuntimeError, match="not started"):
        run.get_command()


@pytest.mark.parametrize(
    ("target_type", "labels", "error"),
    [
        ("binary", ("a", "b", "c"), ValueError),
        ("multiclass", ("a",), ValueError),
        ("regression", ("a", "b"), ValueError),
        ("binary", "ab", TypeError),
        ("nonsense", None, ValueError),
    ],
)
def test_bad_arguments_fail_before_starting(target_type: str, labels: Any, error: type) -> None:
    with pytest.raises(error):
        DrumServerRun(target_type, labels, ".")


def test_server_type_goes_to_the_child_env_only(make_run: Factory) -> None:
    before = dict(os.environ)
    with make_run(server_type="fastapi", env={"STANDIN_EXTRA": "yes"}) as run:
        assert run.server_type == "fastapi"
        assert run.get_env()[SERVER_TYPE_ENV] == "fastapi"
        assert run.get_env()["STANDIN_EXTRA"] == "yes"
        assert "SERVER_TYPE fastapi" in run.log_text()
        assert "EXTRA yes" in run.log_text()
        assert dict(os.environ) == before
    assert dict(os.environ) == before


def test_server_type_falls_back_to_the_env_var_then_flask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVER_TYPE_ENV, "gunicorn")
    run = DrumServerRun("regression", None, ".")
    assert run.server_type == "gunicorn"
    assert run.get_env()[SERVER_TYPE_ENV] == "gunicorn"
    monkeypatch.delenv(SERVER_TYPE_ENV)
    run = DrumServerRun("regression", None, ".")
    assert run.server_type == "flask"
    assert run.get_env()[SERVER_TYPE_ENV] == "flask"


def test_server_type_json_is_passed_as_given_and_resolved() -> None:
    value = '{"type": "string", "payload": "uvicorn"}'
    run = DrumServerRun("regression", None, ".", server_type=value)
    assert run.server_type == "fastapi"
    assert run.get_env()[SERVER_TYPE_ENV] == value


def test_bad_server_type_settings() -> None:
    with pytest.raises(SettingsError, match="unknown server type"):
        DrumServerRun("regression", None, ".", server_type="tornado")
    with pytest.raises(ValueError, match="server_type="):
        DrumServerRun("regression", None, ".", env={SERVER_TYPE_ENV: "flask"})


# --- DRUM's own DrumServerRun signature ---------------------------------------------------


def test_drums_positional_call_means_what_it_means_in_drum(make_run: Factory) -> None:
    # datarobot_drum: labels[0] is the negative class, labels[1] the positive one.
    with make_run("binary", ["no", "yes"]) as run:
        parsed = options(run.get_command())
        assert parsed["--negative-class-label"] == ["no"]
        assert parsed["--positive-class-label"] == ["yes"]


def test_drums_keyword_names_and_ours_are_both_accepted(tmp_path: Path) -> None:
    drum = DrumServerRun(
        target_type="multiclass",
        labels=["a", "b", "c"],
        custom_model_dir=tmp_path,
        with_error_server=True,
        max_workers=2,
        port=0,
        wait_for_server_timeout=5,
        logging_level="info",
        target_name="y",
        show_stacktrace=False,
        verbose=False,
        fail_on_shutdown_error=False,
        docker=None,
    )
    ours = DrumServerRun("multiclass", class_labels=["a", "b", "c"], code_dir=tmp_path)
    assert drum.labels == ours.labels == ours.class_labels == ("a", "b", "c")
    assert drum.code_dir == ours.code_dir == tmp_path
    assert drum.get_env()["TARGET_NAME"] == "y"
    assert "TARGET_NAME" not in ours.get_env()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"labels": ["n", "y"], "class_labels": ["n", "y"]},
            TypeError,
            "labels= and class_labels=",
        ),
        ({"code_dir": "."}, TypeError, "custom_model_dir= and code_dir="),
        ({"docker": "python:3.11"}, ValueError, "docker option is not supported"),
        ({"gpu_predictor": "nim"}, ValueError, "gpu_predictor option is not supported"),
        ({"no_such_option": 1}, TypeError, "unexpected keyword argument 'no_such_option'"),
    ],
)
def test_drum_options_we_cannot_honour_fail_loudly(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        DrumServerRun("binary", kwargs.pop("labels", None), ".", **kwargs)


def test_pass_args_as_env_vars_moves_the_options_into_the_servers_environment(
    make_run: Factory,
) -> None:
    before = dict(os.environ)
    with make_run("binary", ["no", "yes"], pass_args_as_env_vars=True, max_workers=2) as run:
        command, env = run.get_command(), run.get_env()
        assert not {"--code-dir", "--target-type", "--address", "--max-workers"} & set(command)
        assert not {"--positive-class-label", "--negative-class-label"} & set(command)
        assert env["TARGET_TYPE"] == "binary"
        assert env["ADDRESS"] == run.server_address
        assert (env["NEGATIVE_CLASS_LABEL"], env["POSITIVE_CLASS_LABEL"]) == ("no", "yes")
        assert env["MAX_WORKERS"] == "2"
    assert dict(os.environ) == before  # DRUM's sets them in the caller's environment


def test_append_cmd_is_split_into_arguments_not_run_by_a_shell(make_run: Factory) -> None:
    with make_run(append_cmd="--extra 'a b'; echo no") as run:
        assert run.get_command()[-4:] == ["--extra", "a b;", "echo", "no"]


def test_option_variables_in_the_callers_environment_do_not_reach_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_WORKERS", "9")
    monkeypatch.setenv("WITH_ERROR_SERVER", "1")
    monkeypatch.setenv("UNRELATED", "kept")
    env = DrumServerRun("regression", None, ".", env={"MAX_WORKERS": "2"}).get_env()
    assert "WITH_ERROR_SERVER" not in env
    assert env["MAX_WORKERS"] == "2"  # given for this server: it goes
    assert env["UNRELATED"] == "kept"


def test_start_answers_and_stop_is_graceful(make_run: Factory) -> None:
    run = make_run()
    with run:
        assert ping(run) == (200, "0+standin", {"message": "OK"})
        assert run.process.poll() is None  # running
        assert run in run_module._LIVE
    assert run.returncode == 0  # SIGTERM, then a clean exit
    assert not running(run.process.pid)
    assert run not in run_module._LIVE
    assert "stopped cleanly" in run.log_text()  # the log is kept
    with listening_socket(port=run.port):
        pass  # the port is free again
    assert run.stop() == 0  # idempotent
    with pytest.raises(RuntimeError, match="starts once"):
        run.start()


def test_slow_start_waits_in_the_backlog(make_run: Factory) -> None:
    with make_run(mode="slow") as run:
        assert ping(run)[0] == 200


def test_exit_before_ready_raises_at_once_with_the_log(make_run: Factory) -> None:
    run = make_run(mode="exit3", wait_for_server_timeout=60)
    began = time.monotonic()
    with pytest.raises(ServerStartError) as caught:
        run.start()
    assert time.monotonic() - began < 30
    message = str(caught.value)
    assert "exit code 3" in message
    assert shlex.join(caught.value.command) in message
    assert "stand-in: failing on purpose" in message
    assert caught.value.returncode == 3
    assert isinstance(caught.value, RuntimeError)


@pytest.mark.parametrize(("mode", "why"), [("silent", "TimeoutError"), ("no-header", "no X-Drum")])
def test_never_ready_times_out_and_is_stopped(make_run: Factory, mode: str, why: str) -> None:
    run = make_run(mode=mode, wait_for_server_timeout=1.5)
    began = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        run.start()
    assert 1.5 <= time.monotonic() - began < 15
    assert why in str(caught.value)
    assert "ARGV" in str(caught.value)  # the log tail
    assert not running(run.process.pid)
    assert run not in run_module._LIVE


def test_taken_port_fails_before_anything_starts(make_run: Factory) -> None:
    with listening_socket() as taken, pytest.raises(PortInUseError):
        make_run(port=taken.getsockname()[1])  # the port is bound when the run is made


def test_keyboard_interrupt_while_waiting_stops_the_server(
    make_run: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(mode="silent")

    def interrupted(timeout: float) -> tuple[bool, str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "_ping", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run.start()
    assert not running(run.process.pid)


def test_atexit_hook_stops_live_runs(make_run: Factory) -> None:
    run = make_run().start()
    run_module._stop_live_runs()
    assert run.returncode == 0
    assert run not in run_module._LIVE


# --- what happens to the log ------------------------------------------------------------------


def kept_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "drum_testing.launch.logs"]


def test_a_clean_run_leaves_no_directory_behind(
    make_run: Factory, temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with make_run(log_dir=None) as run:
        assert made_dirs(temp_root) == [run.log_path.parent]
        assert "serving" in run.log_text()
    assert run.returncode == 0
    assert made_dirs(temp_root) == []
    assert run.log_tail() == ""  # the log went with it
    assert kept_warnings(caplog) == []


def test_keep_logs_keeps_the_directory_of_a_clean_run(make_run: Factory, temp_root: Path) -> None:
    with make_run(log_dir=None, keep_logs=True) as run:
        pass
    assert made_dirs(temp_root) == [run.log_path.parent]
    assert "stopped cleanly" in run.log_text()


@pytest.mark.parametrize("keep_logs", [False, True])
def test_a_callers_log_dir_is_never_removed(
    make_run: Factory, temp_root: Path, tmp_path: Path, keep_logs: bool
) -> None:
    mine = tmp_path / "mine"
    with make_run(log_dir=mine, keep_logs=keep_logs) as run:
        pass
    assert run.returncode == 0
    assert run.log_path.parent == mine
    assert "stopped cleanly" in run.log_text()
    assert made_dirs(temp_root) == []


def test_a_failed_start_keeps_the_log_and_the_error_names_it(
    make_run: Factory, temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = make_run(mode="exit3", log_dir=None)
    with pytest.raises(ServerStartError) as caught:
        run.start()
    assert made_dirs(temp_root) == [run.log_path.parent]
    assert caught.value.log_path == run.log_path
    assert str(run.log_path) in str(caught.value)
    assert "stand-in: failing on purpose" in run.log_text()
    assert kept_warnings(caplog) == [f"DRUM server log kept at {run.log_path}: it did not start"]


def test_a_start_that_times_out_keeps_the_log_even_if_the_server_exits_cleanly(
    make_run: Factory, temp_root: Path
) -> None:
    run = make_run(mode="no-header", log_dir=None, wait_for_server_timeout=0.5)
    with pytest.raises(TimeoutError) as caught:
        run.start()
    assert run.returncode == 0  # stopped politely, but it never was ready
    assert str(run.log_path) in str(caught.value)
    assert "stopped cleanly" in run.log_text()
    assert made_dirs(temp_root) == [run.log_path.parent]


def test_a_with_block_that_raises_keeps_the_log(
    make_run: Factory, temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = make_run(log_dir=None)
    with pytest.raises(ZeroDivisionError), run:
        1 / 0  # noqa: B018
    assert run.returncode == 0
    assert "stopped cleanly" in run.log_text()
    assert kept_warnings(caplog) == [
        f"DRUM server log kept at {run.log_path}: the with block raised ZeroDivisionError"
    ]


def test_a_server_that_exits_by_itself_keeps_the_log(
    make_run: Factory, temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with make_run(log_dir=None) as run:
        os.killpg(run.process.pid, signal.SIGTERM)  # as if it stopped on its own, cleanly
        assert run.process.wait(timeout=10) == 0
    assert "stopped cleanly" in run.log_text()
    assert kept_warnings(caplog) == [
        f"DRUM server log kept at {run.log_path}: the server exited by itself (exit code 0)"
    ]


def test_an_unclean_stop_keeps_the_log(
    make_run: Factory, temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with make_run(mode="exit1-on-stop", log_dir=None) as run:
        pass
    assert run.returncode == 1
    assert "stopped cleanly" in run.log_text()
    assert kept_warnings(caplog) == [
        f"DRUM server log kept at {run.log_path}: the server stopped with exit code 1"
    ]
    run.stop()  # a second stop decides nothing
    assert run.log_path.exists()


def test_server_stops_itself_when_the_test_process_is_killed(standin: Path, tmp_path: Path) -> None:
    parent_code = f"""# drum-test-helper
import signal, sys
from drum_testing.testing import DrumServerRun
class Run(DrumServerRun):
    def _spawn_command(self, command):
        return [sys.executable, {str(standin)!r}, *command[4:]]
run = Run("regression", None, ".", log_dir={str(tmp_path)!r}).start()
print("standin", run.process.pid, run.log_path, flush=True)
signal.pause()
"""
    parent_log = tmp_path / "parent.log"
    parent = start_process_group([sys.executable, "-c", parent_code], log_path=parent_log)
    standin_pid = None
    try:
        assert wait_for(lambda: "standin" in parent_log.read_text(), 20), parent_log.read_text()
        _, pid_text, log_path = parent_log.read_text().split()[:3]
        standin_pid = int(pid_text)
        os.kill(parent.pid, signal.SIGKILL)  # no finally, no atexit: only the lifeline is left
        # Only the lifeline can stop it: nothing signals it, and it writes nothing unless
        # asked (what it writes now is lost: its stdout was a pipe to the process gone).
        assert wait_for(lambda: not running(standin_pid), 10), Path(log_path).read_text()
    finally:
        stop_process_group(parent, grace=1)
        if standin_pid is not None and running(standin_pid):  # only if the test failed
            os.killpg(standin_pid, signal.SIGKILL)
