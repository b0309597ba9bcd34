"""What the tracing tests share: a caller's W3C trace context, and the environment that points
a server's OTLP exporters at a receiver with batches that only a flush can deliver."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from drum_testing.testing.otlp import OTLPReceiver

HOUR_MS = "3600000"
BATCH_HELD = {
    # The batching processors' interval, an hour: a span or log record that arrives before
    # the server stops has been flushed, either when the batch filled (it never does here)
    # or at the stop (what the tests prove). DRUM's synchronous processors ignore these.
    "OTEL_BSP_SCHEDULE_DELAY": HOUR_MS,
    "OTEL_BLRP_SCHEDULE_DELAY": HOUR_MS,
    "OTEL_METRIC_EXPORT_INTERVAL": HOUR_MS,
}


@dataclass(frozen=True)
class Caller:
    """A client's span, which the server's spans must continue: ids in lowercase hex."""

    trace_id: str = field(default_factory=lambda: secrets.token_hex(16))
    span_id: str = field(default_factory=lambda: secrets.token_hex(8))
    tracestate: str = "caller=1"

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"

    def headers(self, **extra: str) -> dict[str, str]:
        """The trace context headers, with ``extra`` (``_`` in a name is ``-``)."""
        more = {name.replace("_", "-"): value for name, value in extra.items()}
        return {"traceparent": self.traceparent, "tracestate": self.tracestate, **more}


def exporting_env(receiver: OTLPReceiver, **more: str) -> Mapping[str, str]:
    """A server's environment additions: export to ``receiver``, batches held until a flush."""
    return {**receiver.env(), **BATCH_HELD, **more}
