"""check/probes.py: the requests a check makes of the input file, spelt as the file spells them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from drum_testing.check.options import CheckOptions
from drum_testing.check.probes import (
    CSV,
    EXTRA_COLUMN,
    InputError,
    Kind,
    Probe,
    Probes,
    Table,
    content_type_of,
    parse_table,
    read_input,
    route,
)
from drum_testing.config.settings import ServerType, TargetType

SAMPLE = 'a,b,c\n1.50,x,"q,r"\n007,y,z\n-2,1e3,\n'
"""Three rows whose values pandas would respell (1.50, 007, 1e3) and a quoted comma."""
SAMPLE_ROWS = [["1.50", "x", "q,r"], ["007", "y", "z"], ["-2", "1e3", ""]]


def options_for(
    path: Path, target: TargetType = TargetType.REGRESSION, **overrides: Any
) -> CheckOptions:
    return CheckOptions(path.parent, target, path, server_types=(ServerType.FLASK,), **overrides)


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def build(tmp_path: Path, content: str | bytes = SAMPLE, **overrides: Any) -> Probes:
    return Probes.build(options_for(write(tmp_path, content), **overrides))


def cells(body: bytes) -> list[list[str]]:
    """A CSV body as its records (header first)."""
    return [list(record) for record in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))]


def by_name(probes: tuple[Probe, ...]) -> dict[str, Probe]:
    return {probe.name: probe for probe in probes}


def numbered(count: int) -> str:
    """A CSV of ``count`` rows: header ``n,v``, row i is ``i,i.50``."""
    return "n,v\n" + "".join(f"{i},{i}.50\n" for i in range(1, count + 1))


# --- route and content type ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (TargetType.UNSTRUCTURED, "/predictUnstructured/"),
        (TargetType.TRANSFORM, "/transform/"),
        (TargetType.REGRESSION, "/predict/"),
        (TargetType.BINARY, "/predict/"),
        (TargetType.MULTICLASS, "/predict/"),
        (TargetType.ANOMALY, "/predict/"),
    ],
)
def test_route_per_target_type(target: TargetType, expected: str) -> None:
    assert route(target) == expected


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("data.csv", TargetType.REGRESSION, CSV),
        ("data", TargetType.REGRESSION, CSV),  # unknown: a structured model reads CSV
        ("data.json", TargetType.REGRESSION, "application/json"),
        ("data.txt", TargetType.UNSTRUCTURED, "text/plain; charset=utf-8"),
        ("data.json", TargetType.UNSTRUCTURED, "application/json"),
        ("image.png", TargetType.UNSTRUCTURED, "image/png"),
        ("data", TargetType.UNSTRUCTURED, "application/octet-stream"),
        ("data.csv", TargetType.UNSTRUCTURED, "text/csv; charset=utf-8"),
    ],
)
def test_content_type_of(name: str, target: TargetType, expected: str) -> None:
    assert content_type_of(Path(name), target) == expected


# --- the batch and single rows ----------------------------------------------------------------


def test_batch_is_the_file_as_it_is(tmp_path: Path) -> None:
    raw = ("\ufeffa,b,c\r\n1.50,x,y\r\n\r\n2,z,w\r\n").encode()
    probes = build(tmp_path, raw)
    assert probes.batch == Probe("batch (2 rows)", Kind.PARITY, "/predict/", raw, CSV, 2)
    # The byte-order mark is not part of the first column's name.
    assert "missing a" in by_name(probes.robustness)


def test_single_rows_are_each_row_with_the_header_spelt_as_in_the_file(tmp_path: Path) -> None:
    probes = build(tmp_path)
    assert [probe.name for probe in probes.rows] == ["row 1", "row 2", "row 3"]
    assert [cells(probe.body) for probe in probes.rows] == [
        [["a", "b", "c"], row] for row in SAMPLE_ROWS
    ]
    assert probes.rows[0].body == b'a,b,c\n1.50,x,"q,r"\n'
    assert all(
        (p.kind, p.path, p.content_type, p.rows) == (Kind.PARITY, "/predict/", CSV, 1)
        for p in probes.rows
    )
    assert probes.parity == (probes.batch, *probes.rows)
    assert probes.notes == ()


def test_single_rows_are_capped_with_a_note(tmp_path: Path) -> None:
    probes = build(tmp_path, single_rows=2)
    assert [cells(probe.body)[1] for probe in probes.rows] == SAMPLE_ROWS[:2]
    assert probes.notes == ("single rows: the first 2 of 3",)


def test_no_note_when_single_rows_cover_the_file(tmp_path: Path) -> None:
    assert build(tmp_path, single_rows=3).notes == ()


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    probes = build(tmp_path, "a,b\n\n1,2\n\n3,4\n\n")
    assert probes.batch.rows == 2
    assert [cells(probe.body)[1] for probe in probes.rows] == [["1", "2"], ["3", "4"]]


def test_a_cell_with_quotes_and_newlines_survives_rewriting(tmp_path: Path) -> None:
    probes = build(tmp_path, 'a,b\n"say ""hi""","two\nlines"\n')
    assert cells(probes.rows[0].body) == [["a", "b"], ['say "hi"', "two\nlines"]]


# --- robustness variants ----------------------------------------------------------------------


def test_variants_in_order(tmp_path: Path) -> None:
    probes = build(tmp_path)
    assert [probe.name for probe in probes.robustness] == [
        "missing a",
        "missing b",
        "missing c",
        "one row",
        "columns shuffled",
        "extra column",
        "empty",
        "header only",
    ]
    assert all(
        (p.kind, p.path, p.content_type) == (Kind.ROBUSTNESS, "/predict/", CSV)
        for p in probes.robustness
    )


def test_missing_column_blanks_that_column_only(tmp_path: Path) -> None:
    variants = by_name(build(tmp_path).robustness)
    assert cells(variants["missing a"].body) == [
        ["a", "b", "c"],
        ["", "x", "q,r"],
        ["", "y", "z"],
        ["", "1e3", ""],
    ]
    assert cells(variants["missing b"].body) == [
        ["a", "b", "c"],
        ["1.50", "", "q,r"],
        ["007", "", "z"],
        ["-2", "", ""],
    ]
    assert cells(variants["missing c"].body)[1:] == [
        ["1.50", "x", ""],
        ["007", "y", ""],
        ["-2", "1e3", ""],
    ]
    assert {variants[f"missing {c}"].rows for c in "abc"} == {3}


def test_missing_columns_are_capped_with_a_note(tmp_path: Path) -> None:
    probes = build(tmp_path, max_columns=2)
    names = [probe.name for probe in probes.robustness]
    assert [name for name in names if name.startswith("missing ")] == ["missing a", "missing b"]
    assert probes.notes == ("missing values: the first 2 of 3 columns",)


def test_one_row(tmp_path: Path) -> None:
    one = by_name(build(tmp_path).robustness)["one row"]
    assert cells(one.body) == [["a", "b", "c"], SAMPLE_ROWS[0]]
    assert one.rows == 1


def test_columns_shuffled_reverses_header_and_cells_together(tmp_path: Path) -> None:
    shuffled = by_name(build(tmp_path).robustness)["columns shuffled"]
    assert cells(shuffled.body) == [
        ["c", "b", "a"],
        ["q,r", "x", "1.50"],
        ["z", "y", "007"],
        ["", "1e3", "-2"],
    ]
    assert shuffled.rows == 3


def test_a_short_row_is_padded_when_shuffled(tmp_path: Path) -> None:
    shuffled = by_name(build(tmp_path, "a,b,c\n1,2\n").robustness)["columns shuffled"]
    assert cells(shuffled.body) == [["c", "b", "a"], ["", "2", "1"]]


def test_one_column_is_not_shuffled(tmp_path: Path) -> None:
    names = [probe.name for probe in build(tmp_path, "a\n1\n2\n").robustness]
    assert names == ["missing a", "one row", "extra column", "empty", "header only"]


def test_extra_column(tmp_path: Path) -> None:
    extra = by_name(build(tmp_path).robustness)["extra column"]
    assert cells(extra.body) == [
        ["a", "b", "c", EXTRA_COLUMN],
        ["1.50", "x", "q,r", "0"],
        ["007", "y", "z", "0"],
        ["-2", "1e3", "", "0"],
    ]
    assert EXTRA_COLUMN == "drum_testing_extra"
    assert extra.rows == 3


@pytest.mark.parametrize(
    ("header", "added"),
    [
        ("a,drum_testing_extra", "drum_testing_extra_"),
        ("drum_testing_extra_,drum_testing_extra", "drum_testing_extra__"),
        ("drum_testing_extra_,a", "drum_testing_extra"),
    ],
)
def test_extra_column_name_never_collides(tmp_path: Path, header: str, added: str) -> None:
    extra = by_name(build(tmp_path, f"{header}\n1,2\n").robustness)["extra column"]
    assert cells(extra.body)[0] == [*header.split(","), added]


def test_empty_body_and_header_only(tmp_path: Path) -> None:
    variants = by_name(build(tmp_path).robustness)
    assert (variants["empty"].body, variants["empty"].rows) == (b"", None)
    assert variants["empty"].content_type == CSV
    assert (variants["header only"].body, variants["header only"].rows) == (b"a,b,c\n", 0)


def test_variants_use_the_first_robustness_rows(tmp_path: Path) -> None:
    variants = by_name(build(tmp_path, numbered(5), robustness_rows=2).robustness)
    assert cells(variants["missing n"].body) == [["n", "v"], ["", "1.50"], ["", "2.50"]]
    assert cells(variants["columns shuffled"].body)[1:] == [["1.50", "1"], ["2.50", "2"]]
    assert cells(variants["extra column"].body)[1:] == [["1", "1.50", "0"], ["2", "2.50", "0"]]
    assert {variants[name].rows for name in ("missing n", "missing v", "extra column")} == {2}


def test_variants_route_per_target_type(tmp_path: Path) -> None:
    probes = Probes.build(options_for(write(tmp_path, SAMPLE), TargetType.TRANSFORM))
    paths = {p.path for p in (*probes.parity, *probes.robustness, *probes.timed)}
    assert paths == {"/transform/"}


# --- timed sizes ------------------------------------------------------------------------------


def test_timed_sizes_for_a_small_file(tmp_path: Path) -> None:
    probes = build(tmp_path)
    assert [(p.name, p.rows) for p in probes.timed] == [
        ("1 row", 1),
        ("3 rows", 3),
        ("100 rows", 100),
    ]
    one, whole, hundred = probes.timed
    assert cells(one.body) == [["a", "b", "c"], SAMPLE_ROWS[0]]
    assert whole.body == probes.batch.body
    cycled = cells(hundred.body)
    assert cycled[0] == ["a", "b", "c"]
    assert cycled[1:] == [SAMPLE_ROWS[i % 3] for i in range(100)]
    assert all(
        (p.kind, p.content_type, p.path) == (Kind.PARITY, CSV, "/predict/") for p in probes.timed
    )


def test_timed_sizes_for_a_big_file(tmp_path: Path) -> None:
    probes = build(tmp_path, numbered(150))
    assert [(p.name, p.rows) for p in probes.timed] == [
        ("1 row", 1),
        ("100 rows", 100),
        ("150 rows", 150),
    ]
    assert cells(probes.timed[1].body)[1:] == [[str(i), f"{i}.50"] for i in range(1, 101)]
    assert probes.timed[2].body == probes.batch.body


@pytest.mark.parametrize("count", [1, 100])
def test_timed_sizes_are_not_repeated(tmp_path: Path, count: int) -> None:
    probes = build(tmp_path, numbered(count))
    assert [p.rows for p in probes.timed] == [1, 100]
    assert [p.name for p in probes.timed] == ["1 row", "100 rows"]
    whole = next(p for p in probes.timed if p.rows == count)
    assert whole.body == probes.batch.body
    other = next(p for p in probes.timed if p.rows != count)
    assert cells(other.body)[1:] == [
        [str(i % count + 1), f"{i % count + 1}.50"] for i in range(other.rows or 0)
    ]


# --- inputs that are not CSV ------------------------------------------------------------------


def test_unstructured_text_is_a_batch_and_an_empty_body(tmp_path: Path) -> None:
    path = write(tmp_path, "not, a\ntable at all", name="prompt.txt")
    probes = Probes.build(options_for(path, TargetType.UNSTRUCTURED))
    content_type = "text/plain; charset=utf-8"
    batch = Probe(
        "batch", Kind.PARITY, "/predictUnstructured/", b"not, a\ntable at all", content_type
    )
    assert probes.batch == batch
    assert probes.rows == ()
    assert probes.robustness == (
        Probe("empty", Kind.ROBUSTNESS, "/predictUnstructured/", b"", content_type),
    )
    assert probes.timed == (batch,)
    assert len(probes.notes) == 1
    assert probes.notes[0].startswith(f"prompt.txt is sent as it is ({content_type}):")
    assert "need a CSV input" in probes.notes[0]


def test_unstructured_binary_input_is_not_decoded(tmp_path: Path) -> None:
    raw = b"\x89PNG\r\n\x1a\n\xff\x00"
    probes = Probes.build(options_for(write(tmp_path, raw, "image.png"), TargetType.UNSTRUCTURED))
    assert (probes.batch.body, probes.batch.content_type) == (raw, "image/png")
    assert probes.robustness[0].content_type == "image/png"


def test_structured_json_input_is_sent_as_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": [1]}', "data.json")
    probes = Probes.build(options_for(path))
    assert (probes.batch.path, probes.batch.content_type) == ("/predict/", "application/json")
    assert probes.rows == ()
    assert [p.name for p in probes.robustness] == ["empty"]


# --- inputs that cannot be used ---------------------------------------------------------------


def test_missing_input(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(
        InputError, match=r"^cannot read --input .*nope\.csv: No such file or directory$"
    ):
        read_input(path)
    with pytest.raises(InputError, match="cannot read --input"):
        Probes.build(options_for(path))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"a,b\n\xff\xfe,1\n", "is not UTF-8 text: invalid start byte"),
        (b"", "is empty: it needs a header and at least one row"),
        (b"\n\n\r\n", "is empty: it needs a header and at least one row"),
        (b"a,b,c\n", "has a header and no rows: give it rows to score"),
        (b"a,b\n" + b"x" * 200_000 + b",1\n", "is not a CSV file: field larger than field limit"),
    ],
    ids=["not-utf8", "empty", "blank-lines", "header-only", "huge-field"],
)
def test_unusable_csv(tmp_path: Path, content: bytes, problem: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as raised:
        Probes.build(options_for(path))
    assert str(raised.value).startswith(f"--input {path} {problem}")


def test_parse_table_keeps_text(tmp_path: Path) -> None:
    table = parse_table(SAMPLE.encode(), tmp_path / "x.csv")
    assert table == Table(("a", "b", "c"), tuple(tuple(row) for row in SAMPLE_ROWS))


def test_table_csv_defaults_to_its_own_rows() -> None:
    table = Table(("a", "b"), (("1.0", "x y"),))
    assert table.csv() == b"a,b\n1.0,x y\n"
    assert table.csv([["2", "3"]], header=["p", "q"]) == b"p,q\n2,3\n"
    assert table.csv([]) == b"a,b\n"
