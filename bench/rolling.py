"""A rolling restart behind nginx: requests failed while each replica in turn is replaced.

The scenario of the reliability and conformance tests (:mod:`tests.helpers.rolling`, which
this runs; nginx-light in front, :mod:`tests.helpers.nginx`), longer and with more rolls:
two replicas of one server on the trivial model behind nginx, :data:`ROLLS` times a
replica stopped with SIGTERM under load from 4 keep-alive clients posting a 50-row CSV, and
a new one started on its port and waited for before the next. Ours on every type and worker
count, DRUM's werkzeug and gunicorn with ``--drum``. A failed request is any answer but 200
and any connection error; the exit statuses say whether each replica stopped on its own.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.servers import READY_TIMEOUT, TRIVIAL, csv_payload
from drum_testing.testing import DrumServerRun
from tests.helpers import nginx
from tests.helpers.rolling import Outcome, rolling_restart

SERVERS: Mapping[str, tuple[str, int | None]] = {
    # label -> (server type, workers)
    "flask": ("flask", None),
    "gunicorn-1": ("gunicorn", 1),
    "gunicorn-2": ("gunicorn", 2),
    "fastapi-1": ("fastapi", 1),
    "fastapi-2": ("fastapi", 2),
}
DRUM_SERVERS = {"DRUM werkzeug": "flask", "DRUM gunicorn": "gunicorn"}
ROLLS = 4
"""Each replica twice."""
SECONDS = 10.0
"""Seconds of load at least; the rolls take what they take beyond it."""
BETWEEN = 500
"""Successes through nginx before the first roll and after each."""
STOP_GRACE = 45.0
"""SIGTERM to SIGKILL: beyond our drain time (30 s), so what ends a replica is its own."""
BODY = csv_payload(50)


@dataclass
class RollingFigures:
    """One server's rolling restart: requests, failed ones by kind, rolls, exit statuses."""

    requests: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    rolls: int = 0
    exits: list[int | None] = field(default_factory=list)
    """Each rolled replica's exit status, then the two stopped at the end."""
    seconds: float = 0.0
    error: str | None = None

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


Roll = Callable[[str, int | None, str | None], Outcome]
"""(server type, workers, the drum program or None) -> the outcome of one rolling restart."""


def roll(log_dir: Path) -> Roll:
    """Rolling restarts whose replicas log under ``log_dir``."""

    def run(server_type: str, workers: int | None, drum: str | None) -> Outcome:
        def make(port: int | None) -> DrumServerRun:
            return DrumServerRun(
                TRIVIAL.target_type,
                TRIVIAL.labels,
                TRIVIAL.folder,
                server_type=server_type,
                max_workers=workers,
                port=port,
                log_dir=log_dir,
                wait_for_server_timeout=READY_TIMEOUT,
                stop_timeout=STOP_GRACE,
                fail_on_shutdown_error=False,
                runtime="drum_testing" if drum is None else "drum",
                drum_program=drum,
            )

        with tempfile.TemporaryDirectory(prefix="nginx-", dir=log_dir) as prefix:
            return rolling_restart(
                make, Path(prefix), rolls=ROLLS, seconds=SECONDS, between=BETWEEN, body=BODY
            )

    return run


def measure(
    log_dir: Path, say: Callable[[str], None], drum: str | None = None, run: Roll | None = None
) -> dict[str, RollingFigures]:
    """Every server of :data:`SERVERS` (and DRUM's, given the ``drum`` program), in turn."""
    why = nginx.missing()
    run = run or roll(log_dir)
    servers: dict[str, tuple[str, int | None, str | None]] = {
        label: (server_type, workers, None) for label, (server_type, workers) in SERVERS.items()
    }
    if drum is not None:
        servers.update({label: (kind, None, drum) for label, kind in DRUM_SERVERS.items()})
    results = {}
    for label, (server_type, workers, program) in servers.items():
        figures = RollingFigures(error=why)
        if why is None:
            try:
                outcome = run(server_type, workers, program)
            except (RuntimeError, OSError, TimeoutError) as exc:
                figures.error = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            else:
                figures = RollingFigures(
                    outcome.requests,
                    dict(outcome.failures),
                    outcome.rolls,
                    [*outcome.rolled_exits, *outcome.final_exits],
                    round(outcome.seconds, 1),
                )
        results[label] = figures
        say(f"  {label}: {summary(figures)}")
    return results


def summary(figures: RollingFigures) -> str:
    if figures.error:
        return figures.error
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(figures.failures.items()))
    return (
        f"{figures.requests:,} requests, {figures.failed:,} failed"
        + (f" ({kinds})" if kinds else "")
        + f", {figures.rolls} rolls in {figures.seconds:.1f} s, exits {figures.exits}"
    )


def table(results: Mapping[str, RollingFigures]) -> str:
    """The Markdown table: one row per server."""
    lines = [
        "| server | requests | failed | rolls | exit statuses (rolled, then last two) |",
        "|---|---|---|---|---|",
    ]
    for label, figures in results.items():
        if figures.error:
            row = [label, "-", "-", "-", figures.error.replace("|", "/")[:80]]
        else:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(figures.failures.items()))
            failed = f"{figures.failed:,}" + (f" ({kinds})" if kinds else "")
            exits = ", ".join("-" if code is None else str(code) for code in figures.exits)
            row = [label, f"{figures.requests:,}", failed, str(figures.rolls), exits]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def as_json(results: Mapping[str, RollingFigures]) -> dict[str, dict[str, Any]]:
    return {label: dataclasses.asdict(figures) for label, figures in results.items()}


def from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, RollingFigures]:
    return {label: RollingFigures(**item) for label, item in data.items()}
