"""Keeping a custom task's secrets out of its outputs, as DRUM does: part of DRUM's
``datarobot_drum.custom_task_interfaces.user_secrets`` (:mod:`drum_testing.drum_api.user_secrets`
holds the rest).

:func:`patch_outputs_to_scrub_secrets` replaces stdout and stderr by streams that write
``*****`` for every value of the secrets, and adds a filter doing the same to every logger;
:func:`reset_outputs_to_allow_secrets` undoes it.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .user_secrets import HIDDEN, AbstractSecret

__all__ = [
    "SecretsScrubberFilter",
    "TextStreamSecretsScrubber",
    "get_ordered_sensitive_values",
    "patch_outputs_to_scrub_secrets",
    "reset_outputs_to_allow_secrets",
    "scrub_values_from_string",
]


def _values(value: Any) -> set[str]:
    if not value:
        return set()
    if isinstance(value, dict):
        return set().union(*(_values(inner) for inner in value.values()))
    return {value}


def get_ordered_sensitive_values(secrets: Iterable[AbstractSecret[Any]]) -> list[str]:
    """Every value of ``secrets`` (nested ones too), longest first, so that a value is
    hidden before any shorter value inside it."""
    if not secrets:
        return []
    values: set[str] = set()
    for secret in secrets:
        values |= _values(dataclasses.asdict(secret))
    return sorted(values, key=lambda value: (-len(value), value))


def scrub_values_from_string(sensitive_values: list[str], input_str: str) -> str:
    """``input_str`` with each of ``sensitive_values`` replaced by ``*****``."""
    for value in sensitive_values:
        input_str = input_str.replace(value, HIDDEN)
    return input_str


class TextStreamSecretsScrubber:
    """A text stream that hides the secrets' values in what is written to ``stream``."""

    def __init__(self, secrets: Iterable[AbstractSecret[Any]], stream: TextIO) -> None:
        self.stream = stream
        self.sensitive_data = get_ordered_sensitive_values(secrets)

    def write(self, text: str) -> None:
        self.stream.write(scrub_values_from_string(self.sensitive_data, text))

    def writelines(self, lines: Iterable[str]) -> None:
        self.stream.writelines(scrub_values_from_string(self.sensitive_data, s) for s in lines)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TextStreamSecretsScrubber)
            and self.stream == other.stream
            and self.sensitive_data == other.sensitive_data
        )

    __hash__ = None  # type: ignore[assignment]


class SecretsScrubberFilter(logging.Filter):
    """A logging filter that hides the secrets' values in a record's message and arguments."""

    def __init__(self, secrets: Iterable[AbstractSecret[Any]]) -> None:
        super().__init__()
        self.sensitive_data = get_ordered_sensitive_values(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.transform(record.msg)
        args: Any = record.args
        if isinstance(args, dict):
            record.args = {key: self.transform(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(self.transform(value) for value in args)
        else:
            record.args = self.transform(args)
        return True

    def transform(self, element: Any) -> Any:
        if isinstance(element, str):
            return scrub_values_from_string(self.sensitive_data, element)
        return element

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SecretsScrubberFilter) and self.sensitive_data == other.sensitive_data
        )

    __hash__ = None  # type: ignore[assignment]


def _loggers() -> list[Any]:
    manager = logging.root.manager
    return [logging.root, *manager.loggerDict.values()]


def patch_outputs_to_scrub_secrets(secrets: Iterable[AbstractSecret[Any]]) -> None:
    """Hide the secrets' values from stdout, stderr and every logger; nothing without any."""
    if not secrets:
        return
    stdout: Any = TextStreamSecretsScrubber(secrets, sys.stdout)
    stderr: Any = TextStreamSecretsScrubber(secrets, sys.stderr)
    sys.stdout, sys.stderr = stdout, stderr
    scrubber = SecretsScrubberFilter(secrets)
    for logger in _loggers():
        if hasattr(logger, "addFilter"):
            logger.addFilter(scrubber)


def reset_outputs_to_allow_secrets() -> None:
    """Undo :func:`patch_outputs_to_scrub_secrets`."""
    if isinstance(sys.stdout, TextStreamSecretsScrubber):
        sys.stdout = sys.stdout.stream
    if isinstance(sys.stderr, TextStreamSecretsScrubber):
        sys.stderr = sys.stderr.stream
    for logger in _loggers():
        if hasattr(logger, "filters") and hasattr(logger, "removeFilter"):
            for scrubber in [f for f in logger.filters if isinstance(f, SecretsScrubberFilter)]:
                logger.removeFilter(scrubber)
