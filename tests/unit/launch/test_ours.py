"""launch/ours.py: our server's launcher, on its own (the runs it starts: test_run.py)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from drum_testing.launch.launcher import Port
from drum_testing.launch.ours import READY_TIMEOUT, OurLauncher
from drum_testing.launch.ports import PortInUseError
from drum_testing.testing import DrumServerRun, listening_socket


def never_chosen() -> int:
    raise AssertionError("our launcher binds the port itself; it never asks the run to choose")


def test_the_port_is_a_socket_listening_until_the_server_has_it() -> None:
    with OurLauncher("flask").port("127.0.0.1", None, never_chosen) as port:
        (fd,) = port.fds
        sock = socket.socket(fileno=socket.dup(fd))
        with sock:
            assert sock.getsockname()[1] == port.number
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
    with listening_socket(port=port.number):
        pass  # closed on leaving: the port is free again


def test_a_requested_port_is_bound_or_refused_at_once() -> None:
    with listening_socket() as theirs:
        taken = theirs.getsockname()[1]
        with (
            pytest.raises(PortInUseError),
            OurLauncher("flask").port("127.0.0.1", taken, never_chosen),
        ):
            pass
    with OurLauncher("flask").port("127.0.0.1", taken, never_chosen) as port:
        assert port.number == taken


def test_the_command_is_ours_with_the_descriptors_last() -> None:
    command = OurLauncher("gunicorn").command(["--target-type", "binary"], Port(8080, (7,)), 9)
    assert command == [
        *(sys.executable, "-m", "drum_testing", "server"),
        *("--target-type", "binary"),
        *("--listen-fd", "7", "--lifeline-fd", "9"),
    ]


def test_nothing_else_differs(tmp_path: Path) -> None:
    launcher = OurLauncher("fastapi")
    command = ["python", "-m", "drum_testing", "server"]
    assert launcher.launch(command, log_path=tmp_path, lifeline_fd=9, grace=1.0) == command
    env = {"MLOPS_RUNTIME_PARAM_DRUM_SERVER_TYPE": '{"type": "string", "payload": "uvicorn"}'}
    assert launcher.server_env(env) == env  # the type as it was given
    assert launcher.claim(1, 8080, tmp_path) is None  # the port is the server's socket
    launcher.check_exit(tmp_path, 8080)  # an exit is never about the port
    launcher.cleanup()
    assert launcher.clean_stop_codes == {0}
    assert launcher.port_attempts == 1
    assert launcher.ready_timeout == READY_TIMEOUT == 30  # DRUM's own default


def test_a_drum_program_is_refused_for_our_server() -> None:
    with pytest.raises(ValueError, match="drum_program= is for runtime='drum'"):
        OurLauncher("flask", "/opt/drum/bin/drum")
    with pytest.raises(ValueError, match="drum_program= is for runtime='drum'"):
        DrumServerRun("regression", None, ".", drum_program="/opt/drum/bin/drum")
