"""Process groups: output to a log, the whole group stopped, and the lifeline pipe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psutil
import pytest

from drum_testing.launch.process import (
    Lifeline,
    describe_returncode,
    group_exists,
    group_pids,
    running_members,
    start_process_group,
    stop_process_group,
    tail_lines,
    wait_for,
)
from tests.helpers.waiting import running

# Every helper program starts with this marker, so `pgrep -af drum-test-helper` finds leftovers.
MARKER = "# drum-test-helper\n"

PAUSE_FOREVER = "import signal\nsignal.pause()\n"

SPAWNS_GRANDCHILD = f"""{MARKER}
import signal, subprocess, sys
ignore = sys.argv[1] == "grandchild-ignores-term"
code = ("import signal\\n"
        + ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n" if ignore else "")
        + "print('ready', flush=True)\\nsignal.pause()\\n")
grandchild = subprocess.Popen([sys.executable, "-c", {MARKER!r} + code])
print("grandchild", grandchild.pid, flush=True)
signal.pause()
"""

IGNORES_TERM = f"""{MARKER}
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring SIGTERM", flush=True)
signal.pause()
"""

Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "out.log"


@pytest.fixture
def start(log: Path) -> Iterator[Start]:
    """Start ``python -c CODE ARGS...`` as a group; whatever a test leaves running is stopped."""
    started: list[subprocess.Popen[bytes]] = []

    def start_python(
        code: str, *args: str, pass_fds: Sequence[int] = ()
    ) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-c", code, *args]
        proc = start_process_group(command, log_path=log, pass_fds=pass_fds)
        started.append(proc)
        return proc

    yield start_python
    for proc in started:
        stop_process_group(proc, grace=1)


def wait_for_log(log: Path, text: str, timeout: float = 10) -> str:
    assert wait_for(lambda: text in log.read_text(), timeout), log.read_text()
    return log.read_text()


def test_output_goes_to_the_log_and_the_child_leads_its_group(start: Start, log: Path) -> None:
    # flush=True: stdout to a file is block-buffered unless PYTHONUNBUFFERED is set.
    code = MARKER + "import os, sys\nprint('out', flush=True)\nprint('err', file=sys.stderr)\n"
    code += "print(os.getpgid(0) == os.getpid() == os.getsid(0), sys.stdin.read() == '')\n"
    proc = start(code)
    assert proc.wait(timeout=10) == 0
    assert log.read_text().split() == ["out", "err", "True", "True"]
    assert proc.stdout is None  # there is no pipe anyone could forget to read


def test_stop_kills_grandchildren(start: Start, log: Path) -> None:
    proc = start(SPAWNS_GRANDCHILD, "plain")
    grandchild = int(wait_for_log(log, "ready").split()[1])
    assert running(grandchild)
    assert stop_process_group(proc, grace=5) == -signal.SIGTERM
    assert not running(proc.pid)
    assert not running(grandchild)
    assert not group_exists(proc.pid)


def test_sigkill_after_grace_when_sigterm_is_ignored(start: Start, log: Path) -> None:
    proc = start(IGNORES_TERM)
    wait_for_log(log, "ignoring SIGTERM")  # else SIGTERM could come before the handler
    began = time.monotonic()
    assert stop_process_group(proc, grace=0.5) == -signal.SIGKILL
    assert time.monotonic() - began >= 0.5
    assert not running(proc.pid)


def test_a_worker_ignoring_sigterm_is_killed_though_its_leader_exited(
    start: Start, log: Path
) -> None:
    proc = start(SPAWNS_GRANDCHILD, "grandchild-ignores-term")
    grandchild = int(wait_for_log(log, "ready").split()[1])
    assert stop_process_group(proc, grace=0.5) == -signal.SIGTERM  # the leader went politely
    assert not running(grandchild)  # the worker did not, and was killed
    assert not group_exists(proc.pid)


def test_stop_is_safe_when_already_exited_and_twice(start: Start) -> None:
    proc = start(MARKER + "raise SystemExit(3)")
    proc.wait(timeout=10)
    assert stop_process_group(proc, grace=1) == 3
    assert stop_process_group(proc, grace=1) == 3


def test_stop_is_safe_when_the_group_vanishes_meanwhile(start: Start) -> None:
    proc = start(MARKER + PAUSE_FOREVER)
    os.killpg(proc.pid, signal.SIGKILL)
    assert wait_for(lambda: not group_exists(proc.pid), timeout=10)
    assert stop_process_group(proc, grace=1) == -signal.SIGKILL


def test_lifeline_eof_reaches_the_child(start: Start, log: Path) -> None:
    code = MARKER + "import os, sys\nfd = int(sys.argv[1])\nprint('watching', flush=True)\n"
    code += "while os.read(fd, 4096):\n    pass\nprint('EOF')\n"
    with Lifeline() as lifeline:
        proc = start(code, str(lifeline.read_fd), pass_fds=[lifeline.read_fd])
        lifeline.close_read_end()
        wait_for_log(log, "watching")
        assert proc.poll() is None  # the write end is open: no EOF yet
        lifeline.close()
        assert proc.wait(timeout=10) == 0
    assert log.read_text().split() == ["watching", "EOF"]


def test_lifeline_descriptors_are_not_inheritable_and_close_is_idempotent() -> None:
    lifeline = Lifeline()
    assert not os.get_inheritable(lifeline.read_fd)
    assert not os.get_inheritable(lifeline.write_fd)
    lifeline.close()
    lifeline.close()
    assert lifeline.closed


def test_tail_lines(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(100)) + b"bad \xff byte\n")
    assert tail_lines(path, 2) == "line 99\nbad \ufffd byte"
    assert tail_lines(path, 0) == ""
    assert tail_lines(tmp_path / "missing") == ""
    assert tail_lines(path, 3, max_bytes=12) == "bad \ufffd byte"  # only what fits


def test_wait_for_gives_up_at_the_deadline() -> None:
    began = time.monotonic()
    assert not wait_for(lambda: False, timeout=0.1)
    assert 0.1 <= time.monotonic() - began < 2


@pytest.mark.parametrize(
    ("code", "text"),
    [(None, "still running"), (0, "exit code 0"), (3, "exit code 3"), (-9, "signal SIGKILL")],
)
def test_describe_returncode(code: int | None, text: str) -> None:
    assert describe_returncode(code) == text


LEAVES_A_ZOMBIE = f"""{MARKER}
import signal, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "pass"])  # exits at once, never reaped
print("child", child.pid, flush=True)
signal.pause()
"""


def test_running_members_leave_out_an_exited_child_not_yet_reaped(start: Start, log: Path) -> None:
    proc = start(LEAVES_A_ZOMBIE)
    child = int(wait_for_log(log, "child ").split()[-1])
    assert wait_for(lambda: psutil.Process(child).status() == psutil.STATUS_ZOMBIE, timeout=10)
    assert sorted(group_pids(proc.pid)) == sorted([proc.pid, child])
    assert running_members(proc.pid) == [proc.pid]
    assert group_exists(proc.pid)
    stop_process_group(proc, grace=5)
    # The orphaned zombie waits for init, which in a container may never reap it: stopped.
    assert (running_members(proc.pid), group_exists(proc.pid)) == ([], False)
