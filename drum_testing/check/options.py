"""What ``drum-testing check`` checks, as one frozen object built once from its arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drum_testing.config.options import CHECK, option
from drum_testing.config.settings import ServerType, TargetType

DRUM = "drum"
"""The name real DRUM goes by in a report, beside the server types."""

LATENCY_ROWS = (1, 100)
"""Batch sizes timed besides the whole file (``drum perf-test``'s smallest ones)."""


def _default(dest: str) -> Any:
    """The default of ``check``'s option ``dest``: the options table's (its one place)."""
    return option(dest, CHECK).value_default


def installed_types() -> tuple[ServerType, ...]:
    """The server types whose dependencies are installed here."""
    from drum_testing.servers.registry import missing_modules

    return tuple(t for t in ServerType if not missing_modules(t))


def default_parallel_starts() -> int:
    """Servers started at once: one per core, so a start-up time is not another's queue."""
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class CheckOptions:
    """One check of one model.

    ``labels`` are :class:`~drum_testing.testing.DrumServerRun`'s: ``(negative, positive)``
    for a binary model, every class for a multiclass or multilabel one, else None.
    """

    code_dir: Path
    target_type: TargetType
    input: Path
    labels: tuple[str, ...] | None = None
    server_types: tuple[ServerType, ...] = tuple(ServerType)
    drum: bool = False
    """Also start real DRUM (``datarobot-drum``'s ``drum server``, werkzeug mode)."""
    target_name: str | None = None
    runtime_params_file: Path | None = None
    logging_level: str | None = None
    """The servers' ``--logging-level`` (DRUM's words); None: their default, warning."""
    single_rows: int = _default("single_rows")
    """The input's first rows, each sent alone (parity)."""
    robustness_rows: int = _default("robustness_rows")
    """The input's first rows, which the robustness variants are made of."""
    max_columns: int = 50
    """Columns set to missing in turn, at most (one request each per server)."""
    latency_requests: int = _default("latency_requests")
    """Timed requests per batch size and server, at most."""
    latency_seconds: float = _default("latency_seconds")
    """Time per batch size and server, at most: the count stops early when it runs out."""
    request_timeout: float = 60.0
    start_timeout: float | None = None
    """Seconds a server may take to answer ``/ping/``; None: ``DrumServerRun``'s default."""
    parallel_starts: int = field(default_factory=default_parallel_starts)
    log_dir: Path | None = None
    """Where the servers' logs go (kept); None: temporary, removed after a clean stop."""

    def __post_init__(self) -> None:
        if not self.server_types:
            raise ValueError("a check needs at least one server type")
        for name, value in (
            ("single_rows", self.single_rows),
            ("robustness_rows", self.robustness_rows),
            ("max_columns", self.max_columns),
            ("latency_requests", self.latency_requests),
            ("parallel_starts", self.parallel_starts),
        ):
            if value < 0 or (value == 0 and name not in ("single_rows", "max_columns")):
                raise ValueError(f"{name} must be positive, got {value}")
        for name, seconds in (
            ("latency_seconds", self.latency_seconds),
            ("request_timeout", self.request_timeout),
            ("start_timeout", self.start_timeout),
        ):
            if seconds is not None and not seconds > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {seconds}")

    @property
    def servers(self) -> tuple[str, ...]:
        """The names of what is started: the server types, then ``drum`` if asked for."""
        return (*(t.value for t in self.server_types), *((DRUM,) if self.drum else ()))
