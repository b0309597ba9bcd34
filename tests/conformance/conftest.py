"""The conformance session's option, its ledger, and its summary (how many cases answer
exactly as DRUM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.improvements import Ledger, load

LEDGER = Ledger(load())
"""The one ledger of a conformance run, kept by the tests and read by the summary."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
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
