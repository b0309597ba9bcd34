"""check/options.py and the package's lazy names: what a check is asked to do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import drum_testing.check
from drum_testing.check import junit, probes, report, runner, table
from drum_testing.check.options import DRUM, CheckOptions, default_parallel_starts, installed_types
from drum_testing.config.settings import ServerType, TargetType
from drum_testing.servers import registry as servers


def make(**overrides: Any) -> CheckOptions:
    return CheckOptions(Path("m"), TargetType.REGRESSION, Path("d.csv"), **overrides)


def test_servers_are_the_types_then_drum() -> None:
    assert make().servers == ("flask", "gunicorn", "fastapi")
    chosen = make(server_types=(ServerType.FASTAPI, ServerType.FLASK), drum=True)
    assert chosen.servers == ("fastapi", "flask", DRUM)


def test_a_check_needs_a_server_type() -> None:
    with pytest.raises(ValueError, match="at least one server type"):
        make(server_types=())


@pytest.mark.parametrize(
    "name", ["single_rows", "robustness_rows", "max_columns", "latency_requests", "parallel_starts"]
)
def test_negative_counts_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be positive, got -1$"):
        make(**{name: -1})


@pytest.mark.parametrize("name", ["robustness_rows", "parallel_starts", "latency_requests"])
def test_zero_is_refused_where_a_check_needs_one(name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be positive, got 0$"):
        make(**{name: 0})


@pytest.mark.parametrize("name", ["single_rows", "max_columns"])
def test_zero_is_allowed_where_nothing_is_skipped(name: str) -> None:
    assert getattr(make(**{name: 0}), name) == 0


def test_parallel_starts_default_to_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert default_parallel_starts() == 6
    assert make().parallel_starts == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_parallel_starts() == 1


def test_installed_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        servers, "missing_modules", lambda t: ["uvicorn"] if t is ServerType.FASTAPI else []
    )
    assert installed_types() == (ServerType.FLASK, ServerType.GUNICORN)


def test_package_names_are_imported_when_used() -> None:
    assert drum_testing.check.CheckOptions is CheckOptions
    assert drum_testing.check.render is table.render
    assert drum_testing.check.run_check is runner.run_check
    assert drum_testing.check.to_junit is junit.to_junit
    assert drum_testing.check.InputError is probes.InputError
    assert drum_testing.check.CheckReport is report.CheckReport
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = drum_testing.check.nothing


@pytest.mark.parametrize("name", ["latency_seconds", "request_timeout", "start_timeout"])
@pytest.mark.parametrize("seconds", [0.0, -1.0, float("nan")])
def test_times_must_be_positive(name: str, seconds: float) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be a positive number of seconds"):
        make(**{name: seconds})
