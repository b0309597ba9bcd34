"""bench/fuzzing.py: the figures, their table and JSON, and where the document comes from
(no server, no schemathesis)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import fuzzing
from bench.fuzzing import FuzzFigures


def test_the_table_has_a_row_per_server_and_lists_the_findings() -> None:
    table = fuzzing.table(
        {
            "flask": FuzzFigures(500, 0, {"200": 300, "422": 200}),
            "DRUM werkzeug": FuzzFigures(
                500,
                9,
                {"200": 291, "500": 9, "422": 200},
                [
                    "POST /predict/: Server error (500): curl -X POST a|b",
                    "GET /info/: x|y (200): curl c",
                ],
            ),
            "DRUM gunicorn": FuzzFigures(error="DRUM gunicorn: start failed"),
        }
    )
    rows = table.splitlines()
    assert rows[0] == "| server | requests sent | 5xx answers | statuses | other findings |"
    assert rows[2] == "| flask | 500 | 0 | 200: 300, 422: 200 | 0 |"
    assert rows[3] == "| DRUM werkzeug | 500 | 9 | 200: 291, 422: 200, 500: 9 | 1 |"
    assert rows[4] == "| DRUM gunicorn | 0 | 0 | - | DRUM gunicorn: start failed |"
    assert rows[6] == "- DRUM werkzeug: POST /predict/: Server error (500)"
    assert rows[7] == "- DRUM werkzeug: GET /info/: x\\|y (200)"
    assert len(rows) == 8


def test_figures_round_trip_through_json() -> None:
    results = {"flask": FuzzFigures(3, 1, {"500": 1, "200": 2}, ["a finding"])}
    assert fuzzing.from_json(fuzzing.as_json(results)) == results


def test_the_document_given_is_used_where_drum_testing_openapi_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "false")  # a command that fails
    given = tmp_path / "given.json"
    assert fuzzing.document(tmp_path, "regression", tmp_path / "out.json", given) == given
    with pytest.raises(RuntimeError, match="drum-testing openapi"):
        fuzzing.document(tmp_path, "regression", tmp_path / "out.json")
