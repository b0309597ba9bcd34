"""A check's findings as data: what each server did, what differs, and the exit status.

The report is the one source of the terminal table (:mod:`~drum_testing.check.table`), the
JSON (:meth:`CheckReport.to_dict`) and the JUnit XML (:mod:`~drum_testing.check.junit`), so
the three always agree. A *problem* fails the check: a server that did not start, a
difference between server types (or, with ``--drum``, a successful answer DRUM does not
give alike), a 5xx or no answer from one of our types, a refusal without a message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drum_testing.version import VERSION

from .compare import Difference
from .observe import Answer
from .options import DRUM, CheckOptions
from .probes import Kind, Probe, rows_label
from .robustness import classify
from .speed import Latency


@dataclass
class ServerResult:
    """One server of the check, as started."""

    name: str
    ready_seconds: float | None = None
    idle_mib: float | None = None
    idle_memory: str | None = None
    """Which figure ``idle_mib`` is: ``PSS`` (Linux), ``USS`` or ``RSS``
    (:data:`~.speed.MEMORY_FIGURES`)."""
    error: str | None = None
    """Why it did not start (its exit status, command and log tail)."""
    latency: list[Latency] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "started": self.started,
            "ready_seconds": self.ready_seconds,
            "idle_mib": self.idle_mib,
            "idle_memory": self.idle_memory,
            "error": self.error,
            "latency": [latency.to_dict() for latency in self.latency],
        }


@dataclass
class ProbeResult:
    """One probe sent to every server that started, and what it showed."""

    probe: Probe
    answers: dict[str, Answer]
    differences: list[Difference] = field(default_factory=list)
    """Between our server types."""
    drum_difference: Difference | None = None
    """A successful answer of ours that DRUM does not give alike (or the reverse). A problem
    for the user's own input (parity); for a robustness variant, a note: there our answers
    differ from DRUM's on purpose (CONTRACT.md), and the table shows both."""

    def problems(self) -> list[str]:
        """What fails the check in this probe's answers, one line each."""
        found = [
            f"{difference.server} answers otherwise than {difference.reference}"
            for difference in self.differences
        ]
        if self.drum_difference is not None and self.probe.kind is Kind.PARITY:
            found.append(f"DRUM answers otherwise than {self.drum_difference.server}")
        for name, answer in self.answers.items():
            verdict = classify(answer)
            if name == DRUM:
                # DRUM's own 5xx on a request we refuse with a 4xx is DRUM's (CONTRACT.md);
                # where ours succeed, drum_difference has it.
                continue
            if verdict.is_problem:
                found.append(f"{name}: {verdict.value} ({answer.summary()})")
        return found

    def _answers_dict(self) -> dict[str, dict[str, Any]]:
        """Each server's answer; one equal to an earlier server's is written as
        ``same_as`` that server, with its own status and time (a big batch is written once)."""
        written: dict[str, dict[str, Any]] = {}
        for name, answer in self.answers.items():
            same = next(
                (
                    other
                    for other in written
                    if self.answers[other].comparable() == answer.comparable()
                ),
                None,
            )
            entry: dict[str, Any] = {"status": answer.status, "seconds": round(answer.seconds, 6)}
            entry |= {"same_as": same} if same is not None else answer.to_dict()
            written[name] = entry | {"verdict": classify(answer).value}
        return written

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.probe.name,
            "kind": self.probe.kind.value,
            "path": self.probe.path,
            "rows": self.probe.rows,
            "answers": self._answers_dict(),
            "differences": [difference.to_dict() for difference in self.differences],
            "drum_difference": (
                self.drum_difference.to_dict() if self.drum_difference is not None else None
            ),
            "problems": self.problems(),
        }


@dataclass
class CheckReport:
    """Everything a check found. ``ok`` (exit status 0) only without a problem."""

    options: CheckOptions
    servers: dict[str, ServerResult] = field(default_factory=dict)
    parity: list[ProbeResult] = field(default_factory=list)
    robustness: list[ProbeResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What is fine here but would stop DRUM (:mod:`~drum_testing.check.deploy`)."""
    seconds: float = 0.0

    def problems(self) -> list[str]:
        found = [
            f"{name} did not start: {first_line(server.error)}"
            for name, server in self.servers.items()
            if server.error is not None
        ]
        for result in (*self.parity, *self.robustness):
            found.extend(f"{result.probe.name}: {problem}" for problem in result.problems())
        for name, server in self.servers.items():
            found.extend(
                f"timing {name}: every timed request of {rows_label(latency.rows)} failed"
                for latency in server.latency
                if latency.p50_ms is None
            )
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()

    @property
    def exit_status(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        options = self.options
        return {
            "drum_testing": VERSION,
            "ok": self.ok,
            "code_dir": str(options.code_dir),
            "target_type": options.target_type.value,
            "labels": list(options.labels) if options.labels is not None else None,
            "input": str(options.input),
            "servers": {name: server.to_dict() for name, server in self.servers.items()},
            "parity": [result.to_dict() for result in self.parity],
            "robustness": [result.to_dict() for result in self.robustness],
            "problems": self.problems(),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""
