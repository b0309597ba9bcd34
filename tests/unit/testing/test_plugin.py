"""testing/plugin.py: the pytest fixtures, run by an inner pytest on a file of tests.

The inner tests' servers are stand-ins (:mod:`tests.helpers.standin`): ``STANDIN`` for our
server and ``FAKE_DRUM`` for real DRUM (``--drum-runtime=drum``), put in place of the real
command by a ``DrumServerRun`` subclass the inner file installs in the plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drum_testing.config.settings import SERVER_TYPE_ENV
from tests.helpers.standin import FAKE_DRUM, STANDIN, made_dirs, write_script


@pytest.fixture
def standin(tmp_path: Path) -> Path:
    return write_script(tmp_path / "standin.py", STANDIN)


@pytest.fixture
def fake_drum(tmp_path: Path) -> Path:
    return write_script(tmp_path / "fake_drum.py", FAKE_DRUM)


STANDIN_PLUGIN = """
import sys
import pytest
from drum_testing.testing import DrumServerRun, plugin

class StandInRun(DrumServerRun):
    def _spawn_command(self, command):
        return [sys.executable, {standin!r}, *command[4:]]

@pytest.fixture(autouse=True)
def standin(monkeypatch):
    monkeypatch.setattr(plugin, "DrumServerRun", StandInRun)
"""
"""The head of an inner test file whose plugin servers are the stand-in."""

PLUGIN_TESTS = (
    STANDIN_PLUGIN
    + """
def test_type(drum_server_type):
    assert drum_server_type == "fastapi"

def test_failure_shows_the_log(drum_server):
    drum_server("regression", None, ".", log_dir={logs!r})
    drum_server("anomaly", None, ".", log_dir={logs!r})
    assert False, "failing on purpose"

def test_start_failure_shows_the_log(drum_server, monkeypatch):
    monkeypatch.setenv("STANDIN_MODE", "exit3")
    drum_server("regression", None, ".", log_dir={logs!r})
"""
)


def test_plugin_fixtures(standin: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    tests = tmp_path / "test_uses_plugin.py"
    tests.write_text(PLUGIN_TESTS.format(standin=str(standin), logs=str(logs)))
    env = {**os.environ, SERVER_TYPE_ENV: "uvicorn"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", str(tests)]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    out = done.stdout.decode()
    assert done.returncode == 1, out  # tests failed (not: pytest could not run them)
    assert "2 failed, 1 passed" in out
    assert out.count("still running> log ") == 2  # both servers' logs in the report
    assert "SERVER_TYPE uvicorn" in out
    assert "stand-in: failing on purpose" in out  # the start failure has the log tail
    logs_text = [path.read_text() for path in logs.iterdir()]
    assert sum("stopped cleanly" in text for text in logs_text) == 2  # teardown stopped both


PLUGIN_LOG_TESTS = (
    STANDIN_PLUGIN
    + """
def test_own(drum_server, tmp_path):
    run = drum_server("regression", None, ".")
    assert run.log_path.parent == tmp_path / "drum-server-logs"

def test_shared(drum_shared_server, tmp_path_factory):
    run = drum_shared_server("regression", None, ".")
    assert run.log_path.parent.parent == tmp_path_factory.getbasetemp()
    assert run.log_path.parent.name.startswith("drum-shared-server")
    assert drum_shared_server("regression", None, ".") is run  # log_dir is not in the key

def test_fails(drum_server):
    drum_server("anomaly", None, ".")
    assert False, "failing on purpose"
"""
)


def test_plugin_logs_go_to_pytests_temporary_directories(standin: Path, tmp_path: Path) -> None:
    tests = tmp_path / "test_plugin_logs.py"
    tests.write_text(PLUGIN_LOG_TESTS.format(standin=str(standin)))
    basetemp, temp_root = tmp_path / "basetemp", tmp_path / "temp-root"
    temp_root.mkdir()
    env = {**os.environ, "TMPDIR": str(temp_root)}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error"]
    command += ["--basetemp", str(basetemp), str(tests)]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    out = done.stdout.decode()
    assert done.returncode == 1, out
    assert "1 failed, 2 passed" in out, out
    # The failure report names the failing test's log, which is in its tmp_path and kept.
    reported = [
        Path(line.split(" log ")[1].split()[0]) for line in out.splitlines() if "> log " in line
    ]
    assert len(reported) == 1, out
    assert reported[0].parent.parent.parent == basetemp
    assert reported[0].parent.name == "drum-server-logs"
    assert "stopped cleanly" in reported[0].read_text()
    logs = sorted(basetemp.rglob("*.log"))
    assert len(logs) == 3, logs  # one per server, all left to pytest's retention
    assert all("stopped cleanly" in log.read_text() for log in logs)
    assert made_dirs(temp_root) == []


RUNTIME_TESTS = """
import sys
import pytest
from drum_testing.launch import drum as drum_runtime
from drum_testing.testing import DrumServerRun, plugin

class FakeRun(DrumServerRun):
    def _spawn_command(self, command):
        if self.runtime == "drum":
            return [sys.executable, {fake!r}, *command[1:]]
        return [sys.executable, {standin!r}, *command[4:]]  # after "-m drum_testing server"

@pytest.fixture(autouse=True)
def fake(monkeypatch):
    monkeypatch.setattr(drum_runtime, "find_drum", lambda: "drum")
    monkeypatch.setattr(plugin, "DrumServerRun", FakeRun)

def test_the_option_is_the_default(drum_server, drum_shared_server, drum_runtime):
    assert drum_runtime == "drum"
    run = drum_server("regression", None, ".")
    assert run.runtime == "drum"
    assert run.get_command()[:2] == ["drum", "server"]
    assert drum_shared_server("regression", None, ".").runtime == "drum"

def test_a_test_can_ask_for_ours(drum_server):
    run = drum_server("regression", None, ".", runtime="drum_testing")
    assert run.get_command()[1:4] == ["-m", "drum_testing", "server"]
"""


def test_the_plugins_drum_runtime_option(standin: Path, fake_drum: Path, tmp_path: Path) -> None:
    tests = tmp_path / "test_runtime_option.py"
    tests.write_text(RUNTIME_TESTS.format(fake=str(fake_drum), standin=str(standin)))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error"]
    command += ["--drum-runtime=drum", str(tests)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60)
    out = done.stdout.decode()
    assert done.returncode == 0, out
    assert "2 passed" in out, out
