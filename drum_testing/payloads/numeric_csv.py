"""A fast path for the commonest payload: a small CSV of plain numbers.

``pandas.read_csv`` costs about 250 µs however small the input, most of it set-up; a
10-row numeric CSV can be split and converted in a fraction of that. This parser takes only
input whose meaning is beyond doubt (a header of distinct bare names, then rows of plain
decimal numbers, no quotes, blanks, spaces, NaN markers or missing cells) and returns
None for anything else, which then goes to ``read_csv``. Where it answers, it answers
exactly what ``pandas.read_csv`` with its defaults would, as DRUM calls it: int64 columns
where every cell is an integer, float64 where any is not, correctly rounded (the tests hold
it to that).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

CORRECTLY_ROUNDED_FLOATS = int(pd.__version__.split(".")[0]) >= 3
"""pandas 3's ``read_csv`` parses floats correctly rounded, as ``float()`` does; pandas 2's
default parser can be one unit in the last place off. DRUM calls ``read_csv`` with its
defaults, so on pandas 2 the fast path takes integer columns only and leaves floats to it."""

MAX_ROWS = 1000
"""Above this, read_csv's C parser wins anyway; the fast path is for the per-request case."""

_INT = re.compile(r"-?[0-9]{1,18}")  # int64 for certain: 18 digits never overflow
# A decimal point or an exponent: a bare long integer is read_csv's uint64 or object case.
_FLOAT = re.compile(r"-?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]{1,3})?")
_NAME = re.compile(r"[^\s\",']+(?: [^\s\",']+)*")  # no quotes, no edge or double spaces


def parse_numeric_csv(text: str) -> pd.DataFrame | None:
    """The DataFrame of a small all-numeric CSV, or None if this is not one.

    ::

        >>> parse_numeric_csv("a,b\\n1,2.5\\n").dtypes.tolist()
        [dtype('int64'), dtype('float64')]
        >>> parse_numeric_csv('a,b\\n1,"x"\\n') is None
        True
    """
    if "\ufeff" in text:
        return None  # a byte order mark (the caller strips a leading one, as pandas does)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    if len(lines) < 2 or len(lines) > MAX_ROWS + 1 or "\r" in text:
        return None
    header = lines[0].split(",")
    if len(set(header)) != len(header) or not all(_NAME.fullmatch(name) for name in header):
        return None
    rows = [line.split(",") for line in lines[1:]]
    width = len(header)
    if any(len(row) != width for row in rows):
        return None
    data: dict[str, np.ndarray[Any, Any]] = {}
    for name, cells in zip(header, zip(*rows, strict=True), strict=True):
        if all(_INT.fullmatch(cell) for cell in cells):
            data[name] = np.array([int(cell) for cell in cells], dtype=np.int64)
        elif CORRECTLY_ROUNDED_FLOATS and all(
            _FLOAT.fullmatch(cell) or _INT.fullmatch(cell) for cell in cells
        ):
            floats = np.array([float(cell) for cell in cells], dtype=np.float64)
            if not np.isfinite(floats).all():
                return None  # an overflow: pandas 3 reads inf, pandas 2 keeps the text
            data[name] = floats
        else:
            return None
    frame: pd.DataFrame = pd.DataFrame(data, copy=False)  # the arrays are ours: no copy
    return frame
