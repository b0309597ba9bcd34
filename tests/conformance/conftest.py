"""The conformance session's option, its ledger, and its summary (how many cases answer
exactly as DRUM, and what a rolling restart behind nginx cost DRUM and ours)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.improvements import Ledger, load

LEDGER = Ledger(load())
"""The one ledger of a conformance run, kept by the tests and read by the summary."""
ROLLING: list[str] = []
"""One line per rolling restart run (test_rolling_restart.py), read by the summary: DRUM's
failures are a figure to show, not to assert."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ROLLING:
        terminalreporter.write_sep("-", "rolling restart behind nginx")
        for line in ROLLING:
            terminalreporter.write_line(line)
    if not LEDGER.seen:
        return
    seen, identical = len(LEDGER.seen), len(LEDGER.identical)
    entries = len(LEDGER.improvements)
    terminalreporter.write_sep("-", "conformance with DRUM 1.18.1")
    terminalreporter.write_line(
        f"{seen} battery cases: {identical} answered as DRUM on all three server types "
        "(status, content type, body and headers, but for what every answer of ours adds: "
        "two headers, and an error's detail beside DRUM's message); "
        f"{len(LEDGER.declared)} differ only as the {entries} declared improvements say "
        "(tests/contract/improvements.yaml)"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-differences",
        type=Path,
        metavar="FILE",
        help="append undeclared differences from DRUM to FILE, as improvements.yaml entries",
    )


@pytest.fixture
def record_to(pytestconfig: pytest.Config) -> Path | None:
    value: Path | None = pytestconfig.getoption("--record-differences")
    return value


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return LEDGER


@pytest.fixture(scope="session")
def rolling_summary() -> list[str]:
    """Lines for the session's summary: one per rolling restart run."""
    return ROLLING
