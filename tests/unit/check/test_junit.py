"""check/junit.py: the report as JUnit XML, parsed back (the example report of
test_check_report, with one of every finding)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from drum_testing.check.compare import Difference
from drum_testing.check.junit import SUITE, to_junit
from drum_testing.check.observe import Answer
from drum_testing.check.report import CheckReport, ProbeResult, ServerResult
from drum_testing.check.speed import Latency
from tests.helpers.check_reports import (
    DRUM_DIFF,
    MODEL_TRACEBACK,
    ROW_DIFF,
    START_ERROR,
    VARIANT_DRUM_DIFF,
    clean_report,
    example_report,
    ok,
    options,
    probe,
)


def parse(report: CheckReport) -> ET.Element:
    text = to_junit(report)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n")
    assert text.endswith("\n")
    return ET.fromstring(text.split("\n", 1)[1])


def cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {f"{case.get('classname')}.{case.get('name')}": case for case in suite.iter("testcase")}


def failure(case: ET.Element) -> ET.Element:
    found = case.find("failure")
    assert found is not None, f"{case.get('name')} has no failure"
    return found


def test_one_case_per_start_probe_and_timed_server() -> None:
    suite = parse(example_report())
    assert suite.tag == "testsuite"
    assert suite.get("name") == SUITE == "drum-testing check"
    assert list(cases(suite)) == [
        "start.flask",
        "start.gunicorn",
        "start.fastapi",
        "start.drum",
        "parity.batch (2 rows)",
        "parity.row 1",
        "robustness.missing a",
        "robustness.empty",
        "speed.flask",
        "speed.fastapi",
    ]
    assert suite.get("tests") == "10"
    assert suite.get("errors") == "0"
    assert suite.get("time") == "12.345"


def test_failures_are_the_problems() -> None:
    suite = parse(example_report())
    failed = [name for name, case in cases(suite).items() if case.find("failure") is not None]
    assert failed == [
        "start.gunicorn",
        "parity.row 1",
        "robustness.missing a",
        "robustness.empty",
        "speed.fastapi",
    ]
    assert suite.get("failures") == str(len(failed))


def test_a_start_failure_is_the_servers_error() -> None:
    found = cases(parse(example_report()))
    assert found["start.flask"].get("time") == "1.234"
    assert found["start.gunicorn"].get("time") == "0.000"
    start = failure(found["start.gunicorn"])
    assert start.get("message") == "gunicorn did not start"
    assert start.text == START_ERROR


def test_a_difference_is_its_diff() -> None:
    row = cases(parse(example_report()))["parity.row 1"]
    found = failure(row)
    assert found.get("message") == (
        "fastapi answers otherwise than flask; DRUM answers otherwise than flask"
    )
    assert found.text == f"{ROW_DIFF}\n\n{DRUM_DIFF}"
    out = row.find("system-out")
    assert out is not None
    assert out.text == "flask: 200\nfastapi: 200\ndrum: 200"


def test_a_5xx_is_its_traceback() -> None:
    missing = cases(parse(example_report()))["robustness.missing a"]
    found = failure(missing)
    assert found.get("message") == "fastapi: 5xx (500 ERROR: KeyError: 'a')"
    assert found.text is not None
    assert f"fastapi: 500 ERROR: KeyError: 'a'\n{MODEL_TRACEBACK}" in found.text


def test_refusal_and_no_answer() -> None:
    empty = cases(parse(example_report()))["robustness.empty"]
    found = failure(empty)
    assert found.get("message") == (
        "flask: 4xx without message (400); "
        "fastapi: no answer (no answer: the connection failed (ProtocolError))"
    )
    assert found.text is not None
    parts = found.text.split("\n\n")
    assert parts == [
        VARIANT_DRUM_DIFF,
        "flask: 400",
        "fastapi: no answer: the connection failed (ProtocolError)",
    ]


def test_a_probe_case_takes_its_slowest_answer() -> None:
    found = cases(parse(example_report()))
    assert found["parity.batch (2 rows)"].get("time") == "0.400"
    assert found["parity.batch (2 rows)"].find("failure") is None


def test_speed() -> None:
    found = cases(parse(example_report()))
    flask = found["speed.flask"]
    assert flask.find("failure") is None
    out = flask.find("system-out")
    assert out is not None
    assert out.text is not None
    assert out.text.splitlines() == [
        "1 row: p50 1.5 ms, p99 2.25 ms, 20 requests, 0 failed",
        "100 rows: p50 3.0 ms, p99 4.75 ms, 20 requests, 1 failed",
    ]
    speed_failure = failure(found["speed.fastapi"])
    order = [child.tag for child in found["speed.fastapi"]]
    assert order == ["failure", "system-out"]  # the JUnit schema's order
    assert speed_failure.get("message") is not None
    assert speed_failure.get("message") == "fastapi: every timed request of 100 rows failed"
    assert speed_failure.text is not None
    assert "100 rows: p50 None ms, p99 None ms, 20 requests, 20 failed" in speed_failure.text


def test_a_clean_report_has_no_failure() -> None:
    suite = parse(clean_report())
    assert suite.get("failures") == "0"
    assert suite.get("tests") == str(len(cases(suite)))
    assert list(cases(suite)) == [
        "start.flask",
        "start.fastapi",
        "parity.batch (1 rows)",
        "robustness.empty",
        "speed.flask",
        "speed.fastapi",
    ]
    assert not list(suite.iter("failure"))


def test_markup_in_text_is_escaped() -> None:
    diff = '--- flask\n+++ fastapi\n-  "<boundary> & é"\n+  "]]>"'
    report = CheckReport(
        options(drum=False),
        servers={"flask": ServerResult("flask", 1.0), "fastapi": ServerResult("fastapi", 1.0)},
        parity=[
            ProbeResult(
                probe('row <1> & "x"'),
                {"flask": ok(), "fastapi": Answer(500, body="<html>&</html>", log="tb <x>")},
                differences=[Difference("fastapi", "flask", diff)],
            )
        ],
    )
    case = cases(parse(report))['parity.row <1> & "x"']
    found = failure(case)
    assert found.text is not None
    assert found.text.startswith(diff)
    assert found.text.endswith("fastapi: 500\ntb <x>")


def test_no_latency_no_speed_case() -> None:
    report = CheckReport(
        options(drum=False),
        servers={
            "flask": ServerResult("flask", 1.0, latency=[Latency(None, 1, 0, 1.0, 1.0)]),
            "fastapi": ServerResult("fastapi", 1.0),
        },
    )
    assert list(cases(parse(report))) == ["start.flask", "start.fastapi", "speed.flask"]


def test_warnings_and_notes_are_the_suites_output() -> None:
    report = example_report()
    report.warnings.append("DRUM 1.18.1 would not start this model: no load_model")
    suite = parse(report)
    [out] = suite.findall("system-out")
    assert out.text == (
        "warning: DRUM 1.18.1 would not start this model: no load_model\n"
        "note: single rows: the first 20 of 300"
    )
    assert suite.get("tests") == "10"
    assert suite.get("failures") == "5"
    assert parse(clean_report()).findall("system-out") == []
