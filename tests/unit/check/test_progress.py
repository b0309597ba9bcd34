"""check/progress.py: one line rewritten on a terminal, one line per phase elsewhere."""

from __future__ import annotations

import io
import sys

import pytest

from drum_testing.check.progress import CLEAR_LINE, ProgressLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


STEPS = [
    "starting flask, fastapi",
    "flask ready",
    "fastapi ready",
    "parity 1/3: batch (2 rows)",
    "parity 2/3: row 1",
    "parity 3/3: row 2",
    "robustness 1/2: missing a",
    "robustness 2/2: empty",
    "timing flask: 1 row",
    "timing fastapi: 1 row",
    "stopping the servers",
]


def test_a_log_gets_one_line_per_phase() -> None:
    stream = io.StringIO()
    progress = ProgressLine(stream)
    assert not progress.interactive
    for step in STEPS:
        progress(step)
    progress.close()
    assert stream.getvalue().splitlines() == [
        "check: starting flask, fastapi",
        "check: flask ready",
        "check: fastapi ready",
        "check: parity 1/3: batch (2 rows)",
        "check: robustness 1/2: missing a",
        "check: timing flask: 1 row",
        "check: stopping the servers",
    ]


def test_a_phase_seen_again_after_another_is_printed_again() -> None:
    stream = io.StringIO()
    progress = ProgressLine(stream)
    for step in ("parity 1/2: a", "robustness 1/1: b", "parity 2/2: c"):
        progress(step)
    assert (
        stream.getvalue()
        == "check: parity 1/2: a\ncheck: robustness 1/1: b\ncheck: parity 2/2: c\n"
    )


def test_a_terminal_gets_one_line_rewritten() -> None:
    stream = Terminal()
    progress = ProgressLine(stream)
    assert progress.interactive
    progress("parity 1/2: a")
    progress("parity 2/2: b")
    assert stream.getvalue() == f"{CLEAR_LINE}check: parity 1/2: a{CLEAR_LINE}check: parity 2/2: b"
    assert "\n" not in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith(f"b{CLEAR_LINE}")


def test_close_writes_nothing_to_a_log() -> None:
    stream = io.StringIO()
    ProgressLine(stream).close()
    assert stream.getvalue() == ""


def test_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    progress = ProgressLine()
    assert progress.stream is sys.stderr
    progress("starting flask")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "check: starting flask\n")
