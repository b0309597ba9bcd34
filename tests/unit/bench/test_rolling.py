"""bench/rolling.py: the figures of a rolling restart, their table and JSON (no server)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench import rolling
from bench.rolling import RollingFigures
from tests.helpers import nginx
from tests.helpers.rolling import Outcome


def test_the_table_shows_failures_by_kind_exits_and_errors() -> None:
    table = rolling.table(
        {
            "flask": RollingFigures(10_500, {}, 4, [0, 0, 0, 0, 0, 0], 12.3),
            "DRUM werkzeug": RollingFigures(7_400, {"502": 7, "IncompleteRead": 1}, 4, [130, None]),
            "fastapi-2": RollingFigures(error="nginx is not installed"),
        }
    )
    rows = table.splitlines()
    assert rows[0].startswith("| server | requests | failed | rolls | exit statuses")
    assert rows[2] == "| flask | 10,500 | 0 | 4 | 0, 0, 0, 0, 0, 0 |"
    assert rows[3] == "| DRUM werkzeug | 7,400 | 8 (7 502, 1 IncompleteRead) | 4 | 130, - |"
    assert rows[4] == "| fastapi-2 | - | - | - | nginx is not installed |"


def test_json_round_trip() -> None:
    figures = {"gunicorn-1": RollingFigures(9_000, {"502": 3}, 4, [0, 0], 11.0)}
    assert rolling.from_json(rolling.as_json(figures)) == figures


def test_every_server_is_rolled_and_drums_only_with_drum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nginx, "missing", lambda: None)
    rolled: list[tuple[str, int | None, str | None]] = []

    def run(server_type: str, workers: int | None, drum: str | None) -> Outcome:
        rolled.append((server_type, workers, drum))
        return Outcome(100, Counter({"502": 2}), 4, [0, 0, 0, 0], [0, 0], 10.04)

    figures = rolling.measure(Path("logs"), lambda _: None, run=run)
    assert rolled == [(kind, workers, None) for kind, workers in rolling.SERVERS.values()]
    assert figures["flask"] == RollingFigures(100, {"502": 2}, 4, [0, 0, 0, 0, 0, 0], 10.0)
    rolled.clear()
    figures = rolling.measure(Path("logs"), lambda _: None, drum="drum", run=run)
    assert rolled[-2:] == [("flask", None, "drum"), ("gunicorn", None, "drum")]
    assert list(figures)[-2:] == list(rolling.DRUM_SERVERS)


def test_a_run_that_breaks_or_no_nginx_is_an_error_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run(server_type: str, workers: int | None, drum: str | None) -> Outcome:
        raise RuntimeError("Server failed to start: exited\nmore")

    monkeypatch.setattr(nginx, "missing", lambda: None)
    figures = rolling.measure(Path("logs"), lambda _: None, run=run)
    assert figures["flask"].error == "Server failed to start: exited"
    monkeypatch.setattr(nginx, "missing", lambda: "nginx is not installed")
    figures = rolling.measure(Path("logs"), lambda _: None, run=run)
    assert {f.error for f in figures.values()} == {"nginx is not installed"}
