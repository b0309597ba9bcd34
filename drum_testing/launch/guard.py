"""Run a command that cannot watch a lifeline, and stop its group once the test process is gone.

Our server watches ``--lifeline-fd`` itself; real DRUM cannot. ``DrumServerRun(...,
runtime="drum")`` starts it through this wrapper instead::

    python -m drum_testing.launch.guard --lifeline-fd 5 --grace 10 -- drum server ...

(:func:`~drum_testing.launch.drum.guarded_command` makes that command; nothing in
the package imports this module, so ``-m`` runs it fresh.)

The wrapper forks a watchdog, then *becomes* the command (``exec``): the process
``DrumServerRun`` started is DRUM itself, with DRUM's pid and exit status, leading its own
process group. The watchdog is a grandchild whose parent exits at once (a double fork), so
DRUM never has a child it did not make (gunicorn's master reaps every child it has), yet it
stays in DRUM's process group:

* a normal stop signals the group, and SIGTERM ends the watchdog along with DRUM;
* when the lifeline reaches end of file (the test process closed it, or died, even by
  SIGKILL, and the kernel closed it), the watchdog sends SIGTERM to the group (ignoring it
  itself), waits up to ``--grace`` seconds for the rest of the group to exit, then sends
  SIGKILL to the group, itself included. Workers are in the group too, so none is left.
  It says so in ``--log FILE`` (the run's log: its stdout was a pipe to the test process).
  Before that it removes ``--remove DIR`` (the run's gunicorn control dir), which the dead
  test process can no longer remove.

Why not ``prctl(PR_SET_PDEATHSIG)``: it is Linux only, it fires when the *thread* that
started the child exits (not the process), it reaches only the direct child and not
gunicorn's workers or werkzeug's forked ones, and setting it needs ``preexec_fn``, which is
unsafe in a threaded test process. The watchdog is plain POSIX and covers the whole group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from typing import NamedTuple

from .process import running_members, wait_for

USAGE = (
    "usage: drum_guard --lifeline-fd N --grace SECONDS [--remove DIR] [--log FILE] -- COMMAND..."
)


class Guard(NamedTuple):
    """What the command line says: the lifeline, the grace, what to remove, the command."""

    lifeline_fd: int
    grace: float
    remove: str | None
    """A directory of the run's to remove once the group is gone (gunicorn's control dir)."""
    command: list[str]
    log: str | None = None
    """The run's log, to which the watchdog adds why it stops the group: its stdout is a pipe
    the test process read, gone with it."""


def parse(argv: Sequence[str]) -> Guard:
    """The guard's options and the command, from its command line (:data:`USAGE`)."""
    if "--" not in argv:
        raise SystemExit(USAGE)
    split = list(argv).index("--")
    options, command = list(argv[:split]), list(argv[split + 1 :])
    if len(options) % 2 or not command:
        raise SystemExit(USAGE)
    values = dict(zip(options[::2], options[1::2], strict=True))
    names = set(values)
    if len(values) * 2 != len(options) or not {"--lifeline-fd", "--grace"} <= names:
        raise SystemExit(USAGE)
    if names - {"--lifeline-fd", "--grace", "--remove", "--log"}:
        raise SystemExit(USAGE)
    fd, grace = int(values["--lifeline-fd"]), float(values["--grace"])
    return Guard(fd, grace, values.get("--remove"), command, values.get("--log"))


def others_running(pgid: int) -> bool:
    """Whether a process of group ``pgid`` other than this one is still running."""
    return any(pid != os.getpid() for pid in running_members(pgid))


def watch(guard: Guard, pgid: int) -> None:
    """Block until the lifeline ends, then stop group ``pgid``: SIGTERM, grace, SIGKILL."""
    with contextlib.suppress(OSError):
        while os.read(guard.lifeline_fd, 4096):
            pass  # nobody writes; data would only be noise
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the SIGTERM below is for the others
    # Not to stdout: that is a pipe the test process read, gone with it.
    if guard.log is not None:
        with contextlib.suppress(OSError), open(guard.log, "a", encoding="utf-8") as log:
            log.write("\ndrum_testing guard: the test process is gone; stopping the server\n")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
        wait_for(lambda: not others_running(pgid), guard.grace)
    if guard.remove is not None:  # the test process cannot remove it any more
        shutil.rmtree(guard.remove, ignore_errors=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)  # stragglers, then this watchdog itself


def main(argv: Sequence[str] | None = None) -> None:
    """Fork the watchdog, then exec the command in this process."""
    guard = parse(sys.argv[1:] if argv is None else argv)
    pgid = os.getpgrp()
    sys.stdout.flush()
    child = os.fork()
    if child == 0:  # the intermediate: forks the watchdog and leaves, so init adopts it
        if os.fork() == 0:
            try:
                watch(guard, pgid)
            finally:
                os._exit(0)
        os._exit(0)
    os.waitpid(child, 0)
    os.close(guard.lifeline_fd)  # the command needs no copy: only the write end counts
    try:
        os.execvp(guard.command[0], guard.command)
    except OSError as exc:
        print(f"drum_testing guard: cannot run {guard.command[0]!r}: {exc}", file=sys.stderr)
        sys.exit(127)


if __name__ == "__main__":
    main()
