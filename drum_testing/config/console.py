"""What a command prints on stderr: a one-line error, and the log's format and level."""

from __future__ import annotations

import logging
import sys

PROG = "drum-testing"
USAGE_ERROR = 2
"""The exit status of a usage error: a bad argument, variable or input (argparse's)."""


def fail(command: str, message: str, status: int = USAGE_ERROR) -> int:
    """Say what went wrong in one line on stderr, as argparse does; returns ``status``."""
    print(f"{PROG} {command}: error: {message}", file=sys.stderr, flush=True)
    return status


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` (a ``logging`` level name), with the logger's name."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # werkzeug raises its own logger to INFO when it is unset: one line per request.
    logging.getLogger("werkzeug").setLevel(level)
