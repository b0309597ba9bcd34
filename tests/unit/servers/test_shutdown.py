"""shutdown.py: a busy model after the drain time ends the process with status 1."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from drum_testing.servers.shutdown import ABANDONED

SCRIPT = textwrap.dedent(
    """
    import sys, threading
    from drum_testing.servers.shutdown import abandon_if_busy

    class Core:
        in_flight = int(sys.argv[1])

    # A non-daemon thread that never ends: a plain exit would wait for it for ever.
    threading.Thread(target=threading.Event().wait).start()
    print("before", flush=True)
    abandon_if_busy(Core(), 2.5)
    print("not abandoned", flush=True)
    import os
    os._exit(0)
    """
)


def run(in_flight: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(in_flight)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_idle_core_is_not_abandoned() -> None:
    done = run(0)
    assert (done.returncode, done.stdout) == (0, "before\nnot abandoned\n")


def test_a_busy_core_exits_at_once_with_abandoned_despite_running_threads() -> None:
    done = run(2)
    assert (done.returncode, done.stdout) == (ABANDONED, "before\n")
    assert "2 request(s) still running in the model after the drain time of 2.5 s" in done.stderr
