"""Log records as the log's handler sees them: stamped by its request filter.

pytest's ``caplog`` handler has no filter of ours, so a test that needs ``request_id`` on a
record collects them here instead::

    with collected_records() as records:
        core.handle(request)
    assert all(r.request_id == "abc" for r in records if r.name == "my_model")
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from drum_testing.telemetry.logs import RequestFilter


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def collected_records(level: int = logging.DEBUG) -> Iterator[list[logging.LogRecord]]:
    """Every record that reaches the root logger meanwhile (the root at ``level``), stamped
    with ``request_id`` and ``trace_id``; the root's level is restored after."""
    root = logging.getLogger()
    collector = _Collector()
    previous = root.level
    root.addHandler(collector)
    root.setLevel(level)
    try:
        yield collector.records
    finally:
        root.removeHandler(collector)
        root.setLevel(previous)


def request_ids(records: list[logging.LogRecord], logger: str) -> list[str]:
    """The request id of each record of ``logger`` (and its children), in order."""
    return [
        str(getattr(r, "request_id", None))
        for r in records
        if r.name == logger or r.name.startswith(logger + ".")
    ]
