"""The requests a check sends, made from the user's input file.

A *probe* is one request: the route the target type is scored on, a body and its content
type. The input is sent as it is (the batch); a CSV input also gives single rows, the
robustness variants (``drum validation``'s missing values, and more) and the bodies timed at
each batch size. Rows are rewritten with the :mod:`csv` module, never through pandas, so a
value reaches the model spelt as it is in the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from drum_testing.config.settings import TargetType

from .options import LATENCY_ROWS, CheckOptions

CSV = "text/csv; charset=utf-8"
EXTRA_COLUMN = "drum_testing_extra"


class InputError(ValueError):
    """The input file cannot be read or used; the message says which and why."""


class Kind(str, Enum):
    PARITY = "parity"
    ROBUSTNESS = "robustness"


@dataclass(frozen=True)
class Probe:
    """One request of a check."""

    name: str
    kind: Kind
    path: str
    body: bytes
    content_type: str
    rows: int | None = None
    """Data rows in the body; None when it is not a CSV."""


@dataclass(frozen=True)
class Table:
    """A CSV input, as text cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def csv(
        self,
        rows: Sequence[Sequence[str]] | None = None,
        header: Sequence[str] | None = None,
    ) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header if header is None else header)
        writer.writerows(self.rows if rows is None else rows)
        return out.getvalue().encode("utf-8")


def rows_label(rows: int | None) -> str:
    """How a batch size reads: "1 row", "1,000 rows"; "input" for a body that is no CSV."""
    if rows is None:
        return "input"
    return "1 row" if rows == 1 else f"{rows:,} rows"


def route(target_type: TargetType) -> str:
    """The route a target type is scored on."""
    if target_type is TargetType.UNSTRUCTURED:
        return "/predictUnstructured/"
    if target_type is TargetType.TRANSFORM:
        return "/transform/"
    return "/predict/"


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read --input {path}: {exc.strerror or exc}") from None


def content_type_of(path: Path, target_type: TargetType) -> str:
    """What the file is sent as: CSV for a structured model's ``.csv`` (or unknown) file."""
    guessed, _ = mimetypes.guess_type(path.name)
    if target_type is not TargetType.UNSTRUCTURED and guessed in (None, "text/csv"):
        return CSV
    guessed = guessed or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def parse_table(data: bytes, path: Path) -> Table:
    """The CSV's header and rows, or InputError when it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"--input {path} is not UTF-8 text: {exc.reason}") from None
    try:
        records = [tuple(record) for record in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise InputError(f"--input {path} is not a CSV file: {exc}") from None
    records = [record for record in records if record]  # blank lines, as pandas skips them
    if not records:
        raise InputError(f"--input {path} is empty: it needs a header and at least one row")
    header, *rows = records
    if not rows:
        raise InputError(f"--input {path} has a header and no rows: give it rows to score")
    return Table(header, tuple(rows))


@dataclass(frozen=True)
class Probes:
    """Every request of a check, made once from the options."""

    batch: Probe
    rows: tuple[Probe, ...]
    robustness: tuple[Probe, ...]
    timed: tuple[Probe, ...]
    """One body per batch size timed: 1 row, 100 rows, the whole file (sizes deduplicated)."""
    notes: tuple[str, ...] = ()

    @property
    def parity(self) -> tuple[Probe, ...]:
        return (self.batch, *self.rows)

    @classmethod
    def build(cls, options: CheckOptions) -> Probes:
        data = read_input(options.input)
        path = route(options.target_type)
        content_type = content_type_of(options.input, options.target_type)
        if content_type != CSV or options.target_type is TargetType.UNSTRUCTURED:
            # An unstructured model reads its body its own way: rows and columns may mean
            # nothing to it, so it gets the file as it is, and an empty body.
            batch = Probe("batch", Kind.PARITY, path, data, content_type)
            empty = Probe("empty", Kind.ROBUSTNESS, path, b"", content_type)
            note = (
                f"{options.input.name} is sent as it is ({content_type}): single rows and "
                "the variants of its columns need a CSV input and a structured model"
            )
            return cls(batch, (), (empty,), (batch,), (note,))
        table = parse_table(data, options.input)
        batch = Probe(
            f"batch ({rows_label(len(table.rows))})", Kind.PARITY, path, data, CSV, len(table.rows)
        )
        single = tuple(
            Probe(f"row {n}", Kind.PARITY, path, table.csv([row]), CSV, 1)
            for n, row in enumerate(table.rows[: options.single_rows], start=1)
        )
        notes = []
        if len(table.rows) > options.single_rows:
            notes.append(f"single rows: the first {options.single_rows} of {len(table.rows)}")
        robustness, more = variants(table, path, options)
        notes.extend(more)
        return cls(batch, single, robustness, timed(table, batch, path), tuple(notes))


def variants(table: Table, path: str, options: CheckOptions) -> tuple[tuple[Probe, ...], list[str]]:
    """The robustness requests, made of the input's first ``robustness_rows`` rows."""
    rows = table.rows[: options.robustness_rows]
    header = table.header
    notes = []

    def probe(name: str, body: bytes, count: int | None) -> Probe:
        return Probe(name, Kind.ROBUSTNESS, path, body, CSV, count)

    made = []
    for index, column in enumerate(header[: options.max_columns]):
        blanked = [(*row[:index], "", *row[index + 1 :]) for row in rows]
        made.append(probe(f"missing {column}", table.csv(blanked), len(rows)))
    if len(header) > options.max_columns:
        notes.append(f"missing values: the first {options.max_columns} of {len(header)} columns")
    made.append(probe("one row", table.csv(rows[:1]), 1))
    if len(header) > 1:
        order = list(reversed(range(len(header))))
        shuffled = [tuple(row[i] if i < len(row) else "" for i in order) for row in rows]
        made.append(
            probe(
                "columns shuffled",
                table.csv(shuffled, header=[header[i] for i in order]),
                len(rows),
            )
        )
    extra = EXTRA_COLUMN
    while extra in header:
        extra += "_"
    with_extra = [(*row, "0") for row in rows]
    made.append(probe("extra column", table.csv(with_extra, header=[*header, extra]), len(rows)))
    made.append(probe("empty", b"", None))
    made.append(probe("header only", table.csv([]), 0))
    return tuple(made), notes


def timed(table: Table, batch: Probe, path: str) -> tuple[Probe, ...]:
    """A body of each batch size timed: 1 and 100 rows (the file's, repeated if it has
    fewer), and the file as it is."""
    sizes = [size for size in LATENCY_ROWS if size != len(table.rows)]
    bodies = [
        Probe(
            rows_label(size),
            Kind.PARITY,
            path,
            table.csv(list(itertools.islice(itertools.cycle(table.rows), size))),
            CSV,
            size,
        )
        for size in sizes
    ]
    whole = Probe(
        f"{len(table.rows)} rows" if len(table.rows) > 1 else "1 row",
        Kind.PARITY,
        path,
        batch.body,
        CSV,
        len(table.rows),
    )
    return tuple(sorted([*bodies, whole], key=lambda probe: probe.rows or 0))
