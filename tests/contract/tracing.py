"""The traced requests the conformance session compares with DRUM's, and what of their spans
is compared.

Each :class:`TracedCase` is a case of the battery sent in a caller's trace (``traceparent``,
``tracestate``, and for some DataRobot's consumer headers), with the spans DRUM 1.18.1 opens
for it. A request's spans become named parts, as an answer's do
(:func:`~tests.contract.improvements.fields`), so that the same ledger
(``improvements.yaml``) declares where ours differ: ``spans`` (the names), and per span
``span NAME kind``, ``... parent`` (``caller`` or the parent's name), ``... tracestate``,
``... status``, ``... status message``, ``... events`` and ``... attribute KEY``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drum_testing.testing.otlp import ReceivedSpan

from .case import Case
from .cases import CASES

PREFIX = "trace "
"""A traced case's id is its battery case's, after this."""
CALLER = "caller"
"""The parent of a span opened in the caller's trace, as a part's value."""
CONSUMER = {"X-DataRobot-Consumer-Id": "consumer-42", "X-DataRobot-Consumer-Type": "user"}
"""DataRobot's consumer headers, which DRUM copies onto its spans."""
INVOCATIONS = ("drum.invocations",)


@dataclass(frozen=True)
class TracedCase:
    """A battery case sent in a caller's trace, and the spans DRUM opens for it."""

    id: str
    case: Case
    spans: tuple[str, ...]
    """The names of DRUM's spans for it: the comparison waits for them on every server."""


def _traced(case_id: str, spans: Sequence[str], **headers: str) -> TracedCase:
    [case] = [case for case in CASES if case.id == case_id]
    with_headers = dataclasses.replace(case, headers={**case.headers, **headers})
    return TracedCase(PREFIX + case_id, with_headers, tuple(spans))


TRACED: tuple[TracedCase, ...] = (
    _traced("regression /predict/ text/csv", INVOCATIONS, **CONSUMER),
    _traced("regression /predictions/ text/csv", INVOCATIONS),
    _traced("regression /invocations text/csv", INVOCATIONS),
    _traced("422 empty", INVOCATIONS),
    _traced("500 model raised", INVOCATIONS),
    _traced("418 CustomHTTPError", INVOCATIONS),
    _traced("transform csv", ["drum.transform"], **CONSUMER),
    _traced("500 transform raised", ["drum.transform"]),
    _traced("unstructured /predictUnstructured/", ["drum.predictUnstructured"], **CONSUMER),
    _traced("unstructured /predictionsUnstructured/", ["drum.predictUnstructured"]),
    _traced("500 unstructured raised", ["drum.predictUnstructured"]),
    _traced("chat", ["drum.chat.completions"], **CONSUMER),
    _traced("chat streamed", ["drum.chat.completions", "drum.chat.completions.stream"]),
    _traced("400 chat invalid json", ["drum.chat.completions"]),
)
"""Every route DRUM traces, answered and failed (the model raised; bad input)."""
MODELS = tuple(sorted({traced.case.model for traced in TRACED}))
"""The fixture models the traced cases are served by (contract models' names)."""


def span_parts(spans: Sequence[ReceivedSpan], caller_span_id: str) -> dict[str, Any]:
    """A request's spans (all of one trace) as the named parts that are compared."""
    names = {span.span_id: span.name for span in spans}
    parts: dict[str, Any] = {"spans": sorted(names.values())}
    for span in spans:
        where = f"span {span.name}"
        parent = span.parent_span_id
        parts[f"{where} kind"] = span.kind
        parts[f"{where} parent"] = (
            CALLER if parent == caller_span_id else names.get(parent or "", f"other ({parent})")
        )
        parts[f"{where} tracestate"] = span.trace_state
        parts[f"{where} status"] = span.status
        parts[f"{where} status message"] = span.status_message
        parts[f"{where} events"] = [event.name for event in span.events]
        parts.update(_attributes(where, span.attributes))
    return parts


def _attributes(where: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{where} attribute {key}": value for key, value in attributes.items()}
