"""``drum-testing check`` reports built by hand, and a check that only pretends to run.

:func:`example_report` has one of every finding; the report, table and JUnit tests render
the same one. :class:`FakeCheck` stands in for ``run_check`` (installed with
:func:`install_fake_check`), so the command and ``check_model`` are tested without servers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drum_testing.check import runner
from drum_testing.check.compare import Difference
from drum_testing.check.observe import TRACEBACK, Answer
from drum_testing.check.options import DRUM, CheckOptions
from drum_testing.check.probes import CSV, Kind, Probe
from drum_testing.check.report import CheckReport, ProbeResult, ServerResult
from drum_testing.check.speed import Latency
from drum_testing.config.settings import ServerType, TargetType

JSON = "application/json"
HEADERS = {"X-Drum-Version": "1.0"}
PREDICTIONS = {"predictions": [1.5, 2.5]}
START_ERROR = "the server exited with status 3\ncommand: python -m drum_testing server\nlog tail"
ROW_DIFF = "--- flask\n+++ fastapi\n-  1.5\n+  1.6"
DRUM_DIFF = f"--- {DRUM}\n+++ flask\n-  0.3\n+  0.31"
VARIANT_DRUM_DIFF = f"--- {DRUM}\n+++ flask\n-  200\n+  400"
MODEL_TRACEBACK = f"{TRACEBACK}\n  File \"custom.py\", line 9, in score\nKeyError: 'a'"
EXAMPLE_PROBLEMS = [
    "gunicorn did not start: the server exited with status 3",
    "row 1: fastapi answers otherwise than flask",
    "row 1: DRUM answers otherwise than flask",
    "missing a: fastapi: 5xx (500 ERROR: KeyError: 'a')",
    "empty: flask: 4xx without message (400)",
    "empty: fastapi: no answer (no answer: the connection failed (ProtocolError))",
    "timing fastapi: every timed request of 100 rows failed",
]


def options(**overrides: object) -> CheckOptions:
    fields: dict[str, object] = {
        "server_types": (ServerType.FLASK, ServerType.GUNICORN, ServerType.FASTAPI),
        "drum": True,
        **overrides,
    }
    return CheckOptions(Path("model"), TargetType.REGRESSION, Path("data.csv"), **fields)  # type: ignore[arg-type]


def probe(name: str, kind: Kind = Kind.PARITY, rows: int | None = 1) -> Probe:
    return Probe(name, kind, "/predict/", b"a\n1\n", CSV, rows)


def ok(body: object = None, seconds: float = 0.01) -> Answer:
    return Answer(200, JSON, dict(HEADERS), PREDICTIONS if body is None else body, seconds)


def example_report() -> CheckReport:
    """One of everything: a server that did not start, a difference between types, a
    difference with DRUM on the input and on a variant, a 5xx with its traceback, a
    refusal without a message, no answer, and a batch size whose every request failed."""
    servers = {
        "flask": ServerResult(
            "flask",
            ready_seconds=1.234,
            idle_mib=80.5,
            idle_memory="PSS",
            latency=[Latency(1, 20, 0, 1.5, 2.25), Latency(100, 20, 1, 3.0, 4.75)],
        ),
        "gunicorn": ServerResult("gunicorn", error=START_ERROR),
        "fastapi": ServerResult(
            "fastapi",
            ready_seconds=0.5,
            idle_mib=1234.56,
            idle_memory="PSS",
            latency=[Latency(1, 20, 0, 1.0, 1.25), Latency(100, 20, 20, None, None)],
        ),
        DRUM: ServerResult(DRUM, ready_seconds=9.0, idle_mib=300.0, idle_memory="PSS"),
    }
    batch = ProbeResult(
        probe("batch (2 rows)", rows=2),
        {"flask": ok(seconds=0.2), "fastapi": ok(seconds=0.3), DRUM: ok(seconds=0.4)},
    )
    row = ProbeResult(
        probe("row 1"),
        {"flask": ok(), "fastapi": ok({"predictions": [1.6]}), DRUM: ok({"predictions": [0.3]})},
        differences=[Difference("fastapi", "flask", ROW_DIFF)],
        drum_difference=Difference("flask", DRUM, DRUM_DIFF),
    )
    missing = ProbeResult(
        probe("missing a", Kind.ROBUSTNESS),
        {
            "flask": Answer(422, JSON, body={"message": "ERROR: column a is missing"}),
            "fastapi": Answer(
                500, JSON, body={"message": "ERROR: KeyError: 'a'"}, log=MODEL_TRACEBACK
            ),
            DRUM: Answer(500, JSON, body={"message": "ERROR"}, log="drum's own traceback"),
        },
    )
    empty = ProbeResult(
        probe("empty", Kind.ROBUSTNESS, rows=None),
        {
            "flask": Answer(400, "", body=""),
            "fastapi": Answer(None, error="the connection failed (ProtocolError)"),
            DRUM: ok(),
        },
        drum_difference=Difference("flask", DRUM, VARIANT_DRUM_DIFF),
    )
    return CheckReport(
        options(),
        servers=servers,
        parity=[batch, row],
        robustness=[missing, empty],
        notes=["single rows: the first 20 of 300"],
        seconds=12.345,
    )


def clean_report() -> CheckReport:
    servers = {
        "flask": ServerResult("flask", 1.0, 50.0, latency=[Latency(1, 5, 0, 1.0, 2.0)]),
        "fastapi": ServerResult("fastapi", 2.0, 60.0, latency=[Latency(1, 5, 0, 1.5, 2.5)]),
    }
    return CheckReport(
        options(server_types=(ServerType.FLASK, ServerType.FASTAPI), drum=False),
        servers=servers,
        parity=[ProbeResult(probe("batch (1 rows)"), {"flask": ok(), "fastapi": ok()})],
        robustness=[
            ProbeResult(
                probe("empty", Kind.ROBUSTNESS, None),
                {
                    "flask": Answer(422, JSON, body={"message": "ERROR: empty"}),
                    "fastapi": Answer(422, JSON, body={"message": "ERROR: empty"}),
                },
            )
        ],
        seconds=3.25,
    )


class FakeCheck:
    """Stands in for ``run_check``: records the options of each call, reports a progress
    step when given a progress callback, and returns ``report``."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        self.options: list[CheckOptions] = []

    def __call__(
        self, options: CheckOptions, progress: Callable[[str], None] | None = None, **_: Any
    ) -> CheckReport:
        self.options.append(options)
        if progress is not None:
            progress("starting flask")
        return self.report


def install_fake_check(monkeypatch: pytest.MonkeyPatch, report: CheckReport) -> FakeCheck:
    """Make every check of this test a :class:`FakeCheck` answering ``report``."""
    fake = FakeCheck(report)
    monkeypatch.setattr(runner, "run_check", fake)
    return fake
