"""The spans of the traced routes, through the core (no web framework): names, kinds,
parents, attributes, errors and streams, recorded by the SDK's in-memory exporter."""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.http.messages import Headers, Request
from drum_testing.model.model import Model
from drum_testing.telemetry import tracing
from tests.helpers.core_client import CoreClient
from tests.helpers.log_records import collected_records
from tests.helpers.models import MODELS, settings_for

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

pytestmark = pytest.mark.usefixtures("restore_imports")

CSV = "a,b\n1,2\n"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
CHAT_REQUEST = {"model": "gpt-x", "messages": [{"role": "user", "content": "abc"}]}


def core_for(model: str | Path, target: str) -> PredictionCore:
    code_dir = model if isinstance(model, Path) else MODELS / model
    settings = settings_for(code_dir, TargetType(target))
    return PredictionCore(settings, Model.load(settings), server_type="flask")


def client_for(model: str | Path = "regression", target: str = "regression") -> CoreClient:
    return CoreClient(core_for(model, target))


def only(spans: InMemorySpanExporter) -> ReadableSpan:
    (span,) = spans.get_finished_spans()
    return span


def chat_request(**extra: Any) -> Request:
    body = json.dumps({**CHAT_REQUEST, **extra}).encode()
    return Request(
        "POST",
        "/chat/completions",
        headers=Headers([("Content-Type", "application/json")]),
        body=body,
    )


@pytest.mark.parametrize(
    ("model", "target", "path", "body", "name"),
    [
        ("regression", "regression", "/predict/", CSV, "drum.invocations"),
        ("regression", "regression", "/predictions/", CSV, "drum.invocations"),
        ("regression", "regression", "/invocations", CSV, "drum.invocations"),
        ("transform", "transform", "/transform/", CSV, "drum.transform"),
        ("unstructured", "unstructured", "/predictUnstructured/", "x", "drum.predictUnstructured"),
        (
            "unstructured",
            "unstructured",
            "/predictionsUnstructured/",
            "x",
            "drum.predictUnstructured",
        ),
        (
            "chat",
            "textgeneration",
            "/chat/completions",
            json.dumps(CHAT_REQUEST),
            "drum.chat.completions",
        ),
        (
            "chat",
            "textgeneration",
            "/v1/chat/completions",
            json.dumps(CHAT_REQUEST),
            "drum.chat.completions",
        ),
    ],
)
def test_each_traced_route_opens_its_span_in_a_new_trace(
    spans: InMemorySpanExporter, model: str, target: str, path: str, body: str, name: str
) -> None:
    from opentelemetry.trace import SpanKind, StatusCode

    answer = client_for(model, target).post(path, data=body, content_type="text/csv")
    assert answer.status_code == 200, answer.data
    span = only(spans)
    assert (span.name, span.kind, span.parent) == (name, SpanKind.INTERNAL, None)
    assert span.status.status_code is StatusCode.UNSET
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == tracing.TRACER_NAME


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ping/"),
        ("GET", "/info/"),
        ("GET", "/health/"),
        ("GET", "/stats/"),
        ("GET", "/nowhere/"),
        ("GET", "/predict/"),
        ("OPTIONS", "/predict/"),
        ("POST", "/predict"),
    ],
)
def test_the_routes_drum_does_not_trace_open_no_span(
    spans: InMemorySpanExporter, method: str, path: str
) -> None:
    client_for().open(path, method=method, data=CSV if method == "POST" else None)
    assert spans.get_finished_spans() == ()


def test_a_model_that_failed_to_load_opens_no_span(spans: InMemorySpanExporter) -> None:
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    core = PredictionCore(settings, None, server_type="flask", load_error="it broke")
    assert (
        core.handle(Request("POST", "/predict/", headers=Headers(), body=CSV.encode())).status
        == 513
    )
    assert spans.get_finished_spans() == ()


def test_the_callers_traceparent_and_tracestate_are_continued(spans: InMemorySpanExporter) -> None:
    headers = {"traceparent": TRACEPARENT, "tracestate": "congo=t61rcWkgMzE"}
    client_for().post("/predict/", data=CSV, content_type="text/csv", headers=headers)
    span = only(spans)
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert (format(span.parent.span_id, "016x"), span.parent.is_remote) == (PARENT_ID, True)
    assert span.context.trace_state.get("congo") == "t61rcWkgMzE"


def test_a_malformed_traceparent_starts_a_new_trace(spans: InMemorySpanExporter) -> None:
    headers = {"traceparent": "00-not-a-trace-01"}
    client_for().post("/predict/", data=CSV, content_type="text/csv", headers=headers)
    assert only(spans).parent is None


def test_each_request_is_its_own_trace(spans: InMemorySpanExporter) -> None:
    client = client_for()
    for _ in range(2):
        client.post("/predict/", data=CSV, content_type="text/csv")
    first, second = spans.get_finished_spans()
    assert first.context.trace_id != second.context.trace_id


def test_datarobots_consumer_headers_become_attributes(spans: InMemorySpanExporter) -> None:
    headers = {"X-DataRobot-Consumer-Id": "user-7", "X-DataRobot-Consumer-Type": "user"}
    client_for().post("/predict/", data=CSV, content_type="text/csv", headers=headers)
    assert dict(only(spans).attributes or {}) == {
        "gen_ai.request.consumer_id": "user-7",
        "gen_ai.request.consumer_type": "user",
    }


def test_the_model_raising_marks_the_span_an_error_with_the_exception(
    spans: InMemorySpanExporter,
) -> None:
    from opentelemetry.trace import StatusCode

    answer = client_for().post("/predict/", data="fail\n1\n", content_type="text/csv")
    assert answer.status_code == 500
    span = only(spans)
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "ValueError: model failed on purpose"
    (event,) = span.events
    assert event.name == "exception"
    assert (event.attributes or {})["exception.type"] == "ValueError"


def test_an_http_error_the_model_raised_is_recorded_too(spans: InMemorySpanExporter) -> None:
    from opentelemetry.trace import StatusCode

    answer = client_for().post("/predict/", data="http_error\n1\n", content_type="text/csv")
    assert answer.status_code == 418
    assert only(spans).status.status_code is StatusCode.ERROR


def test_a_bad_request_leaves_the_span_unmarked(spans: InMemorySpanExporter) -> None:
    from opentelemetry.trace import StatusCode

    answer = client_for().post("/predict/", data=b"\xff\xfe\x00", content_type="text/csv")
    assert 400 <= answer.status_code < 500, answer.data
    span = only(spans)
    assert span.name == "drum.invocations"
    assert (span.status.status_code, span.events) == (StatusCode.UNSET, ())


def test_the_trace_id_is_noted_in_the_request_scope(spans: InMemorySpanExporter) -> None:
    # The core answers in a request scope of its own: the model's log line made in the span
    # carries the trace id (and the request id) through the log's filter.
    core = core_for("logging_model", "regression")
    with collected_records() as records:
        core.handle(
            Request(
                "POST",
                "/predict/",
                headers=Headers([("traceparent", TRACEPARENT), ("X-Request-ID", "r-1")]),
                body=b"a\n1\n",
            )
        )
    (line,) = [r for r in records if r.name == "logging_model"]
    assert (line.request_id, line.trace_id) == ("r-1", TRACE_ID)  # type: ignore[attr-defined]


def test_a_chat_span_has_the_gen_ai_attributes_of_the_request_and_the_answer(
    spans: InMemorySpanExporter,
) -> None:
    core = core_for("chat", "textgeneration")
    assert core.handle(chat_request()).status == 200
    assert dict(only(spans).attributes or {}) == {
        "gen_ai.request.model": "gpt-x",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "abc",
        "gen_ai.prompt": "abc",
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": "abc"}]}]
        ),
        "gen_ai.response.model": "chat-fixture",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "cba",
        "gen_ai.completion": "cba",
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": "cba"}]}]
        ),
    }


def test_a_chat_request_that_is_not_json_leaves_no_gen_ai_attributes(
    spans: InMemorySpanExporter,
) -> None:
    request = Request("POST", "/chat/completions", body=b'{"model": "gpt-x"')
    assert core_for("chat", "textgeneration").handle(request).status == 400
    assert dict(only(spans).attributes or {}) == {}


def test_a_streamed_answer_has_a_child_span_covering_the_stream(
    spans: InMemorySpanExporter,
) -> None:
    response = core_for("chat", "textgeneration").handle(chat_request(stream=True))
    (chat,) = spans.get_finished_spans()  # the request's span ends when the core answers
    assert chat.name == "drum.chat.completions"
    assert "gen_ai.completion" not in (chat.attributes or {})
    body = b"".join(response.body)  # type: ignore[arg-type]
    assert body.endswith(b"data: [DONE]\n\n")
    chat, stream = spans.get_finished_spans()
    assert stream.name == "drum.chat.completions.stream"
    assert stream.parent is not None
    assert stream.parent.span_id == chat.context.span_id
    assert stream.context.trace_id == chat.context.trace_id
    attributes = dict(stream.attributes or {})
    assert (attributes["gen_ai.completion"], attributes["gen_ai.completion.0.content"]) == (
        "cba",
        "cba",
    )
    assert attributes.get("gen_ai.response.model") is None  # the chunks name none


def test_a_stream_read_to_its_end_ends_its_span(spans: InMemorySpanExporter) -> None:
    response = core_for("chat", "textgeneration").handle(chat_request(stream=True))
    body: Iterator[bytes] = iter(response.body)  # type: ignore[arg-type]
    for _ in body:
        pass
    assert [s.name for s in spans.get_finished_spans()] == [
        "drum.chat.completions",
        "drum.chat.completions.stream",
    ]


def test_a_stream_closed_early_ends_its_span_and_the_models_generator(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    closed = tmp_path / "closed"
    request = chat_request(stream=True, repeat=50, closed_file=str(closed))
    response = core_for("chat", "textgeneration").handle(request)
    body: Iterator[bytes] = iter(response.body)  # type: ignore[arg-type]
    next(body)
    next(body)
    body.close()  # type: ignore[attr-defined]  # the client went away
    assert closed.exists()  # the model's generator was closed
    stream = spans.get_finished_spans()[-1]
    assert stream.name == "drum.chat.completions.stream"
    assert (stream.attributes or {})["gen_ai.completion"] == "cb"


MODEL_WITH_SPANS = """
from opentelemetry import trace
import pandas as pd

tracer = trace.get_tracer("my.model")

def load_model(code_dir):
    return "traced"

def score(data, model, **kwargs):
    with tracer.start_as_current_span("my.model.score"):
        return pd.DataFrame({"Predictions": [1.0] * len(data)})

def chat(params, model):
    def chunks():
        for letter in "ab":
            with tracer.start_as_current_span("my.model.chunk"):
                yield {"choices": [{"delta": {"content": letter}}]}
    return chunks()
"""


def next_on_a_thread(body: Iterator[bytes]) -> bytes | None:
    """The next chunk of ``body``, made on a new thread; None at its end."""
    got: list[bytes | None] = [None]

    def read() -> None:
        got[0] = next(body, None)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return got[0]


@pytest.fixture
def traced_model(tmp_path: Path) -> Path:
    (tmp_path / "custom.py").write_text(textwrap.dedent(MODEL_WITH_SPANS))
    return tmp_path


def test_a_models_own_span_nests_under_the_route_span_on_any_thread(
    spans: InMemorySpanExporter, traced_model: Path
) -> None:
    core = core_for(traced_model, "regression")
    request = Request(
        "POST", "/predict/", headers=Headers([("traceparent", TRACEPARENT)]), body=CSV.encode()
    )
    # The fastapi type answers on a worker thread: nothing may depend on the caller's.
    thread = threading.Thread(target=core.handle, args=(request,))
    thread.start()
    thread.join()
    own, route = spans.get_finished_spans()
    assert (own.name, route.name) == ("my.model.score", "drum.invocations")
    assert own.parent is not None
    assert own.parent.span_id == route.context.span_id
    assert format(own.context.trace_id, "032x") == TRACE_ID


def test_a_models_spans_while_streaming_nest_under_the_stream_span(
    spans: InMemorySpanExporter, traced_model: Path
) -> None:
    response = core_for(traced_model, "textgeneration").handle(chat_request(stream=True))
    body: Iterator[bytes] = iter(response.body)  # type: ignore[arg-type]
    # As the fastapi type reads a stream: each chunk on a thread of its own.
    while next_on_a_thread(body) is not None:
        pass
    body.close()  # type: ignore[attr-defined]
    finished = spans.get_finished_spans()
    stream = next(s for s in finished if s.name == "drum.chat.completions.stream")
    chunks = [s for s in finished if s.name == "my.model.chunk"]
    assert len(chunks) == 2
    assert all(c.parent is not None and c.parent.span_id == stream.context.span_id for c in chunks)
