"""bench/tracing.py: the figures of tracing on and off, their table and JSON (no server)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bench import tracing
from bench.load import LoadResult
from bench.servers import Running
from bench.tracing import TracingFigures
from drum_testing.testing.otlp import OTLPReceiver


def result(rps: float, requests: int, errors: int = 0) -> LoadResult:
    return LoadResult("wrk", requests, requests / rps, rps, 1.0, 2.0, non_2xx=errors)


def test_ratio_and_spans_per_request() -> None:
    figures = TracingFigures(result(1000, 5000), result(800, 4000), spans=4010)
    assert figures.ratio == pytest.approx(0.8)
    assert figures.spans_per_request == pytest.approx(4010 / 4000)
    assert TracingFigures().ratio is None
    assert TracingFigures(result(1000, 5000)).spans_per_request is None


def test_the_table_marks_lost_spans_errors_and_failures() -> None:
    table = tracing.table(
        {
            "flask": TracingFigures(result(1000, 5000), result(800, 4000), spans=4010),
            "gunicorn-1": TracingFigures(result(1000, 5000), result(900, 4500, 3), spans=2000),
            "DRUM werkzeug": TracingFigures(error="DRUM werkzeug: start failed"),
        }
    )
    rows = table.splitlines()
    assert rows[0].startswith("| server | tracing off req/s | tracing on req/s | on/off")
    assert rows[2] == "| flask | 1,000 | 800 | 0.80 | 1.00 |"
    assert rows[3] == "| gunicorn-1 | 1,000 | 900 (!) | 0.90 | 0.44 (lost) |"
    assert rows[4] == "| DRUM werkzeug | - | - | - | - (DRUM werkzeug: start failed) |"


def test_the_table_shows_the_rounds_range() -> None:
    rounds = LoadResult("wrk", 10, 1.0, 10.0, 1.0, 2.0, round_rps=(8.0, 12.0))
    row = tracing.table({"flask": TracingFigures(rounds, rounds, spans=10)}).splitlines()[2]
    assert row == "| flask | 10 (8-12) | 10 (8-12) | 1.00 | 1.00 |"


def test_json_round_trip() -> None:
    figures = {"flask": TracingFigures(result(1000, 5000), result(800, 4000), spans=4010)}
    assert tracing.from_json(tracing.as_json(figures)) == figures


def test_a_server_that_does_not_start_is_an_error_not_a_crash() -> None:
    started: list[Mapping[str, str]] = []

    def start(env: Mapping[str, str]) -> Running:
        started.append(env)
        raise RuntimeError("exited with 3: no model\nmore")

    with OTLPReceiver() as receiver:
        figures = tracing.measure_pair("flask", start, receiver, duration=1, warmup=0)
    assert figures.error == "flask: exited with 3: no model"
    assert started == [{}]  # "off" first: without the endpoint


def test_the_drum_servers_only_with_drum(monkeypatch: pytest.MonkeyPatch) -> None:
    measured: list[str] = []

    def fake_pair(label: str, *args: object) -> TracingFigures:
        measured.append(label)
        return TracingFigures(error="not run")

    monkeypatch.setattr(tracing, "measure_pair", fake_pair)
    tracing.measure(Path("logs"), 1, 0, lambda _: None)
    assert measured == list(tracing.SERVERS)
    measured.clear()
    tracing.measure(Path("logs"), 1, 0, lambda _: None, drum="drum")
    assert measured == [*tracing.SERVERS, *tracing.DRUM_SERVERS]
