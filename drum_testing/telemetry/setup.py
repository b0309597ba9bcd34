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

import importlib
import logging
import os
import threading
import time
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
"""How long a stopping worker waits for the last exports (the collector may be down: the
stop must still end within the drain a supervisor allows)."""


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
        """Export what is left and shut down (idempotent). The three providers shut down
        side by side, each exporting its last batch, and the stop waits at most
        :data:`FLUSH_TIMEOUT_MS` for them: a collector that is down must not hold the
        worker past the drain its supervisor allows."""
        if self.stopped:
            return
        self.stopped = True
        tracing.deactivate()
        logging.getLogger().removeHandler(self.log_handler)
        providers = (self.tracer_provider, self.meter_provider, self.logger_provider)
        threads = [
            threading.Thread(target=_shut_down, args=(provider,), name="otel-shutdown", daemon=True)
            for provider in providers
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + FLUSH_TIMEOUT_MS / 1000
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            logger.warning(
                "OpenTelemetry's last export did not finish within %d ms (is the collector at "
                "%s up?); what it held is lost",
                FLUSH_TIMEOUT_MS,
                os.environ.get(ENDPOINT, "?"),
            )


def _shut_down(provider: TracerProvider | MeterProvider | LoggerProvider) -> None:
    # shutdown() exports what the batch holds first (force_flush would export it twice
    # over a slow collector, without a bound in some SDK versions).
    try:
        provider.shutdown()
    except Exception:
        logger.exception("OpenTelemetry's %s failed to shut down", type(provider).__name__)


def check(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether telemetry can start when it is configured; if not (the extra is missing), one
    warning says so. The server calls it once, at start-up, in its first process."""
    if not wanted(environ):
        return True
    try:
        for module in ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http"):
            importlib.import_module(module)
    except ImportError as exc:
        logger.warning(
            "%s is set, but OpenTelemetry is not installed (%s): serving untraced; to trace, %s",
            ENDPOINT,
            exc.name or exc,
            INSTALL_HINT,
        )
        return False
    return True


def start(environ: Mapping[str, str] = os.environ) -> Telemetry | None:
    """Start exporting from this process, if configured (:func:`wanted`) and installed;
    None otherwise (:func:`check` has said why, once, at start-up).

    Call it in the process that serves, after any fork, once.
    """
    if not wanted(environ):
        return None
    try:
        providers = _providers()
    except ImportError as exc:
        logger.debug("OpenTelemetry is not installed (%s): serving untraced", exc.name or exc)
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
