"""The chart of a bench run: requests/s per configuration, ours vs bare (and DRUM).

matplotlib is imported by name, at run time: the bench session installs it, the lint
session does not (mypy would otherwise need it), and a run without it still reports.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from bench.report import Results


def _pyplot() -> Any:
    """matplotlib's pyplot drawing to files, or None where matplotlib is not installed."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        return None
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def write_chart(path: Path, results: Results) -> str | None:
    """Draw ``/ping/`` and ``/predict/`` side by side; None, or why there is no chart."""
    pyplot = _pyplot()
    if pyplot is None:
        return "matplotlib is not installed; no chart"
    names = list(results.ours)
    if not names:
        return "no server configuration was measured; no chart"
    series = [("ours", results.ours), ("bare", results.bare), ("DRUM", results.drum)]
    series = [(label, group) for label, group in series if group]
    figure, axes = pyplot.subplots(1, 2, figsize=(12, 4.8))
    width = 0.8 / len(series)
    for ax, route in zip(axes, ("ping", "predict"), strict=True):
        for i, (label, group) in enumerate(series):
            offset = (i - (len(series) - 1) / 2) * width
            bars = [
                (n + offset, getattr(group[name], route))
                for n, name in enumerate(names)
                if name in group and getattr(group[name], route) is not None
            ]
            xs = [x for x, _ in bars]
            values = [r.requests_per_second for _, r in bars]
            lows = [min(r.round_rps or (r.requests_per_second,)) for _, r in bars]
            highs = [max(r.round_rps or (r.requests_per_second,)) for _, r in bars]
            # The whiskers span the 1-second rounds: wide ones mean a noisy figure. The
            # overall figure can sit a hair outside them (wrk rounds its seconds), and
            # matplotlib refuses negative whiskers.
            errors = [
                [max(0.0, v - lo) for v, lo in zip(values, lows, strict=True)],
                [max(0.0, h - v) for v, h in zip(values, highs, strict=True)],
            ]
            ax.bar(xs, values, width, label=label, yerr=errors, capsize=3)
            for x, value, high in zip(
                xs, values, highs, strict=True
            ):  # above the whisker, not on it
                ax.text(x, high, f"{value:,.0f}", ha="center", va="bottom", fontsize=7)
        ax.set_title(f"/{route}/")
        ax.set_xticks(range(len(names)), names)
        ax.set_ylabel("requests/s")
        ax.legend()
    env = results.environment
    figure.suptitle(
        f"requests/s (whiskers: range of the 1 s rounds), 4 connections, "
        f"{env.get('load_tool', '')}, {env.get('cores', '?')} cores"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return None


def write_batch_chart(path: Path, batches: Any) -> str | None:
    """Milliseconds per request against rows, log-log, a line per server, a panel per payload;
    None, or why there is no chart. ``batches`` is ``Results.batches``."""
    pyplot = _pyplot()
    if pyplot is None:
        return "matplotlib is not installed; no chart"
    if not batches:
        return "no batch size was measured; no chart"
    figure, axes = pyplot.subplots(1, len(batches), figsize=(5.5 * len(batches), 4.6))
    for ax, (payload, servers) in zip(
        axes if len(batches) > 1 else [axes], batches.items(), strict=True
    ):
        for label, figures in servers.items():
            points = sorted((int(rows), ms) for rows, ms in figures.items())
            if points:
                style = "--" if label.startswith("DRUM") else "-"
                ax.plot(*zip(*points, strict=True), style, marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(payload)
        ax.set_xlabel("rows per request")
        ax.set_ylabel("ms per request (median)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle("/predict/ milliseconds per request against batch size, one at a time")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return None
