"""What an OTLP receiver keeps of an export: plain records, decoded from OTLP's protobuf.

A test asserts on these, not on protobuf messages: ids are lowercase hex (as in a W3C
``traceparent``), a span's kind and status are their short names (``"SERVER"``, ``"ERROR"``),
attributes are a dict of plain Python values. Decoding needs ``opentelemetry-proto``, imported
only when a request arrives (:func:`decode`), so the test kit imports without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SIGNALS = ("traces", "logs", "metrics")
"""The OTLP/HTTP paths a receiver takes, as ``/v1/<signal>``."""

OTLP_PROTO_MISSING = (
    "the OTLP receiver decodes OTLP with opentelemetry-proto, which is not installed: "
    "pip install '.[otel]' (or pip install opentelemetry-proto)"
)
"""The one line a receiver raises when it cannot decode (and refuses to start)."""

_SERVICE_MODULES = {
    "traces": ("opentelemetry.proto.collector.trace.v1.trace_service_pb2", "ExportTrace"),
    "logs": ("opentelemetry.proto.collector.logs.v1.logs_service_pb2", "ExportLogs"),
    "metrics": ("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2", "ExportMetrics"),
}


class OTLPProtoMissing(ImportError):
    """``opentelemetry-proto`` is not installed; the message names what to install."""


@dataclass(frozen=True)
class ReceivedEvent:
    """An event recorded on a span (an exception is one, named ``"exception"``)."""

    name: str
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span. ``parent_span_id`` is None for a root span."""

    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    attributes: Mapping[str, Any]
    status: str
    status_message: str
    start_time_unix_nano: int
    end_time_unix_nano: int
    scope: str
    resource: Mapping[str, Any]
    events: tuple[ReceivedEvent, ...] = ()
    trace_state: str = ""


@dataclass(frozen=True)
class ReceivedLog:
    """One exported log record; ``trace_id`` and ``span_id`` are None outside a span."""

    body: Any
    severity_text: str
    severity_number: int
    trace_id: str | None
    span_id: str | None
    attributes: Mapping[str, Any]
    scope: str
    resource: Mapping[str, Any]


@dataclass(frozen=True)
class ReceivedMetric:
    """One exported metric: its name and where it came from (its data points are not kept)."""

    name: str
    description: str
    unit: str
    scope: str
    resource: Mapping[str, Any] = field(default_factory=dict)


Record = ReceivedSpan | ReceivedLog | ReceivedMetric


def check_installed() -> None:
    """Raise :class:`OTLPProtoMissing` unless every OTLP request type can be imported."""
    for signal in SIGNALS:
        _request_type(signal)


def decode(signal: str, body: bytes) -> list[Record]:
    """The records of an OTLP/HTTP protobuf ``body`` sent to ``/v1/<signal>``.

    Raises ValueError for a body that is not such a message.
    """
    request = _request_type(signal)()
    try:
        request.ParseFromString(body)
    except Exception as exc:  # protobuf's DecodeError, whose module differs by backend
        raise ValueError(f"not an OTLP {signal} export in protobuf: {exc}") from exc
    if signal == "traces":
        return list(_spans(request))
    if signal == "logs":
        return list(_logs(request))
    return list(_metrics(request))


def encoded_response(signal: str) -> bytes:
    """The (empty) ``Export*ServiceResponse`` a successful export is answered with."""
    module, prefix = _SERVICE_MODULES[signal]
    response: Any = getattr(importlib.import_module(module), f"{prefix}ServiceResponse")()
    data: bytes = response.SerializeToString()
    return data


def _request_type(signal: str) -> Any:
    module, prefix = _SERVICE_MODULES[signal]
    try:
        return getattr(importlib.import_module(module), f"{prefix}ServiceRequest")
    except ImportError as exc:
        raise OTLPProtoMissing(OTLP_PROTO_MISSING) from exc


def _spans(request: Any) -> Iterable[ReceivedSpan]:
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield ReceivedSpan(
                    name=span.name,
                    kind=_enum_name(span, "kind", "SPAN_KIND_"),
                    trace_id=span.trace_id.hex(),
                    span_id=span.span_id.hex(),
                    parent_span_id=span.parent_span_id.hex() or None,
                    attributes=attributes(span.attributes),
                    status=_enum_name(span.status, "code", "STATUS_CODE_"),
                    status_message=span.status.message,
                    start_time_unix_nano=span.start_time_unix_nano,
                    end_time_unix_nano=span.end_time_unix_nano,
                    scope=scope_spans.scope.name,
                    resource=resource,
                    events=tuple(
                        ReceivedEvent(event.name, attributes(event.attributes))
                        for event in span.events
                    ),
                    trace_state=span.trace_state,
                )


def _logs(request: Any) -> Iterable[ReceivedLog]:
    for resource_logs in request.resource_logs:
        resource = attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                yield ReceivedLog(
                    body=value(record.body),
                    severity_text=record.severity_text,
                    severity_number=int(record.severity_number),
                    trace_id=record.trace_id.hex() or None,
                    span_id=record.span_id.hex() or None,
                    attributes=attributes(record.attributes),
                    scope=scope_logs.scope.name,
                    resource=resource,
                )


def _metrics(request: Any) -> Iterable[ReceivedMetric]:
    for resource_metrics in request.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                yield ReceivedMetric(
                    name=metric.name,
                    description=metric.description,
                    unit=metric.unit,
                    scope=scope_metrics.scope.name,
                    resource=resource,
                )


def _enum_name(message: Any, field_name: str, prefix: str) -> str:
    """An enum field's value by its name without ``prefix`` (``SPAN_KIND_SERVER`` -> SERVER)."""
    descriptor = message.DESCRIPTOR.fields_by_name[field_name].enum_type
    number = getattr(message, field_name)
    found = descriptor.values_by_number.get(number)
    name: str = found.name if found is not None else str(number)
    return name.removeprefix(prefix)


def attributes(key_values: Iterable[Any]) -> dict[str, Any]:
    """OTLP ``KeyValue`` s as a dict of plain values."""
    return {kv.key: value(kv.value) for kv in key_values}


def value(any_value: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain value: str, bool, int, float, bytes, list, dict or None."""
    which = any_value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [value(item) for item in any_value.array_value.values]
    if which == "kvlist_value":
        return attributes(any_value.kvlist_value.values)
    return getattr(any_value, which)
