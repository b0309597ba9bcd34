"""Spans recorded in memory: OpenTelemetry's SDK with its in-memory exporter, set up once per
process as the global tracer provider (which can be set only once), so the core's spans and a
model's own ``trace.get_tracer(...)`` spans land in the same list.

::

    exporter = recording()          # cleared, tracing of routes active
    ...
    deactivate(); exporter.get_finished_spans()
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from drum_testing.telemetry import tracing

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Tracer


@functools.cache
def _recorder() -> tuple[InMemorySpanExporter, Tracer]:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter, provider.get_tracer(tracing.TRACER_NAME)


def recording() -> InMemorySpanExporter:
    """Trace routes into a cleared in-memory exporter (until :func:`tracing.deactivate`)."""
    exporter, tracer = _recorder()
    exporter.clear()
    tracing.activate(tracer)
    return exporter
