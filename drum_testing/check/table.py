"""The report as a table for the terminal: servers, parity, robustness, latency, problems.

Every difference is printed with its diff and every 5xx with the model's traceback, so the
terminal output alone tells a model author what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .options import DRUM
from .probes import Kind, rows_label
from .report import CheckReport, ProbeResult
from .robustness import classify, describe

CELL = 44
"""Widest cell; a longer error message is cut (the JSON has it whole)."""
DETAILS = 5
"""Diffs and tracebacks printed in full; a model that differs everywhere differs alike."""


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Columns aligned on the widest cell."""
    cells = [[cut(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for number, row in enumerate(cells):
        lines.append(
            indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
        if number == 0:
            lines.append(indent + "  ".join("-" * w for w in widths))
    return lines


def cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CELL else text[: CELL - 1] + "…"


def shown(path: Path) -> str:
    """A path as the user likely typed it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def figure(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _differing(result: ProbeResult) -> set[str]:
    """The servers whose answer the report flags: a type that differs from the first type,
    and DRUM where it differs from ours (for the input; on a variant that is a note)."""
    different = {difference.server for difference in result.differences}
    if result.drum_difference is not None and result.probe.kind is Kind.PARITY:
        different.add(DRUM)
    return different


def _parity_row(result: ProbeResult, names: Sequence[str]) -> list[str]:
    different = _differing(result)
    row = [result.probe.name]
    for name in names:
        answer = result.answers.get(name)
        if answer is None:
            row.append("-")
            continue
        cell = str(answer.status) if answer.status is not None else "no answer"
        row.append(cell + (" DIFFERS" if name in different else ""))
    return row


def _robustness_row(result: ProbeResult, names: Sequence[str]) -> list[str]:
    different = _differing(result)
    row = [result.probe.name]
    previous = None
    for name in names:
        answer = result.answers.get(name)
        if answer is None:
            row.append("-")
            continue
        same = previous is not None and name != DRUM and answer.comparable() == previous
        row.append("same" if same else ("DIFFERS " if name in different else "") + describe(answer))
        previous = answer.comparable() if name != DRUM else previous
    return row


def render(report: CheckReport) -> str:
    """The whole report as text."""
    options = report.options
    started = [name for name, server in report.servers.items() if server.started]
    # The memory figure (PSS, USS, RSS) names the column when every server has the same one,
    # as on one machine they do; else each figure says which it is.
    figures = {server.idle_memory for server in report.servers.values() if server.idle_mib}
    memory = figures.pop() if len(figures) == 1 else None
    lines = [
        f"drum-testing check: {shown(options.code_dir)} ({options.target_type.value}), "
        f"input {shown(options.input)}",
        "",
        "Servers",
        *grid(
            ["server", "ready s", f"idle {memory} MiB" if memory else "idle MiB", "status"],
            [
                [
                    name,
                    figure(server.ready_seconds, 2),
                    figure(server.idle_mib)
                    + (f" ({server.idle_memory})" if not memory and server.idle_memory else ""),
                    "started" if server.started else "did not start",
                ]
                for name, server in report.servers.items()
            ],
        ),
    ]
    if report.parity:
        lines += [
            "",
            "Parity: the input, as a batch and row by row (status; DIFFERS: see below)",
            *grid(["request", *started], [_parity_row(r, started) for r in report.parity]),
        ]
    if report.robustness:
        lines += [
            "",
            "Robustness: ok, 4xx with its message, or 5xx (the traceback is below); "
            "same: the answer of the type on the left",
            *grid(["request", *started], [_robustness_row(r, started) for r in report.robustness]),
        ]
    timed = [server for server in report.servers.values() if server.latency]
    if timed:
        sizes = [latency.rows for latency in timed[0].latency]
        lines += [
            "",
            "Latency: milliseconds per request, p50 / p99 (requests timed)",
            *grid(
                ["server", *(rows_label(size) for size in sizes)],
                [
                    [
                        server.name,
                        *(
                            f"{figure(t.p50_ms)} / {figure(t.p99_ms)} ({t.requests})"
                            for t in server.latency
                        ),
                    ]
                    for server in timed
                ],
            ),
        ]
    lines += _details(report)
    if report.warnings:
        lines += ["", "Warnings (not failures)", *(f"  - {warning}" for warning in report.warnings)]
    if report.notes:
        lines += ["", "Notes", *(f"  - {note}" for note in report.notes)]
    problems = report.problems()
    lines.append("")
    if problems:
        lines.append(f"FAILED: {len(problems)} problem(s)")
        lines += [f"  - {problem}" for problem in problems]
    else:
        ours = [name for name in report.servers if name != DRUM]
        what = (
            "no difference between server types, no 5xx"
            if len(ours) > 1
            else f"no 5xx (one server type, {ours[0] if ours else 'none'}: nothing to compare)"
        )
        if DRUM in report.servers:
            what += "; DRUM answers the input alike"
        lines.append(f"OK: {what} ({report.seconds:.1f} s)")
    return "\n".join(lines) + "\n"


def _details(report: CheckReport) -> list[str]:
    """The start-up errors, diffs and tracebacks behind the problems: every start-up error,
    and the first :data:`DETAILS` of the others (the JSON report has them all)."""
    lines: list[str] = []
    for name, server in report.servers.items():
        if server.error is not None:
            lines += ["", f"{name} did not start:", *_indented(server.error)]
    details: list[list[str]] = []
    for result in (*report.parity, *report.robustness):
        probe = result.probe.name
        for difference in result.differences:
            details.append(
                [
                    f"{probe}: {difference.server} differs from {difference.reference}:",
                    difference.diff,
                ]
            )
        if result.drum_difference is not None:
            note = "" if result.probe.kind is Kind.PARITY else " (a note, not a failure: a variant)"
            details.append(
                [
                    f"{probe}: {result.drum_difference.server} differs from DRUM{note}:",
                    result.drum_difference.diff,
                ]
            )
        details.extend(
            [f"{probe}: {name} answered {answer.status or 'nothing'}; its log:", answer.log]
            for name, answer in result.answers.items()
            if classify(answer).is_problem and answer.log
        )
    for title, text in details[:DETAILS]:
        lines += ["", title, *_indented(text)]
    if len(details) > DETAILS:
        lines += ["", f"... and {len(details) - DETAILS} more like these: see --json for all"]
    return lines


def _indented(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines()]
