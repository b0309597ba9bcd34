"""Tracing's cost: ``/predict/`` requests/s with OpenTelemetry on and off, DRUM's beside ours.

Each server is started twice on the trivial model, once without ``OTEL_EXPORTER_OTLP_ENDPOINT``
(off) and once exporting to a loopback OTLP receiver in the bench process
(:mod:`drum_testing.testing.otlp`), and the two take turns under load
(:func:`bench.load.measure_interleaved`), so their ratio is free of the machine's drift. The
requests carry no ``traceparent``: each is a trace of its own. After the load both are
stopped, which flushes what the "on" server still held, and the spans the receiver got are
counted against the requests it answered: fewer means spans were dropped (a batching
processor drops what overflows its queue), and a figure bought by dropping them is marked.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load
from bench.load import LoadResult
from bench.servers import PREDICT, Running, check_predict, start_server
from drum_testing.testing.otlp import OTLPReceiver

SERVERS: Mapping[str, tuple[str, int | None]] = {
    # label -> (server type, workers): one process answering, as DRUM's default
    "flask": ("flask", None),
    "gunicorn-1": ("gunicorn", 1),
    "fastapi-1": ("fastapi", 1),
}
DRUM_SERVERS = {"DRUM werkzeug": "flask", "DRUM gunicorn": "gunicorn"}
SPAN = "drum.invocations"
"""The span each /predict/ opens, on ours and DRUM's."""
MODES = ("off", "on")


@dataclass
class TracingFigures:
    """One server's /predict/ with tracing off and on, and what the receiver got."""

    off: LoadResult | None = None
    on: LoadResult | None = None
    spans: int = 0
    """``drum.invocations`` spans received from the "on" server, warm-up and check included."""
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.on is None or self.off is None or self.off.requests_per_second <= 0:
            return None
        return self.on.requests_per_second / self.off.requests_per_second

    @property
    def spans_per_request(self) -> float | None:
        """Spans received per request answered in the timed rounds (at least 1: all came)."""
        if self.on is None or self.on.requests <= 0:
            return None
        return self.spans / self.on.requests


Start = Callable[[Mapping[str, str]], Running]
"""Start a server with these variables added to its environment."""


def measure_pair(
    label: str, start: Start, receiver: OTLPReceiver, duration: float, warmup: float
) -> TracingFigures:
    """Start ``label`` off and on, load them in turns, stop them; the figures."""
    figures = TracingFigures()
    receiver.clear()
    with contextlib.ExitStack() as stack:
        urls = {}
        try:
            for mode in MODES:
                running = start(receiver.env() if mode == "on" else {})
                stack.callback(running.stop)
                check_predict(running.url)
                urls[mode] = running.url
        except (RuntimeError, OSError, TimeoutError) as exc:
            figures.error = f"{label}: {str(exc).splitlines()[0][:200]}"
            return figures
        measured = load.measure_interleaved(urls, PREDICT, duration=duration, warmup=warmup)
    # Both stopped (the stack closed): what the "on" server held is flushed, or lost.
    for mode, result in measured.items():
        if isinstance(result, str):
            figures.error = f"{label} {mode}: {result}"
        else:
            setattr(figures, mode, result)
    figures.spans = sum(span.name == SPAN for span in receiver.spans)
    if figures.spans == 0 and figures.error is None:
        figures.error = f"{label}: no {SPAN} span received with tracing on"
    return figures


def measure(
    log_dir: Path,
    duration: float,
    warmup: float,
    say: Callable[[str], None],
    drum: str | None = None,
) -> dict[str, TracingFigures]:
    """Every server of :data:`SERVERS` (and DRUM's, given the ``drum`` program), in turn."""
    starts: dict[str, Start] = {}
    for label, (server_type, workers) in SERVERS.items():
        starts[label] = _starter(server_type, workers, log_dir)
    if drum is not None:
        for label, server_type in DRUM_SERVERS.items():
            starts[label] = _starter(server_type, None, log_dir, drum)
    results = {}
    with OTLPReceiver() as receiver:
        for label, start in starts.items():
            results[label] = figures = measure_pair(label, start, receiver, duration, warmup)
            say(f"  {label}: {summary(figures)}")
    return results


def _starter(
    server_type: str, workers: int | None, log_dir: Path, drum: str | None = None
) -> Start:
    def start(env: Mapping[str, str]) -> Running:
        return start_server(server_type, workers, log_dir, drum=drum, env=env)

    return start


def summary(figures: TracingFigures) -> str:
    if figures.error or figures.off is None or figures.on is None:
        return figures.error or "not measured"
    return (
        f"off {figures.off.requests_per_second:,.0f} req/s, on "
        f"{figures.on.requests_per_second:,.0f} req/s ({_num(figures.ratio)}), "
        f"{figures.spans:,} spans for {figures.on.requests:,} requests"
    )


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rps(result: LoadResult | None) -> str:
    if result is None:
        return "-"
    rps = f"{result.requests_per_second:,.0f}" + (" (!)" if result.errors else "")
    if len(result.round_rps) > 1:  # the spread of the rounds says how far to trust it
        rps += f" ({min(result.round_rps):,.0f}-{max(result.round_rps):,.0f})"
    return rps


def table(results: Mapping[str, TracingFigures]) -> str:
    """The Markdown table: one row per server."""
    lines = [
        "| server | tracing off req/s | tracing on req/s | on/off | spans per request |",
        "|---|---|---|---|---|",
    ]
    for label, figures in results.items():
        per_request = figures.spans_per_request
        spans = _num(per_request) + (
            " (lost)" if per_request is not None and per_request < 1 else ""
        )
        row = [label, _rps(figures.off), _rps(figures.on), _num(figures.ratio), spans]
        if figures.error:
            row[-1] += f" ({figures.error.replace('|', '/')[:80]})"
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def as_json(results: Mapping[str, TracingFigures]) -> dict[str, dict[str, Any]]:
    return {label: dataclasses.asdict(figures) for label, figures in results.items()}


def from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, TracingFigures]:
    def result(value: Mapping[str, Any] | None) -> LoadResult | None:
        if value is None:
            return None
        return LoadResult(**{**value, "round_rps": tuple(value.get("round_rps", ()))})

    return {
        label: TracingFigures(
            result(item.get("off")), result(item.get("on")), item.get("spans", 0), item.get("error")
        )
        for label, item in data.items()
    }
