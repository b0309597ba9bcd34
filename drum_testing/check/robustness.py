"""What a robustness answer means for a model author: fine, refused with a reason, or broken.

``drum validation`` only tells whether a request with missing values failed; a check says
how, per server: an answer (``ok``), a refusal a client can act on (``4xx`` with a JSON
message), a refusal without one, or a failure of the model or server (``5xx``, with the
model's traceback from the log, or no answer at all).
"""

from __future__ import annotations

import enum

from .observe import Answer


class Verdict(str, enum.Enum):
    OK = "ok"
    REFUSED = "4xx"
    """A client error with a JSON message: the request is wrong and the answer says why."""
    REFUSED_SILENTLY = "4xx without message"
    FAILED = "5xx"
    NO_ANSWER = "no answer"

    @property
    def is_problem(self) -> bool:
        """Whether the verdict fails a check: a refusal must say why; nothing may break."""
        return self in (Verdict.REFUSED_SILENTLY, Verdict.FAILED, Verdict.NO_ANSWER)


def classify(answer: Answer) -> Verdict:
    if answer.status is None:
        return Verdict.NO_ANSWER
    if answer.status >= 500:
        return Verdict.FAILED
    if answer.status >= 400:
        return Verdict.REFUSED if answer.message else Verdict.REFUSED_SILENTLY
    return Verdict.OK


def describe(answer: Answer) -> str:
    """A table cell: the verdict, and the status or the message that explains it."""
    verdict = classify(answer)
    if verdict is Verdict.OK:
        nulls = null_predictions(answer)
        return f"ok ({answer.status})" + (f", {nulls[0]} of {nulls[1]} null" if nulls[0] else "")
    if verdict is Verdict.NO_ANSWER:
        return "no answer"
    message = (answer.explanation or "").removeprefix("ERROR: ")
    return f"{answer.status} {message}".strip()


def null_predictions(answer: Answer) -> tuple[int, int]:
    """How many of the answer's predictions are null (NaN), and how many there are: a model
    that answers a missing value with no prediction is worth a look, though not a failure
    (DRUM sends the same nulls)."""
    body = answer.body
    predictions = body.get("predictions") if isinstance(body, dict) else None
    if not isinstance(predictions, list):
        return 0, 0
    return sum(1 for value in predictions if value is None), len(predictions)
