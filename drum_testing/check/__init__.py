"""``drum-testing check``: is a model safe to serve, alike on every server type?

It starts the model on each installed server type (and, with ``drum=True``, on real DRUM),
then checks, side by side:

- **parity**: the input as a batch and row by row gets the same answer everywhere;
- **robustness**: each column missing in turn, one row, the columns shuffled, an extra
  column, an empty body and a header only each get an answer or a 4xx with a message, never
  a 5xx (whose traceback the report quotes from the server's log);
- **speed and size**: time to ready, idle memory, and latency at 1, 100 and all rows.

::

    from drum_testing.check import CheckOptions, run_check
    from drum_testing.config.settings import TargetType

    report = run_check(CheckOptions(Path("model"), TargetType.REGRESSION, Path("data.csv")))
    assert report.ok, render(report)

In a test, :func:`drum_testing.testing.check_model` (or the ``drum_check`` fixture) fails
the test with the report.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .junit import to_junit
    from .options import CheckOptions
    from .probes import InputError
    from .report import CheckReport
    from .runner import run_check
    from .table import render

# Imported when first used: ``drum-testing server`` builds the parser this package adds a
# subcommand to, and must not import requests and the test kit to start a server.
_WHERE = {
    "CheckOptions": "options",
    "CheckReport": "report",
    "InputError": "probes",
    "render": "table",
    "run_check": "runner",
    "to_junit": "junit",
}
__all__ = ["CheckOptions", "CheckReport", "InputError", "render", "run_check", "to_junit"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
