"""check/report.py: what fails a check, and the report as data (JSON).

:func:`example_report` builds, by hand, a report with one of every finding; the table and
JUnit tests render the same one.
"""

from __future__ import annotations

import json

import pytest

from drum_testing.check.compare import Difference
from drum_testing.check.observe import Answer
from drum_testing.check.options import DRUM
from drum_testing.check.probes import Kind
from drum_testing.check.report import CheckReport, ProbeResult, ServerResult, first_line
from drum_testing.check.robustness import Verdict, classify
from drum_testing.check.speed import Latency
from drum_testing.version import VERSION
from tests.helpers.check_reports import (
    DRUM_DIFF,
    EXAMPLE_PROBLEMS,
    JSON,
    MODEL_TRACEBACK,
    ROW_DIFF,
    START_ERROR,
    clean_report,
    example_report,
    ok,
    options,
    probe,
)

# --- ServerResult -----------------------------------------------------------------------------


def test_server_result() -> None:
    started = ServerResult("flask", 1.5, 40.0, "PSS", latency=[Latency(1, 2, 0, 1.0, 1.0)])
    assert started.started
    assert started.to_dict() == {
        "name": "flask",
        "started": True,
        "ready_seconds": 1.5,
        "idle_mib": 40.0,
        "idle_memory": "PSS",
        "error": None,
        "latency": [{"rows": 1, "requests": 2, "failed": 0, "p50_ms": 1.0, "p99_ms": 1.0}],
    }
    assert not ServerResult("flask", error="exit 1").started
    assert ServerResult("flask", error="exit 1").to_dict()["started"] is False


# --- ProbeResult ------------------------------------------------------------------------------


def test_alike_answers_are_no_problem() -> None:
    result = ProbeResult(probe("row 1"), {"flask": ok(), "fastapi": ok()})
    assert result.problems() == []
    assert {name: classify(a) for name, a in result.answers.items()} == {
        "flask": Verdict.OK,
        "fastapi": Verdict.OK,
    }


def test_a_refusal_with_a_message_is_no_problem() -> None:
    refused = Answer(422, JSON, body={"message": "ERROR: no"})
    result = ProbeResult(probe("empty", Kind.ROBUSTNESS), {"flask": refused})
    assert result.problems() == []
    assert classify(result.answers["flask"]) is Verdict.REFUSED


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (Answer(500, JSON, body={"message": "boom"}), "flask: 5xx (500 boom)"),
        (Answer(404, "", body=""), "flask: 4xx without message (404)"),
        (Answer(None, error="reset"), "flask: no answer (no answer: reset)"),
    ],
)
@pytest.mark.parametrize("kind", list(Kind))
def test_a_broken_answer_of_ours_is_a_problem(answer: Answer, problem: str, kind: Kind) -> None:
    assert ProbeResult(probe("x", kind), {"flask": answer}).problems() == [problem]


def test_drum_failing_is_not_our_problem() -> None:
    answers = {"flask": Answer(422, JSON, body={"message": "no"}), DRUM: Answer(500, body="")}
    assert ProbeResult(probe("empty", Kind.ROBUSTNESS), answers).problems() == []
    assert ProbeResult(probe("x"), {"flask": ok(), DRUM: Answer(None, error="x")}).problems() == []


def test_differences_are_problems() -> None:
    result = ProbeResult(
        probe("row 1"),
        {"flask": ok(), "gunicorn": ok([1]), "fastapi": ok([2])},
        differences=[Difference("gunicorn", "flask", "d1"), Difference("fastapi", "flask", "d2")],
    )
    assert result.problems() == [
        "gunicorn answers otherwise than flask",
        "fastapi answers otherwise than flask",
    ]


def test_a_drum_difference_fails_parity_only() -> None:
    drum_difference = Difference("flask", DRUM, "diff")
    answers = {"flask": ok(), DRUM: ok([0])}
    parity = ProbeResult(probe("row 1"), answers, drum_difference=drum_difference)
    variant = ProbeResult(
        probe("one row", Kind.ROBUSTNESS), answers, drum_difference=drum_difference
    )
    assert parity.problems() == ["DRUM answers otherwise than flask"]
    assert variant.problems() == []


def test_answers_alike_are_written_once() -> None:
    result = ProbeResult(
        probe("batch"),
        {"flask": ok(seconds=0.1), "gunicorn": ok(seconds=0.2), "fastapi": ok([9], seconds=0.3)},
    )
    written = result.to_dict()["answers"]
    assert written["flask"] == {**ok(seconds=0.1).to_dict(), "verdict": "ok"}
    assert written["gunicorn"] == {
        "status": 200,
        "seconds": 0.2,
        "same_as": "flask",
        "verdict": "ok",
    }
    assert written["fastapi"] == {**ok([9], seconds=0.3).to_dict(), "verdict": "ok"}


def test_probe_result_to_dict() -> None:
    row = example_report().parity[1]
    data = row.to_dict()
    assert {key: data[key] for key in ("name", "kind", "path", "rows")} == {
        "name": "row 1",
        "kind": "parity",
        "path": "/predict/",
        "rows": 1,
    }
    assert data["differences"] == [{"server": "fastapi", "reference": "flask", "diff": ROW_DIFF}]
    assert data["drum_difference"] == {"server": "flask", "reference": DRUM, "diff": DRUM_DIFF}
    assert data["problems"] == row.problems()
    assert list(data["answers"]) == ["flask", "fastapi", DRUM]
    assert ProbeResult(probe("x"), {"flask": ok()}).to_dict()["drum_difference"] is None


# --- CheckReport ------------------------------------------------------------------------------


def test_every_problem_of_the_example() -> None:
    report = example_report()
    assert report.problems() == EXAMPLE_PROBLEMS
    assert not report.ok
    assert report.exit_status == 1


def test_a_clean_report() -> None:
    report = clean_report()
    assert report.problems() == []
    assert report.ok
    assert report.exit_status == 0


def test_a_report_of_nothing_is_ok() -> None:
    assert CheckReport(options()).ok


def test_to_dict() -> None:
    report = example_report()
    data = report.to_dict()
    assert data["drum_testing"] == VERSION
    assert data["ok"] is False
    assert (data["code_dir"], data["target_type"], data["input"]) == (
        "model",
        "regression",
        "data.csv",
    )
    assert data["labels"] is None
    assert list(data["servers"]) == ["flask", "gunicorn", "fastapi", DRUM]
    assert data["servers"]["gunicorn"]["error"] == START_ERROR
    assert [p["name"] for p in data["parity"]] == ["batch (2 rows)", "row 1"]
    assert [p["name"] for p in data["robustness"]] == ["missing a", "empty"]
    assert data["robustness"][0]["answers"]["fastapi"]["log"] == MODEL_TRACEBACK
    assert data["robustness"][1]["answers"]["fastapi"]["verdict"] == "no answer"
    assert data["problems"] == EXAMPLE_PROBLEMS
    assert data["notes"] == ["single rows: the first 20 of 300"]
    assert data["seconds"] == 12.345


def test_labels_in_to_dict() -> None:
    report = CheckReport(options(labels=("no", "yes")))
    assert report.to_dict()["labels"] == ["no", "yes"]


def test_to_json_is_the_dict() -> None:
    report = example_report()
    text = report.to_json()
    assert text.endswith("}\n")
    assert json.loads(text) == report.to_dict()
    assert "KeyError: 'a'" in text


def test_warnings_are_not_problems() -> None:
    report = clean_report()
    report.warnings.append("DRUM 1.18.1 would not start this model: no load_model")
    assert report.ok
    assert report.to_dict()["warnings"] == ["DRUM 1.18.1 would not start this model: no load_model"]
    assert CheckReport(options()).to_dict()["warnings"] == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (None, ""),
        ("", ""),
        ("  \n \n", ""),
        ("\n  exit 3\nmore", "exit 3"),
        ("one", "one"),
    ],
)
def test_first_line(text: str | None, line: str) -> None:
    assert first_line(text) == line
