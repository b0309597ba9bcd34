"""The numeric CSV fast path answers exactly what pandas.read_csv answers, or declines."""

from __future__ import annotations

import io
import random

import pandas as pd
import pytest

from drum_testing.payloads.numeric_csv import CORRECTLY_ROUNDED_FLOATS, MAX_ROWS, parse_numeric_csv


def read_csv(text: str) -> pd.DataFrame:
    frame: pd.DataFrame = pd.read_csv(io.StringIO(text))
    return frame


def random_number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return str(rng.randint(-(10**18) + 1, 10**18 - 1))
    if kind == 1:
        return str(rng.randint(-50, 50))
    if kind == 2:
        return repr(rng.uniform(-1e6, 1e6))
    if kind == 3:
        return f"{rng.uniform(-10, 10):.{rng.randint(0, 17)}f}"
    if kind == 4:
        return f"{rng.uniform(1, 9):.6e}".replace("e+0", "E")
    return rng.choice(["0", "-0", "007", ".5", "5.", "-.25", "1e-300", "2.2250738585072014e-308"])


def random_csv(rng: random.Random) -> str:
    width = rng.randint(1, 6)
    header = ",".join(f"c{n}" for n in range(width))
    rows = [",".join(random_number(rng) for _ in range(width)) for _ in range(rng.randint(1, 12))]
    return header + "\n" + "\n".join(rows) + rng.choice(["\n", ""])


def assert_fast_path_matches(text: str) -> None:
    """The fast path answers exactly as read_csv; on pandas 2 it leaves float columns to it."""
    expected = read_csv(text)
    fast = parse_numeric_csv(text)
    if not CORRECTLY_ROUNDED_FLOATS and (expected.dtypes == "float64").any():
        assert fast is None, text
        return
    assert fast is not None, text
    pd.testing.assert_frame_equal(fast, expected, check_exact=True)


@pytest.mark.parametrize("seed", range(300))
def test_random_numeric_csvs_parse_exactly_as_read_csv(seed: int) -> None:
    assert_fast_path_matches(random_csv(random.Random(seed)))


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n3,4\n",
        "a\n1\n",
        "x y,z\n1.5,2\n",
        "a,b\n1,2.0\n3,4\n",
        "a,b\n-1,1e5\n",
        "a\n1e-999\n",
        "a\n-0.0\n",
        "a\n4.9e-324\n",
    ],
)
def test_plain_cases_match_read_csv(text: str) -> None:
    assert_fast_path_matches(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a,b\n1,\n", "a missing cell"),
        ("a,b\n1,NaN\n", "a NaN marker"),
        ("a,b\n1,x\n", "text"),
        ('a,b\n1,"2"\n', "quotes"),
        ('"a",b\n1,2\n', "a quoted name"),
        ("a,a\n1,2\n", "duplicate names (read_csv renames them)"),
        ("a,b\n1, 2\n", "spaces"),
        ("a,b\n1,2\n\n3,4\n", "a blank line (read_csv skips it)"),
        ("a,b\r\n1,2\r\n", "CRLF line ends"),
        ("a,b\n1,2,3\n", "a row wider than the header"),
        ("a,b\n+1,2\n", "a plus sign"),
        ("a,b\n1,inf\n", "infinity"),
        ("a,b\n1,1e999\n", "a float that overflows (pandas 2 keeps it as text)"),
        ("a,b\n1,True\n", "booleans"),
        ("a,b\n1,12345678901234567890\n", "an integer beyond int64"),
        ("a,b\n", "no rows"),
        (",b\n1,2\n", "an empty name"),
        ("\ufeffa,b\n1,2\n", "a byte order mark (the caller strips a leading one first)"),
        ("a,\ufeffb\n1,2\n", "a byte order mark inside"),
    ],
)
def test_anything_else_is_declined(text: str, why: str) -> None:
    assert parse_numeric_csv(text) is None, why


def test_large_payloads_go_to_read_csv() -> None:
    rows = "\n".join("1,2" for _ in range(MAX_ROWS + 1))
    assert parse_numeric_csv("a,b\n" + rows) is None
    assert parse_numeric_csv("a,b\n" + "\n".join("1,2" for _ in range(MAX_ROWS))) is not None
