"""What a command prints on stderr when it fails: one line (the log's lines are
:mod:`drum_testing.telemetry.logs`')."""

from __future__ import annotations

import sys

PROG = "drum-testing"
USAGE_ERROR = 2
"""The exit status of a usage error: a bad argument, variable or input (argparse's)."""


def fail(command: str, message: str, status: int = USAGE_ERROR) -> int:
    """Say what went wrong in one line on stderr, as argparse does; returns ``status``."""
    print(f"{PROG} {command}: error: {message}", file=sys.stderr, flush=True)
    return status
