"""testing/otlp.py: the loopback OTLP/HTTP receiver, fed by OpenTelemetry's own exporters.

Each test sends with the SDK's real OTLP/HTTP exporters (what a server and a model use), so
the receiver is proven against the wire format they speak, not against our idea of it.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Iterator

import pytest
from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
    OTLPMetricExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace.propagation.tracecontext import (
    TraceContextTextMapPropagator,
)

from drum_testing.testing import otlp, otlp_http
from drum_testing.testing.otlp import OTLPProtoMissing, OTLPReceiver
from drum_testing.testing.otlp_records import OTLP_PROTO_MISSING

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
RESOURCE = Resource.create({"service.name": "otlp-unit-test"})


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    with OTLPReceiver() as started:
        yield started


def tracer_provider(
    receiver: OTLPReceiver, compression: Compression | None = None
) -> TracerProvider:
    provider = TracerProvider(resource=RESOURCE)
    url = f"{receiver.endpoint}/v1/traces"
    span_exporter = OTLPSpanExporter(endpoint=url, compression=compression)
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    return provider


def caller_context() -> context.Context:
    return TraceContextTextMapPropagator().extract(
        {"traceparent": TRACEPARENT, "tracestate": "vendor=1"}
    )


def test_a_span_in_the_callers_trace_arrives_as_a_plain_record(receiver: OTLPReceiver) -> None:
    provider = tracer_provider(receiver)
    tracer = provider.get_tracer("unit.scope")
    with tracer.start_as_current_span(
        "outer", context=caller_context(), kind=trace.SpanKind.SERVER
    ) as outer:
        outer.set_attributes({"s": "x", "i": 3, "f": 1.5, "b": True, "list": ["a", "b"]})
        with tracer.start_as_current_span("inner") as inner:
            inner.set_status(trace.StatusCode.ERROR, "it broke")
            inner.record_exception(ValueError("bad"))
    provider.shutdown()

    inner_span, outer_span = receiver.wait_for_spans("inner")[0], receiver.spans[1]
    assert outer_span.name == "outer"
    assert outer_span.kind == "SERVER"
    assert (outer_span.trace_id, outer_span.parent_span_id) == (TRACE_ID, CALLER_SPAN)
    assert outer_span.trace_state == "vendor=1"
    assert outer_span.attributes == {"s": "x", "i": 3, "f": 1.5, "b": True, "list": ["a", "b"]}
    assert outer_span.status == "UNSET"
    assert outer_span.scope == "unit.scope"
    assert outer_span.resource["service.name"] == "otlp-unit-test"
    assert outer_span.end_time_unix_nano >= outer_span.start_time_unix_nano > 0
    assert inner_span.kind == "INTERNAL"
    assert inner_span.trace_id == TRACE_ID
    assert inner_span.parent_span_id == outer_span.span_id
    assert (inner_span.status, inner_span.status_message) == ("ERROR", "it broke")
    [event] = inner_span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "ValueError"
    assert receiver.exports["traces"] == 2  # one export per span: the simple processor
    assert receiver.rejected == []


def test_a_root_span_has_no_parent_and_ids_are_hex(receiver: OTLPReceiver) -> None:
    provider = tracer_provider(receiver)
    with provider.get_tracer("t").start_as_current_span("root") as span:
        expected = span.get_span_context()
    provider.shutdown()
    [got] = receiver.wait_for_spans("root")
    assert got.parent_span_id is None
    assert got.trace_id == format(expected.trace_id, "032x")
    assert got.span_id == format(expected.span_id, "016x")


@pytest.mark.parametrize("compression", [Compression.Gzip, Compression.Deflate])
def test_compressed_exports_are_decoded(receiver: OTLPReceiver, compression: Compression) -> None:
    provider = tracer_provider(receiver, compression=compression)
    with provider.get_tracer("t").start_as_current_span("compressed"):
        pass
    provider.shutdown()
    assert [span.name for span in receiver.wait_for_spans("compressed")] == ["compressed"]


# DRUM 1.18.1 exports logs with this handler; its successor is another package.
@pytest.mark.filterwarnings("ignore:`LoggingHandler` in `opentelemetry-sdk` is deprecated")
def test_log_records_carry_the_trace_of_the_span_they_were_made_in(
    receiver: OTLPReceiver,
) -> None:
    logs = LoggerProvider(resource=RESOURCE)
    logs.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{receiver.endpoint}/v1/logs"))
    )
    logger = logging.getLogger("tests.otlp.unit")
    handler = LoggingHandler(logger_provider=logs)
    logger.addHandler(handler)
    tracer = TracerProvider().get_tracer("t")  # not exported: only its context is needed
    try:
        with tracer.start_as_current_span("work", context=caller_context()) as span:
            logger.warning("inside %s", "the span")
            span_id = format(span.get_span_context().span_id, "016x")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
        logs.shutdown()
    assert receiver.wait_for(lambda r: len(r.logs) == 2)
    inside, outside = receiver.logs
    assert (inside.body, inside.severity_text) == ("inside the span", "WARN")
    assert (inside.trace_id, inside.span_id) == (TRACE_ID, span_id)
    assert inside.resource["service.name"] == "otlp-unit-test"
    assert (outside.body, outside.trace_id, outside.span_id) == ("outside", None, None)


def test_metrics_are_received_by_name(receiver: OTLPReceiver) -> None:
    exporter = OTLPMetricExporter(endpoint=f"{receiver.endpoint}/v1/metrics")
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(metric_readers=[reader], resource=RESOURCE)
    provider.get_meter("unit.meter").create_counter("requests", unit="1").add(2)
    provider.shutdown()  # exports what is pending
    assert receiver.wait_for(lambda r: bool(r.metrics))
    [metric] = receiver.metrics
    assert (metric.name, metric.unit, metric.scope) == ("requests", "1", "unit.meter")


def post(receiver: OTLPReceiver, path: str, body: bytes, **headers: str) -> str:
    """One raw HTTP/1.1 request; the status line of its answer."""
    head = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    request = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as sock:
        sock.sendall(request + body)
        return sock.makefile("rb").readline().decode().strip()


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "reason"),
    [
        ("/v1/traces", b"\xff\xff\xff", {"Content_Type": otlp.PROTOBUF}, 400, "not an OTLP"),
        ("/v1/spans", b"", {"Content_Type": otlp.PROTOBUF}, 404, "only /v1/traces"),
        ("/v1/traces", b"{}", {"Content_Type": "application/json"}, 415, "OTLP/JSON"),
        (
            "/v1/logs",
            b"",
            {"Content_Type": otlp.PROTOBUF, "Content_Encoding": "br"},
            400,
            "'br' is not gzip",
        ),
        ("/v1/logs", b"xx", {"Content_Type": otlp.PROTOBUF, "Content_Encoding": "gzip"}, 400, ""),
    ],
)
def test_what_is_not_an_otlp_export_is_refused_and_kept(
    receiver: OTLPReceiver,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    assert post(receiver, path, body, **headers).startswith(f"HTTP/1.1 {status} ")
    [rejected] = receiver.rejected
    assert rejected.startswith(f"{status} ")
    assert reason in rejected
    assert (receiver.spans, receiver.logs) == ([], [])
    assert receiver.exports == {"traces": 0, "logs": 0, "metrics": 0}


def test_an_empty_export_is_accepted(receiver: OTLPReceiver) -> None:
    assert post(receiver, "/v1/traces", b"", Content_Type=otlp.PROTOBUF) == "HTTP/1.1 200 OK"
    assert receiver.exports["traces"] == 1
    assert receiver.spans == []


def test_wait_for_spans_names_what_did_arrive(receiver: OTLPReceiver) -> None:
    provider = tracer_provider(receiver)
    with provider.get_tracer("t").start_as_current_span("other", context=caller_context()):
        pass
    provider.shutdown()
    receiver.wait_for_spans("other")
    with pytest.raises(TimeoutError, match=r"'wanted'.*received: other \(trace 0af7"):
        receiver.wait_for_spans("wanted", timeout=0)
    with pytest.raises(TimeoutError, match="in trace 00000000000000000000000000000001"):
        receiver.wait_for_spans("other", trace_id="0" * 31 + "1", timeout=0)
    assert len(receiver.wait_for_spans("other", trace_id=TRACE_ID)) == 1
    receiver.clear()
    assert receiver.spans == []
    assert receiver.exports["traces"] == 0


def test_stop_closes_idle_keep_alive_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    # No idle timeout: a connection left open would hold stop() forever, were it not closed.
    monkeypatch.setattr(otlp_http._Handler, "timeout", None)
    receiver = OTLPReceiver().start()
    port = receiver.port
    idle = socket.create_connection(("127.0.0.1", port))
    try:
        assert post(receiver, "/v1/metrics", b"", Content_Type=otlp.PROTOBUF).endswith("200 OK")
        stopping = threading.Thread(target=receiver.stop)
        stopping.start()
        stopping.join(60)
        assert not stopping.is_alive(), "stop() waited on an idle connection"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10)
    finally:
        idle.close()
        receiver.stop()  # idempotent


def test_the_endpoint_and_env(receiver: OTLPReceiver) -> None:
    assert receiver.endpoint == f"http://127.0.0.1:{receiver.port}"
    assert receiver.env()["OTEL_EXPORTER_OTLP_ENDPOINT"] == receiver.endpoint
    with pytest.raises(RuntimeError, match="already started"):
        receiver.start()


def test_without_opentelemetry_proto_start_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail, as when the package is not installed.
    monkeypatch.setitem(
        sys.modules, "opentelemetry.proto.collector.trace.v1.trace_service_pb2", None
    )
    receiver = OTLPReceiver()
    with pytest.raises(OTLPProtoMissing) as raised:
        receiver.start()
    assert str(raised.value) == OTLP_PROTO_MISSING
    assert "\n" not in OTLP_PROTO_MISSING
    assert "pip install" in OTLP_PROTO_MISSING
    with pytest.raises(RuntimeError, match="not started"):
        _ = receiver.port
