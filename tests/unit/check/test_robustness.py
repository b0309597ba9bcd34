"""check/robustness.py: each answer to a variant as ok, a refusal with or without a reason, or
a failure."""

from __future__ import annotations

from typing import Any

import pytest

from drum_testing.check.observe import Answer
from drum_testing.check.robustness import Verdict, classify, describe

JSON = "application/json"


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        (Answer(200, JSON, body={"predictions": []}), Verdict.OK),
        (Answer(204), Verdict.OK),
        (Answer(302), Verdict.OK),
        (Answer(422, JSON, body={"message": "ERROR: column x"}), Verdict.REFUSED),
        (Answer(400, JSON, body={"error": "bad"}), Verdict.REFUSED),
        (Answer(404, body=""), Verdict.REFUSED_SILENTLY),
        (Answer(422, JSON, body={"message": ""}), Verdict.REFUSED_SILENTLY),
        (Answer(422, JSON, body={"detail": "pydantic"}), Verdict.REFUSED_SILENTLY),
        (Answer(499, body="text message"), Verdict.REFUSED_SILENTLY),
        (Answer(500, JSON, body={"message": "boom"}), Verdict.FAILED),
        (Answer(513, body=""), Verdict.FAILED),
        (Answer(None, error="the connection failed"), Verdict.NO_ANSWER),
    ],
)
def test_classify(answer: Answer, verdict: Verdict) -> None:
    assert classify(answer) is verdict


def test_which_verdicts_are_problems() -> None:
    problems = {verdict for verdict in Verdict if verdict.is_problem}
    assert problems == {Verdict.REFUSED_SILENTLY, Verdict.FAILED, Verdict.NO_ANSWER}


def test_verdict_values_are_what_the_report_prints() -> None:
    assert [verdict.value for verdict in Verdict] == [
        "ok",
        "4xx",
        "4xx without message",
        "5xx",
        "no answer",
    ]


@pytest.mark.parametrize(
    ("status", "body", "error", "cell"),
    [
        (200, {"predictions": [1]}, None, "ok (200)"),
        (201, "", None, "ok (201)"),
        (422, {"message": "ERROR: column x is missing"}, None, "422 column x is missing"),
        (400, {"error": "ERROR: twice ERROR: kept"}, None, "400 twice ERROR: kept"),
        (404, "", None, "404"),
        (500, {"message": "ERROR: ValueError: bad"}, None, "500 ValueError: bad"),
        (502, "", None, "502"),
        (None, None, "the connection failed", "no answer"),
    ],
)
def test_describe(status: int | None, body: Any, error: str | None, cell: str) -> None:
    assert describe(Answer(status, JSON, body=body, error=error)) == cell


def test_describe_shows_our_detail_beside_drums_message() -> None:
    body = {"message": "ERROR: Samples should be provided as: ...", "detail": "no data: empty"}
    assert describe(Answer(422, body=body)) == "422 no data: empty"
    assert describe(Answer(422, body={"message": "ERROR: Samples"})) == "422 Samples"
