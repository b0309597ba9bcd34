"""Reading an option's text: one function a kind of value, for its flag and its variable alike.

Each takes the text as given and returns the value, or raises ``argparse.ArgumentTypeError``
saying what is expected; argparse names the flag, :mod:`~.environment` the variable::

    >>> positive_int("8")
    8
    >>> logging_level("warn")
    'WARNING'
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping

from .settings import SERVER_TYPE_ALIASES, ServerType, TargetType

TARGET_TYPES = tuple(t.value for t in TargetType)
TRUE_WORDS = ("t", "true", "y", "yes", "on", "1", "1.0")
FALSE_WORDS = ("false", "n", "no", "off", "0", "none", "0.0")
"""DRUM's (trafaret's) words for an on/off variable; ``f`` is not one of them."""
LOGGING_LEVELS: Mapping[str, str] = {
    # DRUM's --logging-level words -> the logging level they mean here.
    "all": "DEBUG",
    "debug": "DEBUG",
    "info": "INFO",
    "warn": "WARNING",
    "warning": "WARNING",
    "error": "ERROR",
    "critical": "CRITICAL",
    "fatal": "CRITICAL",
}
LOG_FORMATS = ("text", "json")
"""``--log-format`` values (:mod:`drum_testing.telemetry.logs`)."""
LANGUAGES = ("python",)
"""``--language`` values served: DRUM's R and Java models are not."""


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def non_negative_int(text: str) -> int:
    """A whole number, 0 included."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


AUTO = "auto"


def bytes_or_auto(text: str) -> int | None:
    """A whole number of bytes (0 included), or ``auto`` (None: the value sized at start)."""
    if text.strip().lower() == AUTO:
        return None
    return non_negative_int(text.strip())


def positive_seconds(text: str) -> float:
    """A number of seconds above 0, finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def non_negative_seconds(text: str) -> float:
    """A number of seconds, 0 included (0: never), finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, got {text!r}")
    return value


def file_descriptor(text: str) -> int:
    """An open file descriptor's number."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a file descriptor number, got {text!r}")
    return int(text)


def switch(text: str) -> bool:
    """An on/off variable, read with DRUM's words (any case, around spaces ignored)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(
        f"must be a boolean ({', '.join(TRUE_WORDS)} or {', '.join(FALSE_WORDS)}), got {text!r}"
    )


def target_type(text: str) -> str:
    """One of DRUM's target types, in any case."""
    if text.lower() not in TARGET_TYPES:
        choices = ", ".join(repr(t) for t in TARGET_TYPES)
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {choices})")
    return text.lower()


def logging_level(text: str) -> str:
    """DRUM's ``--logging-level`` word, as the logging level it means."""
    try:
        return LOGGING_LEVELS[text.lower()]
    except KeyError:
        choices = ", ".join(repr(word) for word in LOGGING_LEVELS)
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {choices})"
        ) from None


def log_format(text: str) -> str:
    """``--log-format``: ``text`` or ``json``, in any case."""
    if text.lower() not in LOG_FORMATS:
        choices = ", ".join(repr(word) for word in LOG_FORMATS)
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {choices})")
    return text.lower()


def language(text: str) -> str:
    """DRUM's ``--language``: only python is served."""
    if text.lower() not in LANGUAGES:
        raise argparse.ArgumentTypeError(
            f"drum-testing serves python models only, not {text!r} (DRUM's --language)"
        )
    return text.lower()


def server_types(text: str) -> tuple[ServerType, ...]:
    """Server types separated by commas, each once (``check --types``)."""
    chosen: list[ServerType] = []
    for word in (part.strip().lower() for part in text.split(",")):
        kind = SERVER_TYPE_ALIASES.get(word)
        if kind is None:
            choices = ", ".join(t.value for t in ServerType)
            raise argparse.ArgumentTypeError(
                f"unknown server type {word!r} (choose from {choices})"
            )
        if kind not in chosen:
            chosen.append(kind)
    return tuple(chosen)


def text(value: str) -> str:
    """Any text, as it is."""
    return value
