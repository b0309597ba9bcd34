"""Fixtures the unit tests of several packages share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from drum_testing.telemetry import tracing

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Routes traced into a cleared in-memory exporter for the test, untraced after it
    (skipped where the ``otel`` extra is not installed, as in the ``core`` session)."""
    pytest.importorskip("opentelemetry.sdk")
    from tests.helpers.tracing import recording

    exporter = recording()
    try:
        yield exporter
    finally:
        tracing.deactivate()
        exporter.clear()
