"""Run a command that cannot watch a lifeline, and stop its group once the test process is gone.

Our server watches ``--lifeline-fd`` itself; real DRUM cannot. ``DrumServerRun(...,
runtime="drum")`` starts it through this wrapper instead::

    python -m drum_testing.testing.drum_guard --lifeline-fd 5 --grace 10 -- drum server ...

(:func:`~drum_testing.testing.drum_runtime.guarded_command` makes that command; nothing in
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

Why not ``prctl(PR_SET_PDEATHSIG)``: it is Linux only, it fires when the *thread* that
started the child exits (not the process), it reaches only the direct child and not
gunicorn's workers or werkzeug's forked ones, and setting it needs ``preexec_fn``, which is
unsafe in a threaded test process. The watchdog is plain POSIX and covers the whole group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from .process import running_members, wait_for


def parse(argv: Sequence[str]) -> tuple[int, float, list[str]]:
    """``(lifeline_fd, grace, command)`` from ``--lifeline-fd N --grace S -- COMMAND...``."""
    if "--" not in argv:
        raise SystemExit("usage: drum_guard --lifeline-fd N --grace SECONDS -- COMMAND...")
    split = list(argv).index("--")
    options, command = list(argv[:split]), list(argv[split + 1 :])
    if len(options) != 4 or not command:
        raise SystemExit("usage: drum_guard --lifeline-fd N --grace SECONDS -- COMMAND...")
    values = dict(zip(options[::2], options[1::2], strict=True))
    if set(values) != {"--lifeline-fd", "--grace"}:
        raise SystemExit("usage: drum_guard --lifeline-fd N --grace SECONDS -- COMMAND...")
    return int(values["--lifeline-fd"]), float(values["--grace"]), command


def others_running(pgid: int) -> bool:
    """Whether a process of group ``pgid`` other than this one is still running."""
    if not os.path.isdir("/proc"):  # no procfs: the leader (pid == pgid) stands for the group
        try:
            os.kill(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    return any(pid != os.getpid() for pid in running_members(pgid))


def watch(lifeline_fd: int, pgid: int, grace: float) -> None:
    """Block until the lifeline ends, then stop group ``pgid``: SIGTERM, ``grace``, SIGKILL."""
    with contextlib.suppress(OSError):
        while os.read(lifeline_fd, 4096):
            pass  # nobody writes; data would only be noise
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the SIGTERM below is for the others
    print("drum_testing guard: the test process is gone; stopping the server", flush=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
        wait_for(lambda: not others_running(pgid), grace)
        os.killpg(pgid, signal.SIGKILL)  # stragglers, then this watchdog itself


def main(argv: Sequence[str] | None = None) -> None:
    """Fork the watchdog, then exec the command in this process."""
    lifeline_fd, grace, command = parse(sys.argv[1:] if argv is None else argv)
    pgid = os.getpgrp()
    sys.stdout.flush()
    child = os.fork()
    if child == 0:  # the intermediate: forks the watchdog and leaves, so init adopts it
        if os.fork() == 0:
            try:
                watch(lifeline_fd, pgid, grace)
            finally:
                os._exit(0)
        os._exit(0)
    os.waitpid(child, 0)
    os.close(lifeline_fd)  # the command needs no copy: only the write end's closing counts
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"drum_testing guard: cannot run {command[0]!r}: {exc}", file=sys.stderr)
        sys.exit(127)


if __name__ == "__main__":
    main()
