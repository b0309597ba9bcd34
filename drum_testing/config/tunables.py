"""The server's tunables: threads, timeouts, drain, backlog, flush interval and body limit.

Each is one field of :class:`~drum_testing.config.settings.Settings` with one flag and one
environment variable, both made from the table below, so the three can't drift apart::

    parser = argparse.ArgumentParser()
    add_tunable_arguments(parser)
    args, _ = apply_env_options(parser.parse_args(argv), os.environ, tunable_env_options())
    settings = Settings(code_dir=..., target_type=..., **tunable_values(args))

The flag wins over the variable (as for every option with a variable); neither given means
the field's default. Every server type reads them from the settings, none has its own.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, fields

from .environment import EnvOption
from .settings import (
    BACKLOG_ENV,
    DRAIN_TIMEOUT_ENV,
    FLUSH_INTERVAL_ENV,
    KEEPALIVE_TIMEOUT_ENV,
    MAX_BODY_BYTES_ENV,
    READ_TIMEOUT_ENV,
    THREADS_ENV,
    WORKER_TIMEOUT_ENV,
    Settings,
)


def positive_int(text: str) -> int:
    """A whole number of at least 1 (argparse type, also used for variables)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def positive_seconds(text: str) -> float:
    """A number of seconds above 0, finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


@dataclass(frozen=True)
class Tunable:
    """One tunable: the Settings field it sets, its flag, its variable and what it means."""

    dest: str
    flag: str
    variable: str
    convert: Callable[[str], int | float]
    help: str


TUNABLES: tuple[Tunable, ...] = (
    Tunable(
        "threads",
        "--threads",
        THREADS_ENV,
        positive_int,
        "connections a process serves at once, a thread each, started when needed",
    ),
    Tunable(
        "read_timeout",
        "--read-timeout",
        READ_TIMEOUT_ENV,
        positive_seconds,
        "seconds a client may pause while sending a request: then its connection is closed "
        "(request head) or answered 408 (body)",
    ),
    Tunable(
        "keepalive_timeout",
        "--keepalive-timeout",
        KEEPALIVE_TIMEOUT_ENV,
        positive_seconds,
        "seconds an idle connection stays open",
    ),
    Tunable(
        "drain_timeout",
        "--drain-timeout",
        DRAIN_TIMEOUT_ENV,
        positive_seconds,
        "seconds a stopping server waits for requests in flight; a model still busy then is "
        "abandoned and the exit status is 1",
    ),
    Tunable(
        "worker_timeout",
        "--worker-timeout",
        WORKER_TIMEOUT_ENV,
        positive_seconds,
        "gunicorn: seconds a busy worker may stay silent before it is replaced",
    ),
    Tunable(
        "backlog",
        "--backlog",
        BACKLOG_ENV,
        positive_int,
        "connections the kernel queues before the server accepts them",
    ),
    Tunable(
        "flush_interval",
        "--flush-interval",
        FLUSH_INTERVAL_ENV,
        positive_seconds,
        "seconds between flushes of stdout while requests are answered",
    ),
    Tunable(
        "max_body_bytes",
        "--max-body-bytes",
        MAX_BODY_BYTES_ENV,
        positive_int,
        "the largest request body accepted; a larger one is answered 413 unread",
    ),
)
"""Every tunable, in the order ``--help`` lists them."""

_DEFAULTS = {f.name: f.default for f in fields(Settings)}


def add_tunable_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per tunable to ``parser``; an absent flag parses as None."""
    group = parser.add_argument_group("tunables (each also an environment variable)")
    for tunable in TUNABLES:
        group.add_argument(
            tunable.flag,
            dest=tunable.dest,
            type=tunable.convert,
            metavar="N",
            help=f"{tunable.help}; default {_DEFAULTS[tunable.dest]} (env: {tunable.variable})",
        )


def tunable_env_options() -> tuple[EnvOption, ...]:
    """The variables of the tunables, for :func:`~.environment.apply_env_options`."""
    return tuple(EnvOption(t.variable, t.dest, t.convert) for t in TUNABLES)


def tunable_values(args: argparse.Namespace) -> dict[str, int | float]:
    """The tunables ``args`` gives (flag or variable), as Settings keyword arguments."""
    values = {t.dest: getattr(args, t.dest, None) for t in TUNABLES}
    return {dest: value for dest, value in values.items() if value is not None}
