"""options.py: the one table of options, and what every row of it promises.

A row's flag and its variable set its Settings field, the flag wins, neither leaves the
default; a bad variable is an error naming it; ``--help`` names them. The variables a test
server must not inherit are the table's.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields

import pytest

from drum_testing import cli
from drum_testing.check.options import CheckOptions
from drum_testing.config import values
from drum_testing.config.build import build_settings
from drum_testing.config.options import (
    ARGUMENT_VARIABLES,
    CHECK,
    COMMANDS,
    OPTIONS,
    SERVER,
    SETTINGS_DEFAULTS,
    Kind,
    Option,
    Section,
    option,
    options_for,
)
from drum_testing.config.settings import Settings, SettingsError
from tests.helpers.models import MODELS

BASE = ["server", "--code-dir", str(MODELS / "regression"), "--target-type", "regression"]
BASE += ["--address", "127.0.0.1:1"]
NUMBERS = [
    row
    for row in options_for(SERVER)
    if row.convert in (values.positive_int, values.positive_seconds)
]
"""The server's numeric options (the tunables, the workers, the model's concurrency)."""
MADE_OF_OPTIONS = {"host", "port", "runtime_params", "sources", "notices"}
"""Settings fields made from options of other names (the address, the parameters file), or
about the options (where each came from, the warnings reading them gave)."""


def build(argv: list[str], environ: dict[str, str] | None = None) -> Settings:
    return build_settings(cli.build_parser().parse_args(argv), environ or {})


def sample(row: Option) -> tuple[str, int | float]:
    """A valid value of ``row`` other than its default, as text and as parsed."""
    value: int | float = 7 if row.convert is values.positive_int else 2.5
    return str(value), value


@pytest.fixture(params=NUMBERS, ids=lambda row: row.dest)
def number(request: pytest.FixtureRequest) -> Option:
    return request.param  # type: ignore[no-any-return]


def test_every_settings_field_is_an_option_or_made_of_options() -> None:
    # "A new option is one row and one Settings field": neither can be added without the other.
    rows = {row.dest for row in OPTIONS if row.kind is not Kind.REFUSED}
    settings_fields = {f.name for f in fields(Settings)}
    assert settings_fields - rows == MADE_OF_OPTIONS
    # the seven tunables above 0, the workers and the model's concurrency (the worker timeout
    # and the recycling options take 0: never)
    assert len(NUMBERS) == 9


def test_names_are_unique_within_a_command() -> None:
    for command in COMMANDS:
        rows = list(options_for(command))
        flags = [flag for row in rows for flag in row.flags]
        assert len(flags) == len(set(flags)), command
        variables = [row.variable for row in rows if row.variable]
        assert len(variables) == len(set(variables)), command
        dests = [row.dest for row in rows if row.kind is not Kind.REFUSED]
        assert len(dests) == len(set(dests)), command


def test_every_row_says_what_it_is() -> None:
    for row in OPTIONS:
        assert row.help, row.dest
        assert row.flags or row.variable or row.runtime_param, row.dest
        assert row.commands, row.dest
        assert row.commands <= set(COMMANDS), row.dest
        if row.kind is Kind.REFUSED:
            assert row.drum, row.dest
            assert row.section is Section.DRUM, row.dest


def test_defaults_are_the_settings_fields_unless_the_row_has_its_own() -> None:
    assert option("threads").value_default == Settings.threads == 512
    assert option("max_body_bytes").value_default == 100 * 1024 * 1024
    assert option("logging_level").value_default == "WARNING"
    assert option("logging_level").shown_default == "warning"  # DRUM's word for it
    assert option("single_rows", CHECK).value_default == 20
    with pytest.raises(KeyError, match="server has no option 'single_rows'"):
        option("single_rows")


def test_the_checks_defaults_are_the_tables() -> None:
    defaults = {f.name: f.default for f in fields(CheckOptions) if f.default is not MISSING}
    checked = [row for row in options_for(CHECK) if row.section is Section.CHECK]
    for row in checked:
        if row.dest in defaults:
            assert defaults[row.dest] == row.value_default, row.dest
    assert {"single_rows", "latency_seconds"} <= {row.dest for row in checked}


def test_the_variables_a_test_server_must_not_inherit_are_every_options() -> None:
    server_variables = {row.variable for row in options_for(SERVER) if row.flags and row.variable}
    assert server_variables == ARGUMENT_VARIABLES
    assert {"DRUM_THREADS", "DRUM_READ_TIMEOUT", "DRUM_MODEL_CONCURRENCY"} <= ARGUMENT_VARIABLES
    # The variable-only settings are the test kit's to pass on (or to set): not argument ones.
    only = {"URL_PREFIX", "TARGET_NAME", "MLOPS_RUNTIME_PARAM_DRUM_SERVER_TYPE"}
    assert not only & ARGUMENT_VARIABLES


def test_a_flag_sets_the_field(number: Option) -> None:
    text, value = sample(number)
    assert getattr(build([*BASE, number.flag, text]), number.dest) == value


def test_a_variable_sets_the_field(number: Option) -> None:
    text, value = sample(number)
    assert getattr(build(BASE, {str(number.variable): text}), number.dest) == value


def test_the_flag_wins_over_the_variable(number: Option) -> None:
    text, value = sample(number)
    settings = build([*BASE, number.flag, text], {str(number.variable): "3"})
    assert getattr(settings, number.dest) == value


def test_neither_leaves_the_default(number: Option) -> None:
    assert getattr(build(BASE), number.dest) == SETTINGS_DEFAULTS[number.dest]
    assert SETTINGS_DEFAULTS[number.dest] != sample(number)[1]


@pytest.mark.parametrize("bad", ["0", "-1", "ten", "nan", "inf"])
def test_a_bad_variable_is_an_error_naming_it(number: Option, bad: str) -> None:
    with pytest.raises(SettingsError, match=f"^{number.variable}: "):
        build(BASE, {str(number.variable): bad})


def test_help_names_each_flag_its_variable_and_its_default() -> None:
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    text = " ".join(commands.choices[SERVER].format_help().split())
    shown = 0
    for row in options_for(SERVER):
        if row.kind is Kind.REFUSED or not row.flags:
            assert row.flags[0] not in text if row.flags else True, row.dest
            continue
        shown += 1
        assert row.flags[0] in text, row.dest
        if row.variable is not None:
            assert f"(env: {row.variable})" in text, row.dest
        if row.shown_default is not None:
            assert f"default {row.shown_default}" in text, row.dest
    assert shown > 20
