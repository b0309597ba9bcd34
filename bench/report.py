"""The figures of one bench run: the targets they meet, as tables, JSON and Markdown.

Targets are judged on ratios within one run (ours over the bare app, ours over DRUM), since
absolute requests/s say more about the machine than about the server. A missed target is
printed as MISS and nothing fails: a benchmark reports. A figure from a run with errors
(non-2xx answers, socket errors) is marked, and a target judged on it is a MISS, because a
server that answers errors fast is not fast.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult

PING_VS_BARE = 0.8
PREDICT_VS_BARE = 0.9
FASTAPI_READY_S = 1.0
CRASH_REPORTED_S = 2.0
PREDICT_VS_DRUM = 2.0
READY_VS_DRUM = 0.4
NOISY = 2.0
"""A figure whose fastest round is this many times its slowest gets a caution."""


@dataclass
class Startup:
    """Seconds from start to ready (or to the start error), one per start."""

    seconds: list[float] = field(default_factory=list)
    memory_mib: float | None = None
    processes: int | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


@dataclass
class ServerFigures:
    """Everything measured on one server configuration; ``error`` if it could not be."""

    name: str
    startup: Startup = field(default_factory=Startup)
    ping: LoadResult | None = None
    predict: LoadResult | None = None
    error: str | None = None


@dataclass
class Results:
    """One bench run. ``bare`` and ``drum`` are keyed by the name of our matching config."""

    duration: float
    warmup: float
    starts: int
    load_tool: str
    ours: dict[str, ServerFigures] = field(default_factory=dict)
    bare: dict[str, ServerFigures] = field(default_factory=dict)
    drum: dict[str, ServerFigures] = field(default_factory=dict)
    middleware: dict[str, ServerFigures] = field(default_factory=dict)
    crash: dict[str, ServerFigures] = field(default_factory=dict)
    batches: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """payload -> server -> rows -> median ms per request (``bench.batches``)."""
    batch_errors: dict[str, str] = field(default_factory=dict)
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)
    """"scored" and "refused" -> server -> ``bench.memory.MemoryFigures``."""
    multipart: dict[str, dict[str, Any]] = field(default_factory=dict)
    """"tiny" and "large" -> server -> ``bench.memory.MemoryFigures`` (``bench.multipart``)."""
    tracing: dict[str, dict[str, Any]] = field(default_factory=dict)
    """server -> ``bench.tracing.TracingFigures``: /predict/ with tracing off and on."""
    fuzzing: dict[str, dict[str, Any]] = field(default_factory=dict)
    """server -> ``bench.fuzzing.FuzzFigures``: schemathesis's requests, the 5xx answers."""
    rolling: dict[str, dict[str, Any]] = field(default_factory=dict)
    """server -> ``bench.rolling.RollingFigures``: a rolling restart behind nginx."""
    environment: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class Target:
    name: str
    wanted: str
    measured: str
    status: str  # PASS, MISS, or n/a (not measured in this run)
    note: str = ""


def rps_ratio(ours: LoadResult | None, other: LoadResult | None) -> tuple[float | None, str]:
    """``ours / other`` requests/s, and a note if either run had errors."""
    if ours is None or other is None or other.requests_per_second <= 0:
        return None, ""
    errors = [side for side, r in (("ours", ours), ("other", other)) if r.errors]
    note = f"errors in the run ({', '.join(errors)})" if errors else ""
    return ours.requests_per_second / other.requests_per_second, note


def _judge(check: tuple[str, float | None, float, bool, str, str]) -> Target:
    """PASS or MISS for ``(name, measured, limit, at_least, unit, problem)``.

    A problem (errors in the run, a model that never failed) makes it a MISS whatever the
    figure, and is the target's note.
    """
    name, measured, limit, at_least, unit, note = check
    wanted = f"{'>=' if at_least else '<='} {limit:g}{unit}"
    if measured is None:
        return Target(name, wanted, "-", "n/a", note or "not measured")
    met = measured >= limit if at_least else measured <= limit
    status = "PASS" if met and not note else "MISS"
    digits = 3 if round(measured, 2) == limit and not met else 2  # 0.898 is not "0.90"
    return Target(name, wanted, f"{measured:.{digits}f}{unit}", status, note)


def noisy(*results: LoadResult | None) -> str:
    """A caution when a figure's rounds differ more than twofold (a flip of luck, not a trend).

    With 2 workers, a round in which all 4 connections landed on one worker runs at half
    speed; a ratio drawn from such figures says little until a longer run averages it out.
    """
    rounds = [r.round_rps for r in results if r is not None and len(r.round_rps) > 1]
    worst = max((max(x) / min(x) if min(x) > 0 else math.inf for x in rounds), default=1.0)
    return f"noisy: rounds differ {worst:.1f}x; try a longer --duration" if worst > NOISY else ""


def _rps_check(
    name: str, ours: LoadResult | None, other: LoadResult | None, limit: float
) -> Target:
    """A requests/s ratio target: errors make it a MISS, noisy rounds only add a caution."""
    ratio, errors = rps_ratio(ours, other)
    target = _judge((name, ratio, limit, True, "x", errors))
    caution = noisy(ours, other) if target.status != "n/a" else ""
    return dataclasses.replace(target, note="; ".join(filter(None, [target.note, caution])))


def evaluate(results: Results) -> list[Target]:
    """The issue's targets, for the configurations this run measured."""
    targets = []
    for name, ours in results.ours.items():
        bare = results.bare.get(name, ServerFigures(name))
        if name.startswith("fastapi"):
            targets.append(_rps_check(f"/ping/ {name} vs bare", ours.ping, bare.ping, PING_VS_BARE))
        targets.append(
            _rps_check(f"/predict/ {name} vs bare", ours.predict, bare.predict, PREDICT_VS_BARE)
        )
    for name, ours in results.ours.items():
        if name.startswith("fastapi"):
            ready = ours.startup.median
            targets.append(
                _judge((f"{name} ready (median)", ready, FASTAPI_READY_S, False, " s", ""))
            )
    for name, crash in results.crash.items():
        median, note = crash.startup.median, crash.error or ""
        check = (f"crashing model reported, {name}", median, CRASH_REPORTED_S, False, " s", note)
        targets.append(_judge(check))
    for name, drum in results.drum.items():
        ours = results.ours[name]
        targets.append(
            _rps_check(f"/predict/ {name} vs DRUM", ours.predict, drum.predict, PREDICT_VS_DRUM)
        )
        mine, theirs = ours.startup.median, drum.startup.median
        ready_ratio = mine / theirs if mine is not None and theirs else None
        targets.append(
            _judge((f"{name} ready vs DRUM", ready_ratio, READY_VS_DRUM, False, "x", ""))
        )
    return targets


# --- tables ----------------------------------------------------------------------------------
def _table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _errors(*results: LoadResult | None) -> str:
    found = [f"{r.non_2xx} non-2xx, {r.socket_errors} socket" for r in results if r and r.errors]
    return "; ".join(found) or "0"


def _short(error: str | None, limit: int = 80) -> str:
    """An error for a table cell: one line, at most ``limit`` characters, no pipes."""
    text = (error or "").replace("|", "/")
    return text if len(text) <= limit else text[: limit - 3] + "..."


_LOAD_HEADER = ("req/s", "p50 ms", "p99 ms")


def _cells(result: LoadResult | None) -> list[str]:
    """requests/s (``(!)`` if the run had errors; the rounds' range), p50 and p99 in ms."""
    if result is None:
        return ["-", "-", "-"]
    rps = f"{result.requests_per_second:,.0f}" + (" (!)" if result.errors else "")
    if len(result.round_rps) > 1:  # the spread of the rounds says how far to trust it
        rps += f" ({min(result.round_rps):,.0f}-{max(result.round_rps):,.0f})"
    return [rps, _num(result.p50_ms), _num(result.p99_ms)]


def startup_table(results: Results) -> str:
    rows = []
    for kind, group in (("ours", results.ours), ("bare", results.bare), ("DRUM", results.drum)):
        for name, figures in group.items():
            s = figures.startup
            spread = f" ({min(s.seconds):.2f}-{max(s.seconds):.2f})" if len(s.seconds) > 1 else ""
            ready = f"{_num(s.median)}{spread}"
            memory, processes = _num(s.memory_mib, 0), str(s.processes or "-")
            row = [ready, str(len(s.seconds)), memory, processes, _short(figures.error)]
            rows.append([f"{kind} {name}", *row])
    header = ["server", "ready s, median (min-max)", "starts", "idle MiB", "processes", "error"]
    return _table(header, rows)


def throughput_table(results: Results, others: dict[str, ServerFigures], label: str) -> str:
    rows = []
    for name, ours in results.ours.items():
        if name not in others:
            continue
        for route in ("ping", "predict"):
            mine, theirs = getattr(ours, route), getattr(others[name], route)
            ratio = _num(rps_ratio(mine, theirs)[0])
            errors = _short(ours.error or others[name].error) or _errors(mine, theirs)
            rows.append([name, f"/{route}/", *_cells(mine), *_cells(theirs), ratio, errors])
    header = [
        "server",
        "route",
        *(f"ours {h}" for h in _LOAD_HEADER),
        *(f"{label} {h}" for h in _LOAD_HEADER),
    ]
    return _table([*header, f"ours/{label}", "errors"], rows)


def middleware_table(results: Results) -> str:
    base = results.middleware.get("none", ServerFigures("none"))
    rows = []
    for name, figures in results.middleware.items():
        ratio = _num(rps_ratio(figures.ping, base.ping)[0])
        rows.append(
            [name, *_cells(figures.ping), ratio, _short(figures.error) or _errors(figures.ping)]
        )
    return _table(["middleware", *_LOAD_HEADER, "vs none", "errors"], rows)


def crash_table(results: Results) -> str:
    rows = []
    for name, figures in results.crash.items():
        each = ", ".join(f"{s:.2f}" for s in figures.startup.seconds)
        rows.append([name, _num(figures.startup.median), each, _short(figures.error)])
    return _table(["server type", "median s", "each start, s", "error"], rows)


def targets_table(targets: list[Target]) -> str:
    rows = [[t.name, t.wanted, t.measured, t.status, t.note] for t in targets]
    return _table(["target", "wanted", "measured", "result", "note"], rows)


def text_report(
    results: Results, targets: list[Target], extra: list[tuple[str, str]] | None = None
) -> str:
    """Every table, in Markdown (which reads well in a terminal too); ``extra`` are more
    ``(title, text)`` sections, placed before the targets."""
    sections = [
        ("Start-up and idle memory", startup_table(results), True),
        ("Throughput and latency: ours vs the bare framework app",
         throughput_table(results, results.bare, "bare"), True),
        ("Ours vs DRUM", throughput_table(results, results.drum, "DRUM"), bool(results.drum)),
        ("The flusher middleware (bare FastAPI, uvicorn, 1 worker)", middleware_table(results),
         bool(results.middleware)),
        ("A model that raises at import: time until ServerStartError", crash_table(results),
         bool(results.crash)),
        *((title, text, True) for title, text in extra or ()),
        ("Targets", targets_table(targets), True),
    ]  # fmt: skip
    return "\n\n".join(f"## {title}\n\n{table}" for title, table, shown in sections if shown) + "\n"


# --- files -----------------------------------------------------------------------------------
def to_json(results: Results, targets: list[Target]) -> dict[str, Any]:
    data = dataclasses.asdict(results)
    data["targets"] = [dataclasses.asdict(t) for t in targets]
    return data


def write_json(path: Path, results: Results, targets: list[Target]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(results, targets), indent=2) + "\n", encoding="utf-8")


FINDINGS = Path(__file__).with_name("findings.md")
"""What profiling found about missed targets; appended to BENCHMARKS.md as it stands."""


def write_markdown(
    path: Path,
    results: Results,
    targets: list[Target],
    chart: Path | None,
    notes: list[str],
    extra: list[tuple[str, str]] | None = None,
) -> None:
    env = results.environment
    lines = [
        "# Benchmarks",
        "",
        "Generated by `nox -s bench` (`python -m bench.run`); do not edit by hand.",
        "",
        f"- date: {env.get('date', '-')}; command: `{env.get('command', '-')}`",
        f"- machine: {env.get('cpu', '-')}, {env.get('cores', '-')} cores, "
        f"{env.get('memory', '-')} memory; CPU busy before the run: {env.get('busy_before', '-')}",
        f"- load: {env.get('load_tool', '-')}, 4 keep-alive connections, "
        f"{results.warmup:g} s warm-up, {results.duration:g} s per figure; "
        f"start-up: median of {results.starts} starts",
        "- versions: " + ", ".join(f"{name} {v}" for name, v in results.versions.items()),
        f"- a full run took {results.wall_seconds:.0f} s",
        "",
    ]
    if chart is not None:
        rel = os.path.relpath(chart, path.parent)
        lines += [f"![requests/s per server type, ours vs bare]({rel})", ""]
    lines.append(text_report(results, targets, extra))
    if notes:
        lines += ["## How it is measured", "", *(f"- {note}" for note in notes), ""]
    if FINDINGS.is_file():  # written by hand: profiles don't rerun with the bench
        lines += [FINDINGS.read_text(encoding="utf-8").strip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
