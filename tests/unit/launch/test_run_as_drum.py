"""DrumServerRun driven the way DRUM's own functional tests drive DRUM's, against a stand-in.

DRUM's tests call ``DrumServerRun(target_type, labels, custom_model_dir, docker, ...)``
positionally, read ``run.port`` and ``run.url_server_address`` as soon as the run is made,
expect ``TimeoutError("Server failed to start...")`` from a server that does not come up and
then look for the reason in ``run.process.err_stream``, and rely on ``stream_output``,
``server_thread`` and ``fail_on_shutdown_error``. Each is checked here, without a model
server (:mod:`tests.helpers.standin`); tests/functional does the same with real servers.
"""

from __future__ import annotations

import inspect
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drum_testing.launch import run as run_module
from drum_testing.launch.ports import PortInUseError
from drum_testing.testing import DrumServerRun, ServerStartError, listening_socket
from tests.helpers.standin import STANDIN, options, ping, write_script
from tests.helpers.waiting import running, wait_for

Factory = Callable[..., DrumServerRun]

DRUM_PARAMETERS = (
    "target_type",
    "labels",
    "custom_model_dir",
    "docker",
    "with_error_server",
    "show_stacktrace",
    "production",
    "memory",
    "fail_on_shutdown_error",
    "pass_args_as_env_vars",
    "verbose",
    "logging_level",
    "append_cmd",
    "user_secrets_mount_path",
    "thread_class",
    "gpu_predictor",
    "sidecar",
    "target_name",
    "wait_for_server_timeout",
    "max_workers",
    "cmd_override",
    "port",
    "stream_output",
)
"""The parameters of datarobot_drum 1.18.1's ``DrumServerRun``, in its order (the
conformance session checks this list against the installed DRUM)."""


class StandInRun(DrumServerRun):
    """Runs the stand-in (``standin`` is set by the fixture) instead of our server."""

    standin: Path

    def _spawn_command(self, command: list[str]) -> list[str]:
        return [sys.executable, str(self.standin), *command[4:]]


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[Factory]:
    """``StandInRun(*args, mode=..., **kwargs)``: DRUM's arguments, a stand-in behind them."""
    StandInRun.standin = write_script(tmp_path / "standin.py", STANDIN)
    made: list[DrumServerRun] = []

    def make(*args: Any, mode: str = "ok", **kwargs: Any) -> DrumServerRun:
        kwargs.setdefault("log_dir", tmp_path / "logs")
        kwargs.setdefault("stop_timeout", 5)
        kwargs["env"] = {"STANDIN_MODE": mode, **kwargs.get("env", {})}
        if len(args) < DRUM_PARAMETERS.index("wait_for_server_timeout") + 1:
            kwargs.setdefault("wait_for_server_timeout", 10)
        run = StandInRun(*args, **kwargs)
        made.append(run)
        return run

    yield make
    for run in made:
        run.stop()


def test_the_signature_begins_with_drums_parameters_in_drums_order() -> None:
    names = list(inspect.signature(DrumServerRun).parameters)
    assert tuple(names[: len(DRUM_PARAMETERS)]) == DRUM_PARAMETERS
    kinds = {p.kind for p in list(inspect.signature(DrumServerRun).parameters.values())[:23]}
    assert kinds == {inspect.Parameter.POSITIONAL_OR_KEYWORD}


def test_all_of_drums_parameters_passed_positionally(make_run: Factory, tmp_path: Path) -> None:
    with listening_socket() as probe:
        free = probe.getsockname()[1]
    run = make_run(
        *("binary", ["no", "yes"], tmp_path, None, False, True, False, None, True, False),
        *(True, "debug", "--flag value", None, threading.Thread, None, False, "y", 12, 3),
        *(None, free, False),
    )
    assert (run.labels, run.code_dir, run.port) == (("no", "yes"), tmp_path, free)
    assert (run.logging_level, run.target_name, run.max_workers) == ("debug", "y", 3)
    assert run.wait_for_server_timeout == 12
    with run:
        parsed = options(run.get_command())
        assert parsed["--negative-class-label"] == ["no"]
        assert parsed["--max-workers"] == ["3"]
        assert run.get_command()[-2:] == ["--flag", "value"]  # append_cmd
        assert ping(run)[0] == 200


def test_drums_docker_none_in_fourth_place_and_our_keywords_after(
    make_run: Factory, tmp_path: Path
) -> None:
    with make_run("regression", None, tmp_path, None, server_type="fastapi") as run:
        assert run.server_type == "fastapi"
        assert ping(run)[0] == 200


def test_the_port_and_the_url_are_known_when_the_run_is_made(make_run: Factory) -> None:
    run = make_run("regression", None, ".")
    port, url = run.port, run.url_server_address
    assert url == f"http://127.0.0.1:{port}"
    with pytest.raises(PortInUseError):  # the port is already the run's, not merely chosen
        listening_socket(port=port).close()
    with run:
        assert (run.port, run.url_server_address) == (port, url)
        assert ping(run)[0] == 200


def test_a_run_made_and_never_started_gives_its_port_back(make_run: Factory) -> None:
    run = make_run("regression", None, ".")
    port = run.port
    run.stop()
    listening_socket(port=port).close()  # free again


def test_a_server_that_exits_raises_drums_timeout_error_and_err_stream_says_why(
    make_run: Factory,
) -> None:
    run = make_run("regression", None, ".", mode="exit3", wait_for_server_timeout=60)
    with pytest.raises(TimeoutError, match="Server failed to start") as caught, run:
        pass
    assert isinstance(caught.value, ServerStartError)
    assert str(caught.value).startswith("Server failed to start: ")
    assert "stand-in: failing on purpose" in str(caught.value)  # the log tail, as before
    assert "stand-in: failing on purpose" in run.process.err_stream
    assert "stand-in: failing on purpose" not in run.process.out_stream
    assert "ARGV" in run.process.out_stream  # what it printed before it failed
    assert run.process.returncode == 3
    assert run.process.process is run.process  # DRUM's holder's Popen


def test_a_server_that_never_answers_raises_drums_timeout_error(make_run: Factory) -> None:
    run = make_run("regression", None, ".", mode="silent", wait_for_server_timeout=1)
    with pytest.raises(TimeoutError, match="Server failed to start"), run:
        pass
    assert "never answering" in run.process.out_stream
    assert not running(run.process.pid)


def test_out_stream_and_err_stream_after_a_clean_run_and_the_log_has_both(
    make_run: Factory,
) -> None:
    with make_run("regression", None, ".") as run:
        ping(run)
        assert '"GET /ping/ HTTP/1.1" 200' in run.process.err_stream  # already, not later
    assert "stopped cleanly" in run.process.out_stream  # all of it, once stopped
    assert '"GET /ping/ HTTP/1.1" 200' not in run.process.out_stream
    log = run.log_path.read_text()
    assert "stopped cleanly" in log
    assert '"GET /ping/ HTTP/1.1" 200' in log


def test_the_log_has_what_the_server_wrote_before_it_answered(make_run: Factory) -> None:
    line = '"GET /ping/ HTTP/1.1" 200'
    with make_run("regression", None, ".") as run:
        for _ in range(3):
            before = run.log_text().count(line)
            ping(run)
            # The stand-in logs the request before it answers: no waiting needed to see it.
            assert run.log_text().count(line) == before + 1


def test_stream_output_prints_the_servers_output_as_it_comes(
    make_run: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    with make_run("regression", None, ".", stream_output=True) as run:
        wait_for(lambda: "serving" in capsys.readouterr().out, 10, "'serving' on our stdout")
    assert "stopped cleanly" in run.process.out_stream


def test_without_stream_output_nothing_is_printed(
    make_run: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    with make_run("regression", None, ".") as run:
        ping(run)
    assert capsys.readouterr().out == ""
    assert "serving" in run.process.out_stream


def test_server_thread_is_of_thread_class_and_ends_with_the_server(make_run: Factory) -> None:
    class Recorded(threading.Thread):
        pass

    run = make_run("regression", None, ".", thread_class=Recorded)
    before = run.server_thread
    assert before is None
    with run:
        thread = run.server_thread
        assert isinstance(thread, Recorded)
        assert thread.is_alive()
    assert not thread.is_alive()


@pytest.fixture
def escaped() -> Iterator[list[int]]:
    """Pids of processes that left the server's group; killed after the test."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def escaped_pid(run: DrumServerRun) -> int:
    wait_for(lambda: "ESCAPED" in run.process.err_stream, 10, "the escaped child's pid")
    return int(run.process.err_stream.split("ESCAPED ")[1].split()[0])


def test_fail_on_shutdown_error_raises_drums_timeout_error(
    make_run: Factory, escaped: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_module, "OUTPUT_END_TIMEOUT", 0.5)
    run = make_run("regression", None, ".", mode="escape")  # fail_on_shutdown_error: DRUM's True
    with pytest.raises(TimeoutError, match="Server failed to shutdown gracefully"), run:
        escaped.append(escaped_pid(run))
    assert run.shutdown_error is not None
    assert "output stayed open" in run.shutdown_error
    assert run.server_thread is not None
    assert not run.server_thread.is_alive()


def test_without_fail_on_shutdown_error_a_shutdown_error_is_a_warning(
    make_run: Factory,
    escaped: list[int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(run_module, "OUTPUT_END_TIMEOUT", 0.5)
    run = make_run("regression", None, ".", mode="escape", fail_on_shutdown_error=False)
    with caplog.at_level(logging.WARNING), run:
        escaped.append(escaped_pid(run))
    assert any("server shutdown failure" in r.getMessage() for r in caplog.records)


def test_a_clean_stop_is_no_shutdown_error(make_run: Factory) -> None:
    with make_run("regression", None, ".") as run:
        ping(run)
    assert run.shutdown_error is None


def test_a_server_program_that_cannot_run_leaves_nothing_open(
    make_run: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run("regression", None, ".")
    monkeypatch.setattr(run, "_spawn_command", lambda command: ["/nonexistent/server"])
    with pytest.raises(FileNotFoundError):
        run.start()
    output = run._output
    assert output is not None
    assert output.closed  # the log and the pipes: no ResourceWarning later
