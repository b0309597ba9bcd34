"""``DrumServerRun(..., runtime="drum")`` against a fake ``drum``: command, env, port, guard.

The fake (``FAKE_DRUM``, :mod:`tests.helpers.standin`) does what real DRUM does where it
matters here: it binds the ``--address`` it is told, says so when that port is taken, and
exits as DRUM does on SIGTERM. ``FAKE_MODE`` in its environment makes it misbehave. Real
DRUM is tested in ``tests/conformance/test_real_drum.py``; the plugin's ``--drum-runtime``
in ``tests/unit/testing/test_plugin.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from drum_testing.config.settings import SERVER_TYPE_ENV
from drum_testing.launch import drum as drum_runtime
from drum_testing.launch import guard as drum_guard
from drum_testing.launch.drum import (
    CONTROL_DIR_ENV,
    DRUM_READY_TIMEOUT,
    INSTALL_HINT,
    PORT_ATTEMPTS,
    DrumLauncher,
    DrumNotFoundError,
    find_collision,
    find_drum,
    guarded_command,
)
from drum_testing.launch.launcher import Port, PortTaken
from drum_testing.launch.ports import PortInUseError
from drum_testing.launch.process import (
    group_exists,
    start_process_group,
    stop_process_group,
    wait_for,
)
from drum_testing.testing import DrumServerRun, ServerStartError, listening_socket
from tests.helpers.standin import FAKE_DRUM, ping, write_script
from tests.helpers.waiting import running

DRUM = "/nowhere/bin/drum"
"""What the fake runs are told ``drum`` is; ``_spawn_command`` puts the fake in its place."""

Factory = Callable[..., "FakeDrumRun"]


class FakeDrumRun(DrumServerRun):
    fake: Path
    forced_ports: list[int]
    """Ports ``_choose_port`` returns first (a test's own, to make a collision)."""

    def __init__(self, *args: Any, fake: Path, ports: tuple[int, ...], **kwargs: Any) -> None:
        # Before DrumServerRun's own: it chooses the first port.
        self.fake, self.forced_ports = fake, list(ports)
        super().__init__(*args, **kwargs)

    def _spawn_command(self, command: list[str]) -> list[str]:
        assert command[:2] == [DRUM, "server"]
        return [sys.executable, str(self.fake), *command[1:]]

    def _choose_port(self) -> int:
        return self.forced_ports.pop(0) if self.forced_ports else super()._choose_port()


@pytest.fixture
def fake_drum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(drum_runtime, "find_drum", lambda: DRUM)
    return write_script(tmp_path / "fake_drum.py", FAKE_DRUM)


@pytest.fixture
def make_run(fake_drum: Path, tmp_path: Path) -> Iterator[Factory]:
    made: list[FakeDrumRun] = []

    def make(
        server_type: str = "flask", mode: str = "ok", ports: tuple[int, ...] = (), **kwargs: Any
    ) -> FakeDrumRun:
        kwargs.setdefault("log_dir", tmp_path / "logs")
        kwargs.setdefault("wait_for_server_timeout", 20)
        kwargs.setdefault("stop_timeout", 5)
        target_type, labels = kwargs.pop("target_type", "regression"), kwargs.pop("labels", None)
        env = {"FAKE_MODE": mode, **kwargs.pop("env", {})}
        run = FakeDrumRun(
            target_type,
            labels,
            tmp_path,
            runtime="drum",
            server_type=server_type,
            env=env,
            fake=fake_drum,
            ports=ports,
            **kwargs,
        )
        made.append(run)
        return run

    yield make
    for run in made:
        run.stop()


def bound_port() -> socket.socket:
    """A socket bound to a free port but not listening: invisible to psutil's
    listeners, so only the server's own bind finds the port taken."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


# --- choosing and describing the server ------------------------------------------------------


@pytest.mark.parametrize(
    ("server_type", "payload"),
    [("flask", "werkzeug"), ("werkzeug", "werkzeug"), ("gunicorn", "gunicorn")],
)
def test_server_type_reaches_drum_as_its_runtime_parameter_json(
    make_run: Factory, server_type: str, payload: str
) -> None:
    before = dict(os.environ)
    run = make_run(server_type)
    assert run.runtime == "drum"
    assert run.server_type in {"flask", "gunicorn"}  # the canonical name, as with ours
    with run:
        param = json.loads(run.get_env()[SERVER_TYPE_ENV])
        assert param == {"type": "string", "payload": payload}
    assert dict(os.environ) == before  # the JSON went to DRUM's environment only


def test_fastapi_is_refused_as_drum_has_no_such_type(fake_drum: Path) -> None:
    with pytest.raises(ValueError, match="no fastapi server type"):
        DrumServerRun("regression", None, ".", runtime="drum", server_type="fastapi")


def test_an_unknown_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown runtime 'docker'"):
        DrumServerRun("regression", None, ".", runtime="docker")


def test_command_is_drums_own_with_the_labels_in_drums_order(make_run: Factory) -> None:
    run = make_run(target_type="binary", labels=("no", "yes"), max_workers=2, append_cmd="--x")
    with run:
        command = run.get_command()
    assert command[:2] == [DRUM, "server"]
    assert "--listen-fd" not in command
    assert "--lifeline-fd" not in command
    pairs = dict(zip(command[2:-1:2], command[3::2], strict=False))
    assert pairs["--address"] == f"127.0.0.1:{run.port}"
    assert pairs["--positive-class-label"] == "yes"
    assert pairs["--negative-class-label"] == "no"
    assert pairs["--max-workers"] == "2"
    assert command[-1] == "--x"
    assert f"ARGV {json.dumps(command[1:])}" in run.log_text()


def test_drum_is_found_beside_the_interpreter_then_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside, on_path = tmp_path / "venv", tmp_path / "path"
    for folder in (beside, on_path):
        folder.mkdir()
        (folder / "drum").write_text("#!/bin/sh\n")
        (folder / "drum").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(beside / "python"))
    monkeypatch.setenv("PATH", str(on_path))
    assert find_drum() == str(beside / "drum")
    (beside / "drum").unlink()
    assert find_drum() == str(on_path / "drum")
    (on_path / "drum").unlink()
    with pytest.raises(DrumNotFoundError) as caught:
        find_drum()
    assert INSTALL_HINT in str(caught.value)
    with pytest.raises(FileNotFoundError, match=re.escape(INSTALL_HINT)):
        DrumServerRun("regression", None, ".", runtime="drum")


def test_drums_in_use_messages_are_recognised_for_the_port_only() -> None:
    werkzeug = "OSError: x\nPort 8080 is in use by another program. Either identify and"
    gunicorn = "[INFO] Starting\n[ERROR] Connection in use: ('127.0.0.1', 8080)\n[ERROR] x"
    assert find_collision(werkzeug, 8080) == werkzeug.splitlines()[1]
    assert find_collision(gunicorn, 8080) == "[ERROR] Connection in use: ('127.0.0.1', 8080)"
    assert find_collision(gunicorn, 8081) is None
    assert find_collision("OSError: [Errno 98] Address already in use", 1) is not None
    assert find_collision("[INFO] Listening at: http://127.0.0.1:8080", 8080) is None


# --- the launcher on its own -------------------------------------------------------------------


def test_drums_port_is_the_runs_choice_and_nothing_is_held(fake_drum: Path) -> None:
    with DrumLauncher("flask").port("127.0.0.1", None, lambda: 12345) as port:
        assert port == Port(12345, ())  # DRUM binds it; the server inherits no socket


def test_drum_takes_no_descriptors_and_the_watchdog_has_the_lifeline(
    fake_drum: Path, tmp_path: Path
) -> None:
    launcher = DrumLauncher("flask")
    command = launcher.command(["--target-type", "regression"], Port(8080), 9)
    assert command == [DRUM, "server", "--target-type", "regression"]
    log = tmp_path / "drum.log"
    log.write_text("")
    launched = launcher.launch(command, log_path=log, lifeline_fd=9, grace=2.0)
    assert launched == guarded_command(command, 9, 2.0, log=log)
    assert launched[:3] == [sys.executable, "-m", "drum_testing.launch.guard"]
    assert "--remove" not in launched  # werkzeug opens no control socket
    env = launcher.server_env({"KEPT": "1", SERVER_TYPE_ENV: "flask"})
    assert env == {"KEPT": "1", SERVER_TYPE_ENV: '{"type": "string", "payload": "werkzeug"}'}


def test_gunicorn_gets_a_control_dir_of_the_runs_removed_after_it(
    fake_drum: Path, tmp_path: Path
) -> None:
    launcher = DrumLauncher("gunicorn")
    log = tmp_path / "drum.log"
    log.write_text("")
    launched = launcher.launch([DRUM, "server"], log_path=log, lifeline_fd=9, grace=1.0)
    control = Path(launched[launched.index("--remove") + 1])  # the watchdog's, if we die
    assert control.is_dir()
    assert control.name.startswith("drum-ctl-")
    assert launcher.server_env({})[CONTROL_DIR_ENV] == str(control)
    again = launcher.launch([DRUM, "server"], log_path=log, lifeline_fd=9, grace=1.0)
    assert again[again.index("--remove") + 1] == str(control)  # one per run, not per attempt
    launcher.cleanup()
    assert not control.exists()
    launcher.cleanup()  # idempotent
    assert CONTROL_DIR_ENV not in launcher.server_env({})


def test_an_attempt_reads_only_its_own_part_of_the_log(fake_drum: Path, tmp_path: Path) -> None:
    log = tmp_path / "drum.log"
    log.write_text("Port 8080 is in use by another program.\n")  # the last attempt's
    launcher = DrumLauncher("flask")
    launcher.launch([DRUM, "server"], log_path=log, lifeline_fd=9, grace=1.0)
    launcher.check_exit(log, 8080)  # not this attempt's: no PortTaken
    with log.open("a") as file:
        file.write("serving\nPort 8080 is in use by another program.\n")
    with pytest.raises(PortTaken, match="port 8080 was taken: DRUM logged 'Port 8080 is in"):
        launcher.check_exit(log, 8080)


def test_werkzeugs_130_is_a_clean_stop_and_a_port_is_tried_five_times(fake_drum: Path) -> None:
    assert DrumLauncher("flask").clean_stop_codes == {0, 130}
    assert DrumLauncher("gunicorn").clean_stop_codes == {0}
    assert DrumLauncher("gunicorn").port_attempts == PORT_ATTEMPTS == 5


# --- drum_program= ------------------------------------------------------------------------------


def test_drum_program_is_run_instead_of_the_drum_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_found() -> str:
        raise AssertionError("drum_program= is given: nothing is looked for")

    monkeypatch.setattr(drum_runtime, "find_drum", not_found)
    program = write_script(tmp_path / "my-drum", FAKE_DRUM, executable=True)
    run = DrumServerRun(
        "regression",
        None,
        tmp_path,
        runtime="drum",
        drum_program=program,
        log_dir=tmp_path / "logs",
        wait_for_server_timeout=20,
        stop_timeout=5,
    )
    with run:  # the real command, no _spawn_command: the program is the fake itself
        assert run.get_command()[:2] == [str(program), "server"]
        assert ping(run) == (200, "0+fake", {"message": "OK"})
    assert run.returncode == 130  # werkzeug's clean stop


def test_a_drum_program_that_is_not_one_fails_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "drum"
    plain.write_text("not executable")
    for program in (plain, tmp_path / "missing"):
        with pytest.raises(DrumNotFoundError, match=f"drum_program='{program}' is not an exec"):
            DrumServerRun("regression", None, ".", runtime="drum", drum_program=program)
    (tmp_path / "bin").mkdir()
    on_path = write_script(tmp_path / "bin" / "drum", "", executable=True)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert DrumLauncher("flask", "drum").executable == str(on_path)  # a name: looked up


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--lifeline-fd", "3", "--", "x"],  # no grace
        ["--grace", "1", "--lifeline-fd", "3", "--"],  # no command
        ["--grace", "1", "--lifeline-fd", "3", "--what", "x", "--", "c"],
        ["--grace", "1", "--grace", "2", "--lifeline-fd", "3", "--", "c"],
        ["--lifeline-fd", "--grace", "1", "--", "c"],
    ],
)
def test_the_guard_refuses_a_bad_command_line(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="usage"):
        drum_guard.parse(argv)


def test_the_guard_parses_its_options_and_keeps_the_command_whole() -> None:
    argv = ["--lifeline-fd", "5", "--grace", "2.5", "--", "drum", "server", "--", "x"]
    assert drum_guard.parse(argv) == (5, 2.5, None, ["drum", "server", "--", "x"], None)
    argv = ["--remove", "/tmp/d", "--grace", "1", "--lifeline-fd", "5", "--log", "l", "--", "drum"]
    assert drum_guard.parse(argv) == (5, 1.0, "/tmp/d", ["drum"], "l")


# --- starting and stopping ---------------------------------------------------------------------


@pytest.mark.parametrize(("server_type", "code"), [("flask", 130), ("gunicorn", 0)])
def test_start_answers_and_a_clean_stop_leaves_nothing(
    make_run: Factory, server_type: str, code: int, tmp_path: Path
) -> None:
    run = make_run(server_type, log_dir=None)  # a directory of its own, removed when clean
    with run:
        assert ping(run) == (200, "0+fake", {"message": "OK"})
        # The guard exec'd the command: the process started is DRUM itself.
        assert str(run.fake) in psutil.Process(run.process.pid).cmdline()
        control = run.log_text().split("CONTROL ")[1].split()[0]
        if server_type == "gunicorn":
            assert Path(control).is_dir()  # a private dir for gunicorn's control socket
        else:
            assert control == "<unset>"
        log_dir = run.log_path.parent
    assert run.returncode == code  # DRUM's werkzeug exits 130 on SIGTERM: a clean stop
    assert not group_exists(run.process.pid)  # the watchdog is gone too
    assert not log_dir.exists()  # clean: the log's own directory is removed
    assert not Path(control).exists()


def test_exit_before_ready_raises_with_drums_output(make_run: Factory) -> None:
    run = make_run(mode="exit3")
    with pytest.raises(ServerStartError) as caught:
        run.start()
    assert caught.value.returncode == 3
    assert "RuntimeError: the model failed" in str(caught.value)
    assert "real DRUM (flask, regression) exited (exit code 3)" in str(caught.value)
    assert caught.value.command[:2] == [sys.executable, str(run.fake)]
    assert not group_exists(run.process.pid)


# --- ports --------------------------------------------------------------------------------------


def test_a_port_another_process_listens_on_is_given_up_without_a_request(
    make_run: Factory,
) -> None:
    with listening_socket() as theirs:
        taken = theirs.getsockname()[1]
        run = make_run("flask", ports=(taken,))
        with run:
            assert run.port != taken
            assert ping(run)[0] == 200
            assert f"port {taken} was taken: another process listens on it" in run.log_text()
        theirs.setblocking(False)
        with pytest.raises(BlockingIOError):
            theirs.accept()  # readiness never sent the other listener a request


@pytest.mark.parametrize(
    ("server_type", "message"),
    [("flask", "Port {} is in use"), ("gunicorn", "Connection in use: ('127.0.0.1', {})")],
)
def test_a_port_drum_finds_in_use_is_retried_on_another(
    make_run: Factory, server_type: str, message: str
) -> None:
    with bound_port() as theirs:
        taken = theirs.getsockname()[1]
        with make_run(server_type, ports=(taken,)) as run:
            assert run.port != taken
            assert ping(run)[0] == 200
            log = run.log_text()
    assert message.format(taken) in log
    assert f"port {taken} was taken: DRUM logged" in log
    assert log.count("ARGV") == 2  # one failed attempt, one that serves


def test_the_attempts_are_bounded(make_run: Factory) -> None:
    with listening_socket() as theirs:
        taken = theirs.getsockname()[1]
        run = make_run(ports=(taken,) * PORT_ATTEMPTS)
        with pytest.raises(ServerStartError, match=f"could not get a port in {PORT_ATTEMPTS}"):
            run.start()
    assert run.log_text().count("starting again on another port") == PORT_ATTEMPTS - 1
    assert not group_exists(run.process.pid)


def test_an_explicit_port_that_is_taken_fails_before_anything_starts(make_run: Factory) -> None:
    with listening_socket() as theirs, pytest.raises(PortInUseError):
        make_run(port=theirs.getsockname()[1])  # the port is chosen when the run is made


def test_an_explicit_port_is_never_changed(make_run: Factory) -> None:
    with bound_port() as theirs:
        taken = theirs.getsockname()[1]
        run = make_run("gunicorn", ports=(taken,), port=taken)  # taken after the check
        with pytest.raises(ServerStartError, match="could not get the port asked for"):
            run.start()
    assert run.log_text().count("ARGV") == 1


# --- the watchdog -------------------------------------------------------------------------------

PARENT = """# drum-test-helper: a test process that dies without stopping its server
import signal, sys
from pathlib import Path
from drum_testing.launch import drum as drum_runtime
from drum_testing.testing import DrumServerRun
drum_runtime.find_drum = lambda: "drum"
class Run(DrumServerRun):
    def _spawn_command(self, command):
        return [sys.executable, {fake!r}, *command[1:]]
run = Run("regression", None, ".", runtime="drum", server_type="gunicorn", log_dir={logs!r},
          stop_timeout=1, env={{"FAKE_MODE": "stubborn"}}).start()
print("started", run.process.pid, run.log_path, flush=True)
signal.pause()
"""


def test_the_group_is_stopped_when_the_test_process_is_killed(
    fake_drum: Path, tmp_path: Path
) -> None:
    code = PARENT.format(fake=str(fake_drum), logs=str(tmp_path / "logs"))
    parent_log = tmp_path / "parent.log"
    parent = start_process_group([sys.executable, "-c", code], log_path=parent_log)
    pgid = None
    try:
        assert wait_for(lambda: "started" in parent_log.read_text(), 30), parent_log.read_text()
        _, pid, log_path = parent_log.read_text().split()[:3]
        pgid = int(pid)
        assert group_exists(pgid)
        os.kill(parent.pid, signal.SIGKILL)  # no finally, no atexit: only the watchdog is left
        # It ignores SIGTERM (so does its worker): the watchdog kills the group after 1 s.
        assert wait_for(lambda: not group_exists(pgid), 15), Path(log_path).read_text()
        assert not running(pgid)
        log = Path(log_path).read_text()
        assert "the test process is gone" in log
        control = Path(log.split("CONTROL ")[1].split()[0])
        assert control.name.startswith("drum-ctl-")
        assert not control.exists()  # the watchdog removed the run's gunicorn control dir
    finally:
        stop_process_group(parent, grace=1)
        if pgid is not None and group_exists(pgid):  # only if the test failed
            os.killpg(pgid, signal.SIGKILL)


def test_drum_gets_a_longer_default_readiness_deadline(fake_drum: Path) -> None:
    assert DrumServerRun("regression", None, ".").wait_for_server_timeout == 30
    drum = DrumServerRun("regression", None, ".", runtime="drum")
    assert drum.wait_for_server_timeout == DRUM_READY_TIMEOUT > 30
    given = DrumServerRun("regression", None, ".", runtime="drum", wait_for_server_timeout=5)
    assert given.wait_for_server_timeout == 5
