"""tests/contract/tracing.py: the traced cases cover every route DRUM traces, and a request's
spans become the parts the conformance session compares."""

from __future__ import annotations

from typing import Any

from drum_testing.app.routes import ROUTES
from drum_testing.testing.otlp import ReceivedEvent, ReceivedSpan
from tests.contract.tracing import CALLER, PREFIX, TRACED, span_parts

CALLER_SPAN = "b7ad6b7169203331"


def span(name: str, span_id: str, parent: str | None, **overrides: Any) -> ReceivedSpan:
    values: dict[str, Any] = {
        "name": name,
        "kind": "INTERNAL",
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "span_id": span_id,
        "parent_span_id": parent,
        "attributes": {},
        "status": "UNSET",
        "status_message": "",
        "start_time_unix_nano": 1,
        "end_time_unix_nano": 2,
        "scope": "drum_testing",
        "resource": {},
    }
    return ReceivedSpan(**{**values, **overrides})


def test_every_traced_route_has_a_traced_case() -> None:
    traced_paths = {traced.case.path.split("?")[0] for traced in TRACED}
    spans = {name for traced in TRACED for name in traced.spans}
    for path, route in ROUTES.items():
        if route.span is not None:
            assert path in traced_paths, f"no traced case sends {path}"
            assert route.span in spans
    assert "drum.chat.completions.stream" in spans  # a streamed answer's own span


def test_traced_case_ids_are_unique_and_name_their_battery_case() -> None:
    ids = [traced.id for traced in TRACED]
    assert len(ids) == len(set(ids))
    for traced in TRACED:
        assert traced.id == PREFIX + traced.case.id
        assert "traceparent" not in traced.case.headers  # each send makes a trace of its own


def test_spans_become_named_parts_with_parents_by_name() -> None:
    outer = span(
        "drum.chat.completions",
        "1111111111111111",
        CALLER_SPAN,
        attributes={"gen_ai.request.model": "m"},
        status="ERROR",
        status_message="ValueError: no",
        events=(ReceivedEvent("exception", {"exception.type": "ValueError"}),),
        trace_state="caller=1",
    )
    inner = span("drum.chat.completions.stream", "2222222222222222", "1111111111111111")
    stray = span("stray", "3333333333333333", "4444444444444444")
    parts = span_parts([outer, inner, stray], CALLER_SPAN)
    assert parts["spans"] == ["drum.chat.completions", "drum.chat.completions.stream", "stray"]
    assert parts["span drum.chat.completions parent"] == CALLER
    assert parts["span drum.chat.completions.stream parent"] == "drum.chat.completions"
    assert parts["span stray parent"] == "other (4444444444444444)"
    assert parts["span drum.chat.completions kind"] == "INTERNAL"
    assert parts["span drum.chat.completions tracestate"] == "caller=1"
    assert parts["span drum.chat.completions status"] == "ERROR"
    assert parts["span drum.chat.completions status message"] == "ValueError: no"
    assert parts["span drum.chat.completions events"] == ["exception"]
    assert parts["span drum.chat.completions attribute gen_ai.request.model"] == "m"
    assert "span drum.chat.completions.stream attribute gen_ai.request.model" not in parts
