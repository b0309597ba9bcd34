"""Differences between the answers of several servers to one probe, as readable diffs.

Our server types must answer byte for byte alike: status, content type, body and our
headers (:data:`~drum_testing.check.observe.COMPARED_HEADERS`). Real DRUM is held to what
a client reads of a successful answer: the status, and the body, with DRUM's float spelling
(pandas writes at most 10 decimal places, so DRUM sends ``0.3`` where we send
``0.30000000000000004``; above 1e16, 10 significant digits). Its headers and error
messages differ from ours by design (``docs/CONTRACT.md``, "Where we differ from DRUM
1.18.1").
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .observe import Answer
from .options import DRUM

DRUM_ABSOLUTE = 0.5e-10
"""Half the last of pandas' 10 decimal places (``to_json``'s ``double_precision``)."""
DRUM_RELATIVE = 1e-9
"""pandas' 10 significant digits, for numbers it writes in exponent form."""


@dataclass(frozen=True)
class Difference:
    """``server`` answered otherwise than ``reference``; ``diff`` shows how."""

    server: str
    reference: str
    diff: str

    def to_dict(self) -> dict[str, str]:
        return {"server": self.server, "reference": self.reference, "diff": self.diff}


def as_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def unified(reference: str, ref_data: Any, server: str, data: Any) -> str:
    return "\n".join(
        difflib.unified_diff(
            as_text(ref_data).splitlines(),
            as_text(data).splitlines(),
            reference,
            server,
            lineterm="",
        )
    )


def between_types(answers: Mapping[str, Answer]) -> list[Difference]:
    """Every server type whose answer is not the first type's, with a diff."""
    ours = [(name, answer) for name, answer in answers.items() if name != DRUM]
    if len(ours) < 2:
        return []
    reference, first = ours[0]
    return [
        Difference(
            name, reference, unified(reference, first.comparable(), name, answer.comparable())
        )
        for name, answer in ours[1:]
        if answer.comparable() != first.comparable()
    ]


def _same_number(ours: float, drums: float) -> bool:
    """Whether DRUM's spelling of a number may be ours: pandas writes at most 10 decimal
    places, and 10 significant digits in exponent form (above 1e16)."""
    return math.isclose(ours, drums, rel_tol=DRUM_RELATIVE, abs_tol=DRUM_ABSOLUTE)


def same_for_a_client(ours: Any, drums: Any) -> bool:
    """Equal as data, numbers within DRUM's float spelling."""
    if isinstance(ours, float) or isinstance(drums, float):
        numbers = (int, float)
        if isinstance(ours, numbers) and isinstance(drums, numbers):
            if not (math.isfinite(ours) and math.isfinite(drums)):
                return ours == drums or (math.isnan(ours) and math.isnan(drums))
            return _same_number(float(ours), float(drums))
        return False
    if isinstance(ours, list) and isinstance(drums, list):
        return len(ours) == len(drums) and all(map(same_for_a_client, ours, drums))
    if isinstance(ours, dict) and isinstance(drums, dict):
        return ours.keys() == drums.keys() and all(
            same_for_a_client(ours[key], drums[key]) for key in ours
        )
    return bool(ours == drums)


def _client_view(answer: Answer) -> dict[str, Any]:
    body = answer.body
    _, found, boundary = answer.content_type.partition("boundary=")
    if found and isinstance(body, str):  # DRUM's multipart boundary is random; ours a hash
        body = body.replace(boundary.split(";")[0].strip('"'), "<boundary>")
    return {"status": answer.status, "body": body, "error": answer.error}


def against_drum(answers: Mapping[str, Answer]) -> Difference | None:
    """How the first type's answer differs from DRUM's, where a client would notice.

    Both answering an error (4xx/5xx) is no difference here: our error statuses and
    messages are better than DRUM's on purpose, and the robustness table shows both.
    """
    drum = answers.get(DRUM)
    ours = [(name, answer) for name, answer in answers.items() if name != DRUM]
    if drum is None or not ours:
        return None
    name, answer = ours[0]
    if _is_error(answer) and _is_error(drum):
        return None
    if same_for_a_client(_client_view(answer), _client_view(drum)):
        return None
    return Difference(name, DRUM, unified(DRUM, _client_view(drum), name, _client_view(answer)))


def _is_error(answer: Answer) -> bool:
    return answer.status is None or answer.status >= 400
