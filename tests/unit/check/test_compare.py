"""check/compare.py: what differs between server types (all of it) and against DRUM (what a
client reads of a success)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from drum_testing.check.compare import (
    Difference,
    against_drum,
    as_text,
    between_types,
    unified,
)
from drum_testing.check.observe import Answer
from drum_testing.check.options import DRUM

JSON = "application/json"
HEADERS = {"X-Drum-Version": "1.0", "X-Request-ID": "drum-testing-check"}


def ok(body: Any, headers: dict[str, str] | None = None, seconds: float = 0.01) -> Answer:
    return Answer(200, JSON, dict(HEADERS if headers is None else headers), body, seconds)


# --- between server types ---------------------------------------------------------------------


def test_alike_answers_have_no_difference() -> None:
    answers = {
        "flask": ok({"predictions": [1.5]}, seconds=0.5),
        "gunicorn": ok({"predictions": [1.5]}, seconds=0.01),  # time is not compared
        "fastapi": Answer(200, JSON, dict(HEADERS), {"predictions": [1.5]}, log="not compared"),
    }
    assert between_types(answers) == []


def test_fewer_than_two_types_compare_nothing() -> None:
    assert between_types({}) == []
    assert between_types({"flask": ok([1])}) == []
    assert between_types({"flask": ok([1]), DRUM: ok([2])}) == []


def test_each_type_is_compared_with_the_first() -> None:
    answers = {
        "gunicorn": ok({"predictions": [1.5]}),
        "flask": ok({"predictions": [1.5]}),
        "fastapi": ok({"predictions": [2.5]}),
        DRUM: ok({"predictions": [9.0]}),  # never compared here
    }
    [difference] = between_types(answers)
    assert (difference.server, difference.reference) == ("fastapi", "gunicorn")
    lines = difference.diff.splitlines()
    assert lines[:2] == ["--- gunicorn", "+++ fastapi"]
    assert "-      1.5" in lines
    assert "+      2.5" in lines


@pytest.mark.parametrize(
    "other",
    [
        Answer(422, JSON, dict(HEADERS), {"predictions": [1.5]}),
        Answer(200, "text/plain", dict(HEADERS), {"predictions": [1.5]}),
        ok({"predictions": [1.5]}, headers={"X-Drum-Version": "1.0"}),
        Answer(None, error="the connection failed"),
    ],
    ids=["status", "content-type", "header", "no-answer"],
)
def test_status_content_type_headers_and_errors_are_compared(other: Answer) -> None:
    [difference] = between_types({"flask": ok({"predictions": [1.5]}), "fastapi": other})
    assert difference.server == "fastapi"
    assert difference.diff == unified(
        "flask", ok({"predictions": [1.5]}).comparable(), "fastapi", other.comparable()
    )


def test_unified_diff_text() -> None:
    diff = unified("flask", {"body": "é", "a": 1}, "fastapi", {"body": "e", "a": 1})
    assert diff.splitlines() == [
        "--- flask",
        "+++ fastapi",
        "@@ -1,4 +1,4 @@",
        " {",
        '   "a": 1,',
        '-  "body": "é"',
        '+  "body": "e"',
        " }",
    ]
    assert unified("a", [1], "b", [1]) == ""


def test_as_text_sorts_and_stringifies() -> None:
    class Odd:
        def __str__(self) -> str:
            return "odd"

    assert as_text({"b": 1, "a": Odd()}) == '{\n  "a": "odd",\n  "b": 1\n}'


def test_difference_to_dict() -> None:
    difference = Difference("fastapi", "flask", "--- flask")
    assert difference.to_dict() == {"server": "fastapi", "reference": "flask", "diff": "--- flask"}
    assert json.loads(json.dumps(difference.to_dict())) == difference.to_dict()


# --- against DRUM -----------------------------------------------------------------------------


def test_no_drum_or_none_of_ours_is_no_difference() -> None:
    assert against_drum({"flask": ok([1])}) is None
    assert against_drum({DRUM: ok([1])}) is None


def test_drum_float_spelling_is_no_difference() -> None:
    ours = ok({"predictions": [0.1 + 0.2, 1 / 3], "nested": {"x": [2 / 3]}})
    drum = ok({"predictions": [0.3, 0.3333333333], "nested": {"x": [0.6666666667]}})
    assert against_drum({"flask": ours, DRUM: drum}) is None


def test_a_float_beyond_drum_decimals_is_a_difference() -> None:
    ours = ok({"predictions": [0.3 + 1e-9]})  # the 9th decimal place: DRUM would write it
    difference = against_drum({"flask": ours, DRUM: ok({"predictions": [0.3]})})
    assert difference is not None
    assert (difference.server, difference.reference) == ("flask", DRUM)


def test_headers_and_content_type_are_not_compared_with_drum() -> None:
    ours = ok({"predictions": [1]})
    drum = Answer(200, "application/json; charset=utf-8", {"X-Other": "1"}, {"predictions": [1]})
    assert against_drum({"flask": ours, DRUM: drum}) is None


def test_drum_writes_big_numbers_with_10_significant_digits() -> None:
    ours = ok({"predictions": [1.2345678901234e16, -3.333333333333333e18]})
    drum = ok({"predictions": [1.23456789e16, -3.333333333e18]})  # as pandas writes them
    assert against_drum({"flask": ours, DRUM: drum}) is None
    assert against_drum({"flask": ours, DRUM: ok({"predictions": [1.3e16, -3.3e18]})})


def test_a_number_is_not_its_string() -> None:
    assert against_drum({"flask": ok({"p": [1.5]}), DRUM: ok({"p": ["1.5"]})}) is not None


def test_non_finite_floats_are_kept() -> None:
    ours = ok([math.inf, -math.inf, "NaN"])
    assert against_drum({"flask": ours, DRUM: ok([math.inf, -math.inf, "NaN"])}) is None
    assert against_drum({"flask": ours, DRUM: ok([math.inf, math.inf, "NaN"])}) is not None


@pytest.mark.parametrize(
    ("ours", "drum"),
    [
        (Answer(422, JSON, body={"message": "ours"}), Answer(500, JSON, body={"message": "x"})),
        (Answer(400, JSON, body={"message": "ours"}), Answer(None, error="gone")),
        (Answer(None, error="gone"), Answer(422, JSON, body={"message": "theirs"})),
    ],
    ids=["4xx-5xx", "4xx-no-answer", "no-answer-4xx"],
)
def test_both_failing_is_no_difference(ours: Answer, drum: Answer) -> None:
    assert against_drum({"flask": ours, DRUM: drum}) is None


def test_a_success_drum_does_not_give_is_a_difference() -> None:
    ours = ok({"predictions": [1.5]})
    drum = Answer(500, JSON, {}, {"message": "ERROR"})
    difference = against_drum({"gunicorn": ours, "flask": ok([0]), DRUM: drum})
    assert difference is not None
    assert (difference.server, difference.reference) == ("gunicorn", DRUM)  # the first of ours
    lines = difference.diff.splitlines()
    assert lines[:2] == [f"--- {DRUM}", "+++ gunicorn"]
    assert '-  "status": 500' in lines
    assert '+  "status": 200' in lines


def test_drum_succeeding_where_we_fail_is_a_difference() -> None:
    ours = Answer(422, JSON, {}, {"message": "ERROR: no"})
    difference = against_drum({"flask": ours, DRUM: ok([1])})
    assert difference is not None
    assert difference.server == "flask"


def test_multipart_boundaries_are_not_compared() -> None:
    ours = Answer(
        200,
        "multipart/form-data; boundary=ours123",
        body="--ours123\r\npart\r\n--ours123--\r\n",
    )
    drum = Answer(
        200,
        'multipart/form-data; boundary="drumXYZ"; charset=utf-8',
        body="--drumXYZ\r\npart\r\n--drumXYZ--\r\n",
    )
    assert against_drum({"flask": ours, DRUM: drum}) is None
    other = Answer(200, drum.content_type, body="--drumXYZ\r\nother\r\n--drumXYZ--\r\n")
    difference = against_drum({"flask": ours, DRUM: other})
    assert difference is not None
    assert "<boundary>" in difference.diff
