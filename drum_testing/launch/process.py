"""Start a server as its own process group, log to a file, and stop the whole group.

Three things go wrong with the naive ``Popen(cmd, stdout=PIPE)``: nobody reads the pipe, so
a chatty server blocks once the pipe buffer is full; killing the pid leaves its children
(gunicorn workers) running; and if the test process is killed, the server lives on. Here:

* output goes to a log file, which can be read at any time and is kept for inspection;
* the server leads a new session, so one signal to the group reaches every worker;
* a *lifeline* pipe ends when this process ends, however it ends, and the server watches it.

::

    lifeline = Lifeline()
    proc = start_process_group(cmd + ["--lifeline-fd", str(lifeline.read_fd)],
                               log_path=path, pass_fds=[lifeline.read_fd])
    lifeline.close_read_end()
    try:
        ...
    finally:
        stop_process_group(proc, grace=10)
        lifeline.close()
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

import psutil

POLL_INTERVAL = 0.02
"""How often :func:`wait_for` re-checks a condition that offers nothing to block on."""

KILL_TIMEOUT = 5.0
"""How long to wait for the group to vanish after SIGKILL (only the kernel is involved)."""


def wait_for(
    condition: Callable[[], bool], timeout: float, interval: float = POLL_INTERVAL
) -> bool:
    """Check ``condition`` until it holds or ``timeout`` seconds passed; return whether it held.

    For conditions nothing can block on (a process group emptying); the interval is short
    and bounded by the deadline, so a wait never overshoots by more than ``interval``.

    ::

        >>> wait_for(lambda: True, timeout=1.0)
        True
    """
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))


def start_process_group(
    command: Sequence[str],
    *,
    log_path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    pass_fds: Iterable[int] = (),
    cwd: str | os.PathLike[str] | None = None,
    append: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``command`` leading a new session, stdout and stderr both going to ``log_path``.

    Only ``pass_fds`` are inherited (``close_fds`` is on); stdin is ``/dev/null`` so a server
    that reads it sees end of file instead of stealing the terminal. With ``append`` the log
    is added to instead of truncated (a second attempt after the first one's output).

    ::

        proc = start_process_group(["python", "-m", "http.server"], log_path="server.log")
    """
    # The child gets its own descriptor for the file; ours is closed at once, so nothing here
    # ever has to read from (or drain) the child's output.
    with open(log_path, "ab" if append else "wb") as log:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            cwd=cwd,
            pass_fds=tuple(pass_fds),
            close_fds=True,
            # Own session, so own process group (pgid == pid): a signal to the group reaches
            # every worker, and Ctrl-C in a terminal doesn't hit the server mid-test.
            start_new_session=True,
        )


def group_exists(pgid: int) -> bool:
    """Whether a process that has not exited still belongs to process group ``pgid``.

    Zombies don't count: a worker orphaned by its master is reaped by init, which in a
    container may take seconds or never happen, yet it has already stopped.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, it just isn't ours to signal
    return bool(running_members(pgid))


GONE = frozenset({psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD})
"""Process states of a process that has exited (it may wait to be reaped)."""


def group_pids(pgid: int, *, running: bool = False) -> list[int]:
    """The processes of group ``pgid``; with ``running``, those that have not exited
    (zombies left out). psutil's on every platform; the group of each is the system's."""
    pids = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) != pgid:
                continue
            if running and process.status() in GONE:
                continue
        except (OSError, psutil.Error):
            continue  # exited meanwhile, or not ours to look at
        pids.append(process.pid)
    return pids


def running_members(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that have not exited (zombies left out)."""
    return group_pids(pgid, running=True)


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    """Send ``sig`` to the group; False if the group is already gone."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def stop_process_group(
    proc: subprocess.Popen[bytes], grace: float = 10.0, kill_timeout: float = KILL_TIMEOUT
) -> int | None:
    """Stop the group ``proc`` leads: SIGTERM, ``grace`` seconds, then SIGKILL; reap the leader.

    Returns the leader's exit status (negative: killed by that signal), or None if it could
    not be reaped even after SIGKILL. Safe to call when the process already exited, and more
    than once. ``proc`` must have been started with ``start_new_session=True`` (as
    :func:`start_process_group` does), so its pid is the group id.

    The group counts as stopped only when the leader is reaped *and* no member is left: a
    worker that ignores SIGTERM is killed even if its master exited politely.

    ::

        code = stop_process_group(proc, grace=5)
    """
    pgid = proc.pid

    def stopped() -> bool:
        # The group id stays reserved while any member (zombies included) is left, so a
        # signal to it reaches only processes we started; once none is left we send nothing.
        return proc.poll() is not None and not group_exists(pgid)

    if not stopped():
        signal_group(pgid, signal.SIGTERM)
        if not _wait_for_group(proc, stopped, grace):
            signal_group(pgid, signal.SIGKILL)
            _wait_for_group(proc, stopped, kill_timeout)
    return proc.poll()


def _wait_for_group(
    proc: subprocess.Popen[bytes], stopped: Callable[[], bool], timeout: float
) -> bool:
    """Wait for the leader by blocking on it, then for the rest of the group by polling."""
    deadline = time.monotonic() + timeout
    try:
        proc.wait(timeout=max(0.0, timeout))
    except subprocess.TimeoutExpired:
        return False
    return wait_for(stopped, max(0.0, deadline - time.monotonic()))


def tail_lines(path: str | os.PathLike[str], lines: int = 40, max_bytes: int = 256 * 1024) -> str:
    """The last ``lines`` lines of a text file (at most its last ``max_bytes``); "" if missing.

    Undecodable bytes are replaced, never raised: this is for error messages.

    ::

        print(tail_lines("server.log", 40))
    """
    try:
        with open(path, "rb") as file:
            start = max(0, file.seek(0, os.SEEK_END) - max_bytes)
            file.seek(start)
            data = file.read()
    except FileNotFoundError:
        return ""
    if start:  # began mid-file: drop the partial first line (maybe a split character too)
        data = data.partition(b"\n")[2]
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:]) if lines > 0 else ""


class Lifeline:
    """A pipe whose read end a child watches: end of file means this process is gone.

    The parent keeps only the write end, which is never inheritable, so no other child
    holds a copy: when the parent closes it, or dies (even by SIGKILL, when the kernel
    closes it), the child reads end of file.

    ::

        lifeline = Lifeline()
        proc = subprocess.Popen([..., "--lifeline-fd", str(lifeline.read_fd)],
                                pass_fds=[lifeline.read_fd])
        lifeline.close_read_end()   # the child has its copy
        ...
        lifeline.close()            # the child sees EOF
    """

    def __init__(self) -> None:
        # os.pipe() descriptors are non-inheritable (PEP 446); pass_fds makes the read end
        # inheritable in the one child that gets it.
        self.read_fd, self.write_fd = os.pipe()
        self._read_open = True
        self._write_open = True

    def close_read_end(self) -> None:
        """Close the parent's copy of the read end (once the child has started)."""
        if self._read_open:
            self._read_open = False
            os.close(self.read_fd)

    def close(self) -> None:
        """Close both ends; the child sees end of file. Idempotent."""
        self.close_read_end()
        if self._write_open:
            self._write_open = False
            os.close(self.write_fd)

    @property
    def closed(self) -> bool:
        return not (self._read_open or self._write_open)

    def __enter__(self) -> Lifeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def describe_returncode(code: int | None) -> str:
    """``"exit code 3"``, ``"signal SIGKILL"`` or ``"still running"``, for messages.

    ::

        >>> describe_returncode(-9)
        'signal SIGKILL'
    """
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
