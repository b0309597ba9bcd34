"""The conformance session's summary: how many battery cases answer exactly as DRUM."""

from __future__ import annotations

import pytest

from tests.conformance.ledger import LEDGER


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER.seen:
        return
    seen, identical = len(LEDGER.seen), len(LEDGER.identical)
    entries = len(LEDGER.improvements)
    terminalreporter.write_sep("-", "conformance with DRUM 1.18.1")
    terminalreporter.write_line(
        f"{seen} battery cases: {identical} answered exactly as DRUM on all three server "
        f"types; {len(LEDGER.declared)} differ only as {entries} declared improvements say "
        "(tests/functional/improvements.yaml)"
    )
