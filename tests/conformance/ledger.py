"""The one ledger of a conformance run, shared by the tests and the terminal summary."""

from __future__ import annotations

from tests.functional.improvements import Ledger, load

LEDGER = Ledger(load())
