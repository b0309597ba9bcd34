"""launch/launcher.py: the interface a run drives, and each runtime's launcher.

The run keeps the lifecycle and asks its launcher for what differs. To show that it asks and
does not assume, these tests register launchers of their own (our launcher, changed where a
test needs it) under runtimes of their own, and start the stand-in server
(:mod:`tests.helpers.standin`) with them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from drum_testing.launch import arguments
from drum_testing.launch.arguments import LAUNCHERS, RUNTIMES, make_launcher
from drum_testing.launch.drum import DrumLauncher
from drum_testing.launch.launcher import Launcher, PortTaken
from drum_testing.launch.ours import OurLauncher
from drum_testing.launch.process import group_exists
from drum_testing.testing import DrumServerRun, ServerStartError
from tests.helpers.standin import STANDIN, made_dirs, ping, write_script

Factory = Callable[..., DrumServerRun]


def test_each_runtime_has_its_launcher() -> None:
    assert RUNTIMES == ("drum_testing", "drum")  # ours first: the default
    assert dict(LAUNCHERS) == {"drum_testing": OurLauncher, "drum": DrumLauncher}
    assert all(LAUNCHERS[runtime].runtime == runtime for runtime in RUNTIMES)


def test_an_unknown_runtime_names_those_accepted() -> None:
    with pytest.raises(ValueError, match="unknown runtime 'docker'; accepted: drum_testing, drum"):
        make_launcher("docker", "flask")


def test_a_launcher_is_an_interface_to_implement() -> None:
    with pytest.raises(TypeError, match="abstract"):
        Launcher("flask")  # type: ignore[abstract]


class TestLauncher(OurLauncher):
    """Our launcher under a runtime of its own, which records what the run asked of it.

    ``taken``: the attempts (1, 2, ...) whose port :meth:`claim` says another process took;
    ``exits_taken``: the attempts whose stand-in exits at once (``STANDIN_MODE=exit3``) and
    whose exit :meth:`check_exit` blames on a taken port.
    """

    __test__ = False  # not a test class, whatever its name
    runtime = "test"
    title = "the test server"
    log_prefix = "test-"
    port_attempts = 3
    taken: frozenset[int] = frozenset()
    exits_taken: frozenset[int] = frozenset()

    def __init__(self, server_type: str, program: str | os.PathLike[str] | None = None) -> None:
        super().__init__(server_type, program)
        self.attempts = 0
        self.cleanups = 0

    def launch(
        self, command: Sequence[str], *, log_path: Path, lifeline_fd: int, grace: float
    ) -> list[str]:
        self.attempts += 1
        return super().launch(command, log_path=log_path, lifeline_fd=lifeline_fd, grace=grace)

    def server_env(self, env: Mapping[str, str]) -> dict[str, str]:
        child = super().server_env(env)
        if self.attempts in self.exits_taken:
            child["STANDIN_MODE"] = "exit3"
        return child

    def claim(self, pgid: int, port: int, log_path: Path) -> str | None:
        if self.attempts in self.taken:
            raise PortTaken(f"port {port} taken on purpose")
        return super().claim(pgid, port, log_path)

    def check_exit(self, log_path: Path, port: int) -> None:
        if self.attempts in self.exits_taken:
            raise PortTaken(f"port {port} taken on purpose, said the exit")

    def cleanup(self) -> None:
        self.cleanups += 1


@pytest.fixture
def make_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Factory]:
    """DrumServerRun(..., runtime="test") with ``launcher`` (a TestLauncher) as "test",
    running the stand-in."""
    standin = write_script(tmp_path / "standin.py", STANDIN)

    class StandInRun(DrumServerRun):
        def _spawn_command(self, command: list[str]) -> list[str]:
            return [sys.executable, str(standin), *command[4:]]

    made: list[DrumServerRun] = []

    def make(launcher: type[TestLauncher] = TestLauncher, **kwargs: Any) -> DrumServerRun:
        monkeypatch.setattr(arguments, "LAUNCHERS", {**LAUNCHERS, "test": launcher})
        kwargs.setdefault("log_dir", tmp_path / "logs")
        kwargs.setdefault("stop_timeout", 5)
        run = StandInRun("regression", None, tmp_path, runtime="test", **kwargs)
        made.append(run)
        return run

    yield make
    for run in made:
        run.stop()


def launcher_of(run: DrumServerRun) -> TestLauncher:
    launcher = run._launcher
    assert isinstance(launcher, TestLauncher)
    return launcher


def test_the_run_uses_the_launchers_defaults_names_and_cleanup(make_run: Factory) -> None:
    class Slow(TestLauncher):
        ready_timeout = 7.5

    run = make_run(Slow)
    assert run.runtime == "test"
    assert run.wait_for_server_timeout == 7.5
    with run:
        assert ping(run)[0] == 200
        assert run.log_path.name.startswith(f"test-flask-regression-{run.port}-")
        assert launcher_of(run).cleanups == 0
    assert launcher_of(run).cleanups == 1  # once the server is stopped
    run.stop()
    assert launcher_of(run).cleanups == 2  # idempotent for the launcher to honour


def test_the_run_starts_again_while_its_launcher_says_the_port_is_taken(
    make_run: Factory,
) -> None:
    class TakenTwice(TestLauncher):
        taken = frozenset({1, 2})

    with make_run(TakenTwice) as run:
        assert ping(run)[0] == 200
        assert launcher_of(run).attempts == 3
        # One log: each attempt's part appended, after a note of why it was needed.
        assert run.log_text().count("taken on purpose; starting again on another port") == 2
        command = run.get_command()  # the last attempt's
        assert command[command.index("--address") + 1] == run.server_address


def test_the_run_gives_up_after_the_launchers_attempts_naming_the_server_as_it_says(
    make_run: Factory,
) -> None:
    class AlwaysTaken(TestLauncher):
        port_attempts = 2
        taken = frozenset({1, 2, 3})

    run = make_run(AlwaysTaken)
    with pytest.raises(ServerStartError) as caught:
        run.start()
    message = str(caught.value)
    assert message.startswith(
        "Server failed to start: the test server (flask, regression) could not get a port in 2 "
    )
    assert launcher_of(run).attempts == 2
    assert not group_exists(run.process.pid)


def test_an_exit_the_launcher_blames_on_the_port_is_a_new_attempt_not_a_failure(
    make_run: Factory,
) -> None:
    class ExitsOnce(TestLauncher):
        exits_taken = frozenset({1})

    with make_run(ExitsOnce) as run:
        assert ping(run)[0] == 200
        log = run.log_text()
    assert "stand-in: failing on purpose" in log  # the first attempt exited
    assert "said the exit; starting again on another port" in log
    assert launcher_of(run).attempts == 2


def test_the_launcher_decides_which_exit_status_is_a_clean_stop(
    make_run: Factory, temp_root: Path
) -> None:
    class OneIsClean(TestLauncher):
        clean_stop_codes = frozenset({0, 1})

    with make_run(OneIsClean, log_dir=None, env={"STANDIN_MODE": "exit1-on-stop"}) as run:
        assert made_dirs(temp_root) == [run.log_path.parent]
    assert run.returncode == 1
    assert made_dirs(temp_root) == []  # clean: its own directory went with it
