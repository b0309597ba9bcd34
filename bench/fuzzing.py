"""Fuzzing with the OpenAPI document: schemathesis's requests against a server, its 5xx counted.

The document is the one ``drum-testing openapi`` prints for the model (:func:`document`).
For every operation in it, schemathesis draws requests from the document (valid ones, then
invalid ones: its positive and negative modes), a fixed number of each, derandomized, so
every server gets the same requests; each answer is counted, and checked: no 5xx
(``not_a_server_error``), and the answer conforms to the document (its status, content
type and body: ``response_schema_conformance`` and the checks beside it). The model never
raises on these requests, so every 5xx is the server's. ``tests/fuzz/test_openapi_servers.py``
holds our server types to zero findings with :func:`fuzz`; the bench section runs it against
ours and DRUM's.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = 25
"""Requests drawn per operation and mode (positive, negative)."""
REQUEST_TIMEOUT = 30.0
"""Seconds for one answer: a server that takes longer is hung, a finding of its own."""
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
"""schemathesis's checks every answer is held to (:mod:`schemathesis.checks`)."""


@dataclass
class FuzzFigures:
    """What one server answered to the requests drawn from the document."""

    requests: int = 0
    server_errors: int = 0
    """Answers with a 5xx status."""
    statuses: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    """One line per (operation, failed check, status), with a request that shows it."""
    error: str | None = None


def document(model: Path, target_type: str, out: Path, given: Path | None = None) -> Path:
    """The OpenAPI document of ``model``: what ``drum-testing openapi`` prints for it,
    written to ``out``; ``given`` where this installation has no such command."""
    command = [sys.executable, "-m", "drum_testing", "openapi", "--code-dir", str(model),
               "--target-type", target_type, "--output", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode == 0:
        return out
    if given is not None:
        return given
    raise RuntimeError(f"`drum-testing openapi` failed: {done.stderr.strip()[-300:]}")


def fuzz(document_path: Path, base_url: str, examples: int = EXAMPLES) -> FuzzFigures:
    """schemathesis's requests for every operation of the document, sent to ``base_url``."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis import checks as all_checks
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.core.result import Err

    fuzz_settings = settings(
        max_examples=examples,
        derandomize=True,  # the same requests every run, and for every server
        database=None,
        deadline=None,  # the servers' speed is measured elsewhere
        phases=[Phase.generate],  # counted, not shrunk: every answer is kept
        suppress_health_check=list(HealthCheck),
    )

    checks = [getattr(all_checks, name) for name in CHECK_NAMES]
    failures = (Failure, FailureGroup)
    schema = schemathesis.openapi.from_path(document_path)
    figures = FuzzFigures()
    seen: set[tuple[str, str]] = set()
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation schemathesis cannot read: the document's
            figures.findings.append(f"the document: {result.err()}")
            continue
        operation = result.ok()
        for mode in map(GenerationMode, ("positive", "negative")):
            strategy = operation.as_strategy(generation_mode=mode)
            sender = _sender(base_url, checks, failures, figures, seen, operation.label)
            try:
                fuzz_settings(given(case=strategy)(sender))()
            except Unsatisfiable:
                # An operation without parameters or a body (GET /ping/) has no invalid
                # request to draw: its negative mode draws nothing.
                if mode is not GenerationMode.NEGATIVE:
                    raise
    return figures


def _sender(
    base_url: str,
    checks: Sequence[Callable[..., Any]],
    failures: tuple[type[Exception], ...],
    figures: FuzzFigures,
    seen: set[tuple[str, str]],
    label: str,
) -> Callable[[Any], None]:
    """A test for hypothesis: send one case, count and check its answer."""

    def send(case: Any) -> None:
        _send(base_url, checks, failures, figures, seen, label, case)

    return send


def _send(
    base_url: str,
    checks: Sequence[Callable[..., Any]],
    failures: tuple[type[Exception], ...],
    figures: FuzzFigures,
    seen: set[tuple[str, str]],
    label: str,
    case: Any,
) -> None:
    import requests

    figures.requests += 1
    try:
        response = case.call(base_url=base_url, timeout=REQUEST_TIMEOUT)
    except requests.RequestException as exc:
        _find(figures, seen, label, f"no answer: {type(exc).__name__}", case, base_url)
        return
    status = response.status_code
    figures.statuses[str(status)] = figures.statuses.get(str(status), 0) + 1
    if status >= 500:
        figures.server_errors += 1
    try:
        case.validate_response(response, checks=list(checks))
    except failures as exc:  # a FailureGroup holds each check's Failure
        for failure in getattr(exc, "exceptions", [exc]):
            title = str(getattr(failure, "title", type(failure).__name__))
            _find(figures, seen, label, f"{title} ({status})", case, base_url)


def _find(
    figures: FuzzFigures, seen: set[tuple[str, str]], label: str, what: str, case: Any, url: str
) -> None:
    """A finding, once per operation and kind, with the first request that showed it."""
    if (label, what) in seen:
        return
    seen.add((label, what))
    figures.findings.append(f"{label}: {what}: {case.as_curl_command(base_url=url)[:400]}")


# --- the bench section ---------------------------------------------------------------------
SERVERS: Mapping[str, tuple[str, int | None]] = {
    "flask": ("flask", None),
    "gunicorn-1": ("gunicorn", 1),
    "fastapi-1": ("fastapi", 1),
}
DRUM_SERVERS = {"DRUM werkzeug": "flask", "DRUM gunicorn": "gunicorn"}


def measure(
    log_dir: Path,
    say: Callable[[str], None],
    drum: str | None = None,
    given_document: Path | None = None,
    examples: int = EXAMPLES,
) -> dict[str, FuzzFigures]:
    """Every server of :data:`SERVERS` (and DRUM's, given the ``drum`` program) fuzzed in
    turn with the trivial model's document."""
    from bench.servers import TRIVIAL, start_server

    try:
        path = document(
            TRIVIAL.folder, TRIVIAL.target_type, log_dir / "openapi.json", given_document
        )
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return {"all": FuzzFigures(error=str(exc).splitlines()[0][:200])}
    targets: list[tuple[str, str, int | None, str | None]] = [
        (label, server_type, workers, None) for label, (server_type, workers) in SERVERS.items()
    ]
    if drum is not None:
        targets += [(label, server_type, None, drum) for label, server_type in DRUM_SERVERS.items()]
    results = {}
    for label, server_type, workers, program in targets:
        try:
            running = start_server(server_type, workers, log_dir, drum=program)
        except (RuntimeError, OSError, TimeoutError) as exc:
            results[label] = FuzzFigures(error=f"{label}: {str(exc).splitlines()[0][:200]}")
            continue
        try:
            results[label] = figures = fuzz(path, running.url, examples)
        finally:
            running.stop()
        say(f"  {label}: {summary(figures)}")
    return results


def summary(figures: FuzzFigures) -> str:
    if figures.error:
        return figures.error
    return (
        f"{figures.requests:,} requests, {figures.server_errors:,} answered 5xx, "
        f"{len(figures.findings)} findings"
    )


def table(results: Mapping[str, FuzzFigures]) -> str:
    """The Markdown table: one row per server, then each server's findings."""
    lines = [
        "| server | requests sent | 5xx answers | statuses | other findings |",
        "|---|---|---|---|---|",
    ]
    details = []
    for label, figures in results.items():
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(figures.statuses.items()))
        other = [f for f in figures.findings if "Server error" not in f]
        row = [label, f"{figures.requests:,}", f"{figures.server_errors:,}", statuses or "-"]
        row.append(figures.error.replace("|", "/") if figures.error else str(len(other)))
        lines.append("| " + " | ".join(row) + " |")
        # What was found, without the request (its bytes are the JSON's, not Markdown's).
        details += [
            f"- {label}: " + finding.partition(": curl ")[0].replace("|", "\\|")
            for finding in figures.findings
        ]
    return "\n".join(lines + (["", *details] if details else []))


def as_json(results: Mapping[str, FuzzFigures]) -> dict[str, dict[str, Any]]:
    return {label: dataclasses.asdict(figures) for label, figures in results.items()}


def from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, FuzzFigures]:
    return {label: FuzzFigures(**item) for label, item in data.items()}
