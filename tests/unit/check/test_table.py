"""check/table.py: the report as the terminal shows it (the example report of
test_check_report, with one of every finding)."""

from __future__ import annotations

import pytest

from drum_testing.check.compare import Difference
from drum_testing.check.observe import TRACEBACK, Answer
from drum_testing.check.options import DRUM
from drum_testing.check.probes import Kind, rows_label
from drum_testing.check.report import CheckReport, ProbeResult, ServerResult
from drum_testing.check.table import CELL, DETAILS, cut, figure, grid, render
from tests.helpers.check_reports import (
    EXAMPLE_PROBLEMS,
    JSON,
    clean_report,
    example_report,
    ok,
    options,
    probe,
)


def section(text: str, title: str) -> list[str]:
    """The lines of the section whose heading starts with ``title``, up to the blank line
    after it."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(title))
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start + 1 : end]


def block(text: str, heading: str) -> list[str]:
    """The indented lines under ``heading`` (a diff, a traceback, an error)."""
    return section(text, heading)


def test_heading() -> None:
    text = render(example_report())
    assert text.splitlines()[0] == "drum-testing check: model (regression), input data.csv"
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


def test_servers() -> None:
    assert section(render(example_report()), "Servers") == [
        "  server    ready s  idle PSS MiB  status",
        "  --------  -------  ------------  -------------",
        "  flask     1.23     80.5          started",
        "  gunicorn  -        -             did not start",
        "  fastapi   0.50     1,234.6       started",
        "  drum      9.00     300.0         started",
    ]


def test_servers_whose_memory_figures_differ_name_each() -> None:
    report = example_report()
    report.servers["fastapi"].idle_memory = "RSS"
    assert section(render(report), "Servers") == [
        "  server    ready s  idle MiB       status",
        "  --------  -------  -------------  -------------",
        "  flask     1.23     80.5 (PSS)     started",
        "  gunicorn  -        -              did not start",
        "  fastapi   0.50     1,234.6 (RSS)  started",
        "  drum      9.00     300.0 (PSS)    started",
    ]


def test_parity_marks_what_differs_and_leaves_out_servers_that_did_not_start() -> None:
    title = "Parity: "
    assert section(render(example_report()), title) == [
        "  request         flask  fastapi      drum",
        "  --------------  -----  -----------  -----------",
        "  batch (2 rows)  200    200          200",
        "  row 1           200    200 DIFFERS  200 DIFFERS",
    ]


def test_robustness_cells() -> None:
    title = "Robustness: "
    assert section(render(example_report()), title) == [
        "  request    flask                    fastapi            drum",
        "  ---------  -----------------------  -----------------  ---------",
        "  missing a  422 column a is missing  500 KeyError: 'a'  500 ERROR",
        "  empty      400                      no answer          ok (200)",
    ]


def test_latency() -> None:
    title = "Latency: milliseconds per request, p50 / p99"
    assert section(render(example_report()), title) == [
        "  server   1 row           100 rows",
        "  -------  --------------  --------------",
        "  flask    1.5 / 2.2 (20)  3.0 / 4.8 (20)",
        "  fastapi  1.0 / 1.2 (20)  - / - (20)",
    ]


def test_details_quote_errors_diffs_and_tracebacks() -> None:
    text = render(example_report())
    assert block(text, "gunicorn did not start:") == [
        "    the server exited with status 3",
        "    command: python -m drum_testing server",
        "    log tail",
    ]
    assert block(text, "row 1: fastapi differs from flask:") == [
        "    --- flask",
        "    +++ fastapi",
        "    -  1.5",
        "    +  1.6",
    ]
    assert block(text, "row 1: flask differs from DRUM:")[:2] == ["    --- drum", "    +++ flask"]
    assert block(text, "missing a: fastapi answered 500; its log:") == [
        "    Traceback (most recent call last):",
        '      File "custom.py", line 9, in score',
        "    KeyError: 'a'",
    ]
    [heading] = [line for line in text.splitlines() if line.startswith("empty: flask differs")]
    assert heading.startswith("empty: flask differs from DRUM (a note")
    assert "not a failure" in heading
    assert block(text, heading) == [
        "    --- drum",
        "    +++ flask",
        "    -  200",
        "    +  400",
    ]


def test_notes_and_problems() -> None:
    text = render(example_report())
    assert section(text, "Notes") == ["  - single rows: the first 20 of 300"]
    lines = text.splitlines()
    start = lines.index(f"FAILED: {len(EXAMPLE_PROBLEMS)} problem(s)")
    assert lines[start + 1 :] == [f"  - {problem}" for problem in EXAMPLE_PROBLEMS]
    assert "OK:" not in text


def test_one_server_type_has_nothing_to_compare() -> None:
    report = clean_report()
    del report.servers["fastapi"]
    last = render(report).splitlines()[-1]
    assert last == "OK: no 5xx (one server type, flask: nothing to compare) (3.2 s)"


def test_with_drum_the_ok_says_drum_agreed() -> None:
    report = clean_report()
    report.servers["drum"] = ServerResult("drum", 5.0, 130.0)
    assert render(report).splitlines()[-1].endswith("; DRUM answers the input alike (3.2 s)")


def test_a_clean_report_says_ok() -> None:
    text = render(clean_report())
    assert text.splitlines()[-1] == "OK: no difference between server types, no 5xx (3.2 s)"
    assert "FAILED" not in text
    assert "Notes" not in text
    assert "differs" not in text
    assert " DIFFERS" not in text.split("see below)", 1)[1]


def test_warnings_are_listed_but_do_not_fail() -> None:
    report = clean_report()
    report.warnings += ["DRUM would not start it: one", "DRUM would not start it: two"]
    text = render(report)
    assert section(text, "Warnings") == [
        "  - DRUM would not start it: one",
        "  - DRUM would not start it: two",
    ]
    assert text.splitlines()[-1].startswith("OK: ")
    assert "Warnings" not in render(clean_report())


def test_a_refusal_without_a_log_gets_no_details() -> None:
    report = CheckReport(
        options(),
        servers={"flask": ServerResult("flask", 1.0)},
        robustness=[
            ProbeResult(probe("empty"), {"flask": Answer(404, "", body="")}),
            ProbeResult(probe("one row"), {"flask": Answer(422, JSON, body={"message": "x"})}),
        ],
    )
    text = render(report)
    assert "its log" not in text
    assert text.splitlines()[-2:] == [
        "FAILED: 1 problem(s)",
        "  - empty: flask: 4xx without message (404)",
    ]


def test_no_server_started_shows_only_servers_and_problems() -> None:
    report = CheckReport(
        options(drum=False),
        servers={name: ServerResult(name, error=f"{name} exit 1") for name in ("flask", "fastapi")},
    )
    text = render(report)
    assert "Parity" not in text
    assert "Robustness" not in text
    assert "Latency" not in text
    assert text.splitlines()[-3:] == [
        "FAILED: 2 problem(s)",
        "  - flask did not start: flask exit 1",
        "  - fastapi did not start: fastapi exit 1",
    ]


def test_a_server_missing_from_a_probe_is_a_dash() -> None:
    report = CheckReport(
        options(),
        servers={"flask": ServerResult("flask", 1.0), DRUM: ServerResult(DRUM, 2.0)},
        parity=[ProbeResult(probe("batch"), {"flask": ok()})],
        robustness=[ProbeResult(probe("empty"), {"flask": ok()})],
    )
    text = render(report)
    assert "  batch    200    -" in text.splitlines()
    assert "  empty    ok (200)  -" in text.splitlines()


def three_types() -> dict[str, ServerResult]:
    return {name: ServerResult(name, 1.0) for name in ("flask", "gunicorn", "fastapi", DRUM)}


def test_robustness_says_same_for_an_answer_like_the_one_on_its_left() -> None:
    refused = Answer(422, JSON, body={"message": "ERROR: column a is missing"})
    broken = Answer(500, JSON, body={"message": "ERROR: boom"})
    report = CheckReport(
        options(),
        servers=three_types(),
        robustness=[
            ProbeResult(
                probe("missing a", Kind.ROBUSTNESS),
                {"flask": refused, "gunicorn": refused, "fastapi": broken, DRUM: refused},
                differences=[Difference("fastapi", "flask", "diff")],
            ),
        ],
    )
    rows = section(render(report), "Robustness: ")
    cells = [cell.strip() for cell in rows[2].split("  ") if cell.strip()]
    # DRUM is never "same": its answer is shown, as the types' are compared among themselves.
    assert cells[:3] == ["missing a", "422 column a is missing", "same"]
    assert cells[3].replace("DIFFERS", "").strip() == "500 boom"
    assert "DIFFERS" in cells[3]
    assert cells[4] == "422 column a is missing"
    assert len(cells) == 5


def test_robustness_counts_null_predictions() -> None:
    nulls = ok({"predictions": [1.5, None, None]})
    report = CheckReport(
        options(drum=False),
        servers={"flask": ServerResult("flask", 1.0)},
        robustness=[ProbeResult(probe("missing a", Kind.ROBUSTNESS), {"flask": nulls})],
    )
    assert section(render(report), "Robustness: ")[2] == "  missing a  ok (200), 2 of 3 null"


def test_details_beyond_the_first_few_are_counted() -> None:
    failing = Answer(500, JSON, body={"message": "ERROR: x"}, log=f"{TRACEBACK}\nKeyError: 'x'")
    count = DETAILS + 3
    report = CheckReport(
        options(drum=False),
        servers={"flask": ServerResult("flask", 1.0)},
        robustness=[
            ProbeResult(probe(f"missing c{n}", Kind.ROBUSTNESS), {"flask": failing})
            for n in range(count)
        ],
    )
    text = render(report)
    headings = [line for line in text.splitlines() if line.endswith("its log:")]
    assert headings == [f"missing c{n}: flask answered 500; its log:" for n in range(DETAILS)]
    assert f"... and {count - DETAILS} more like these: see --json for all" in text.splitlines()
    assert text.count("  - missing c") == count  # every problem is still listed


def test_no_answer_with_a_log() -> None:
    gone = Answer(None, error="the connection failed", log="Killed")
    report = CheckReport(
        options(drum=False),
        servers={"flask": ServerResult("flask", 1.0)},
        robustness=[ProbeResult(probe("empty", Kind.ROBUSTNESS), {"flask": gone})],
    )
    assert block(render(report), "empty: flask answered nothing; its log:") == ["    Killed"]


# --- helpers ----------------------------------------------------------------------------------


def test_grid_aligns_on_the_widest_cell() -> None:
    assert grid(["a", "bb"], [["ccc", "d"], ["e", ""]], indent="> ") == [
        "> a    bb",
        "> ---  --",
        "> ccc  d",
        "> e",
    ]


def test_cut_long_cells_and_whitespace() -> None:
    assert cut("a \n b\tc") == "a b c"
    assert cut("x" * CELL) == "x" * CELL
    long = cut("y" * (CELL + 1))
    assert long == "y" * (CELL - 1) + "…"
    assert len(long) == CELL


@pytest.mark.parametrize(
    ("rows", "label"),
    [(None, "input"), (0, "0 rows"), (1, "1 row"), (100, "100 rows"), (12345, "12,345 rows")],
)
def test_rows_label(rows: int | None, label: str) -> None:
    assert rows_label(rows) == label


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(None, 1, "-"), (1.25, 2, "1.25"), (1234.56, 1, "1,234.6"), (0.0, 1, "0.0")],
)
def test_figure(value: float | None, digits: int, text: str) -> None:
    assert figure(value, digits) == text
