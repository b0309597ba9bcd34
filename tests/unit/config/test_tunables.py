"""Every tunable: a Settings field, a flag and a variable, with the flag winning."""

from __future__ import annotations

import argparse
from dataclasses import fields

import pytest

from drum_testing import cli
from drum_testing.config import arguments
from drum_testing.config.settings import Settings, SettingsError
from drum_testing.config.tunables import (
    TUNABLES,
    Tunable,
    add_tunable_arguments,
    positive_int,
    positive_seconds,
    tunable_values,
)
from tests.helpers.models import MODELS

BASE = ["server", "--code-dir", str(MODELS / "regression"), "--target-type", "regression"]
BASE += ["--address", "127.0.0.1:1"]


def build(argv: list[str], environ: dict[str, str] | None = None) -> Settings:
    return arguments.build_settings(cli.build_parser().parse_args(argv), environ or {})


def sample(tunable: Tunable) -> tuple[str, int | float]:
    """A valid value of ``tunable`` other than its default, as text and as parsed."""
    value: int | float = 7 if tunable.convert is positive_int else 2.5
    return str(value), value


@pytest.fixture(params=TUNABLES, ids=lambda t: t.dest)
def tunable(request: pytest.FixtureRequest) -> Tunable:
    return request.param  # type: ignore[no-any-return]


def test_every_tunable_is_a_settings_field_with_a_default(tunable: Tunable) -> None:
    defaults = {f.name: f.default for f in fields(Settings)}
    assert tunable.dest in defaults
    assert defaults[tunable.dest] != sample(tunable)[1]


def test_names_are_unique() -> None:
    for attribute in ("dest", "flag", "variable"):
        names = [getattr(t, attribute) for t in TUNABLES]
        assert len(names) == len(set(names)), attribute


def test_flag_sets_the_field(tunable: Tunable) -> None:
    text, value = sample(tunable)
    assert getattr(build([*BASE, tunable.flag, text]), tunable.dest) == value


def test_variable_sets_the_field(tunable: Tunable) -> None:
    text, value = sample(tunable)
    assert getattr(build(BASE, {tunable.variable: text}), tunable.dest) == value


def test_flag_wins_over_variable(tunable: Tunable) -> None:
    text, value = sample(tunable)
    settings = build([*BASE, tunable.flag, text], {tunable.variable: "3"})
    assert getattr(settings, tunable.dest) == value


def test_neither_leaves_the_default(tunable: Tunable) -> None:
    default = {f.name: f.default for f in fields(Settings)}[tunable.dest]
    assert getattr(build(BASE), tunable.dest) == default


@pytest.mark.parametrize("bad", ["0", "-1", "ten", "nan", "inf"])
def test_bad_variable_is_an_error_naming_it(tunable: Tunable, bad: str) -> None:
    with pytest.raises(SettingsError, match=tunable.variable):
        build(BASE, {tunable.variable: bad})


@pytest.mark.parametrize("bad", ["0", "-2", "x", "1.5e400"])
def test_positive_seconds_refuses(bad: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        positive_seconds(bad)


def test_positive_int_refuses_fractions() -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int("1.5")


def test_help_names_flag_variable_and_default() -> None:
    parser = argparse.ArgumentParser()
    add_tunable_arguments(parser)
    text = parser.format_help()
    for tunable in TUNABLES:
        assert tunable.flag in text
        assert tunable.variable in text


def test_tunable_values_leaves_out_absent_ones() -> None:
    assert tunable_values(argparse.Namespace(threads=4, read_timeout=None)) == {"threads": 4}
