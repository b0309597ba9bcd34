"""OpenTelemetry for one serving process: started after the fork, flushed at its stop.

When ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (and ``OTEL_SDK_DISABLED`` is not true, as a
variable or, as DRUM reads it, as runtime parameter ``MLOPS_RUNTIME_PARAM_OTEL_SDK_DISABLED``),
:func:`start` builds what DRUM 1.18.1 builds: a tracer, a logger and a meter provider with
``Resource.create()``, each exporting over OTLP/HTTP, set as the global providers (a model's
own ``trace.get_tracer(...)`` uses ours); a logging handler on the root logger sends log
records (not OpenTelemetry's own, which would loop when the collector is down); counters and
histograms are exported as deltas, DRUM's choice. Every other ``OTEL_*`` variable is the
SDK's to read (headers, timeouts, service name, per-signal endpoints, batch sizes).

Unlike DRUM, which exports each span synchronously on the request path when it forks workers
(its batching thread does not survive a fork), every worker batches: :func:`start` runs in
the worker, after the fork, and the worker's stop calls :meth:`Telemetry.stop`, which
flushes what is left. A graceful stop loses no span on any server type or worker count.

Without the endpoint nothing of OpenTelemetry is imported; with it but without the
``otel`` extra, one warning says so and serving goes on untraced.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drum_testing.config.runtime_params import (
    RuntimeParameterException,
    param_variable,
    parse_param,
)
from drum_testing.version import VERSION

from . import tracing

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider

logger = logging.getLogger(__name__)

ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
DISABLED = "OTEL_SDK_DISABLED"
EXTRA = "otel"
INSTALL_HINT = f"pip install 'drum-testing[{EXTRA}]' (from a checkout: pip install '.[{EXTRA}]')"
FLUSH_TIMEOUT_MS = 5_000
"""How long a stopping worker waits for each signal's last export (the collector may be
down: the stop must still end within the drain a supervisor allows)."""


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether telemetry is configured: an exporter endpoint, and not disabled."""
    if not environ.get(ENDPOINT):
        return False
    return not disabled(environ)


def disabled(environ: Mapping[str, str] = os.environ) -> bool:
    """``OTEL_SDK_DISABLED`` true, as the SDK reads the variable, or as DRUM reads the runtime
    parameter (any true payload). An unreadable parameter disables it too, with a warning:
    tracing that was meant to be off must not start."""
    if environ.get(DISABLED, "").strip().lower() == "true":
        return True
    raw = environ.get(param_variable(DISABLED))
    if raw is None:
        return False
    try:
        return bool(parse_param(DISABLED, raw))
    except RuntimeParameterException as exc:
        logger.warning("%s; OpenTelemetry stays off until it is fixed", exc)
        return True


@dataclass
class Telemetry:
    """The providers one process started; :meth:`stop` flushes and shuts them down."""

    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    meter_provider: MeterProvider
    log_handler: logging.Handler
    stopped: bool = field(default=False, init=False)

    def stop(self) -> None:
        """Export what is left and shut down (idempotent): spans first, then metrics and log
        records, each within :data:`FLUSH_TIMEOUT_MS`."""
        if self.stopped:
            return
        self.stopped = True
        tracing.deactivate()
        logging.getLogger().removeHandler(self.log_handler)
        for provider in (self.tracer_provider, self.meter_provider, self.logger_provider):
            try:
                provider.force_flush(FLUSH_TIMEOUT_MS)
            finally:
                provider.shutdown()


def start(environ: Mapping[str, str] = os.environ) -> Telemetry | None:
    """Start exporting from this process, if configured (:func:`wanted`); None otherwise.

    Call it in the process that serves, after any fork, once.
    """
    if not wanted(environ):
        return None
    try:
        providers = _providers()
    except ImportError as exc:
        logger.warning(
            "%s is set, but OpenTelemetry is not installed (%s): serving untraced; to trace, %s",
            ENDPOINT,
            exc.name or exc,
            INSTALL_HINT,
        )
        return None
    logger.info("OpenTelemetry exports to %s (pid %d)", environ[ENDPOINT], os.getpid())
    return providers


class _NotOwnRecords(logging.Filter):
    """Keeps OpenTelemetry's own records out of the export: failing to reach the collector
    would log, which would export, which would fail..."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith("opentelemetry")


def _providers() -> Telemetry:
    from opentelemetry import _logs, metrics, trace
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, ObservableCounter
    from opentelemetry.sdk.metrics.export import (
        AggregationTemporality,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)

    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    _logs.set_logger_provider(logger_provider)
    handler = LoggingHandler(level=logging.DEBUG, logger_provider=logger_provider)
    handler.addFilter(_NotOwnRecords())
    logging.getLogger().addHandler(handler)

    delta: dict[type, Any] = {
        kind: AggregationTemporality.DELTA for kind in (Counter, Histogram, ObservableCounter)
    }
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(preferred_temporality=delta))
    meter_provider = MeterProvider(metric_readers=[reader], resource=resource)
    metrics.set_meter_provider(meter_provider)

    tracing.activate(tracer_provider.get_tracer(tracing.TRACER_NAME, VERSION))
    return Telemetry(tracer_provider, logger_provider, meter_provider, handler)
