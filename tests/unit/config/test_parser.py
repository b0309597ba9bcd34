"""parser.py: the parsers made from the table; DRUM's spellings accepted where we serve
them, one-line errors where not."""

from __future__ import annotations

import argparse

import pytest

from drum_testing.cli import build_parser
from drum_testing.config.build import build_settings
from drum_testing.config.options import OPTIONS, Kind
from drum_testing.config.parser import _Refuse
from drum_testing.config.values import LOGGING_LEVELS
from tests.helpers.models import MODELS

SERVER = ["server", "--target-type", "regression", "--address", "127.0.0.1:8080"]
SCORE = ["score", "--target-type", "regression", "--input", "x.csv"]


UNSUPPORTED = {row.flag: row.help for row in OPTIONS if row.kind is Kind.REFUSED}
"""DRUM's options we refuse, and why."""
REFUSED_BY = {
    command: sorted(
        row.flag for row in OPTIONS if row.kind is Kind.REFUSED and command in row.commands
    )
    for command in ("server", "score")
}
"""The options each command refuses: those its DRUM counterpart has and we do not serve."""


@pytest.mark.parametrize(
    ("command", "flag"),
    [(SERVER, flag) for flag in REFUSED_BY["server"]]
    + [(SCORE, flag) for flag in REFUSED_BY["score"]],
)
def test_an_unsupported_drum_option_is_one_line_naming_it(
    command: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*command, "--code-dir", "m", flag, "value"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"{flag} is a DRUM option drum-testing does not support: {UNSUPPORTED[flag]}" in error


def test_an_unsupported_option_without_a_value_is_refused_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*SERVER, "--production", "--code-dir", "m"])
    assert "--production" in capsys.readouterr().err


@pytest.mark.parametrize(("word", "level"), sorted(LOGGING_LEVELS.items()))
def test_drums_spellings_are_served(word: str, level: str) -> None:
    args = build_parser().parse_args(
        [
            *SERVER,
            "-cd",
            str(MODELS / "regression"),
            "--logging-level",
            word,
            "--verbose",
            "--language",
            "Python",
        ]
    )
    settings = build_settings(args, {})
    assert (settings.code_dir, settings.logging_level) == (MODELS / "regression", level)


def test_only_python_models_are_served(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*SERVER, "--code-dir", "m", "--language", "java"])
    assert "python models only, not 'java'" in capsys.readouterr().err


def test_the_refused_options_are_drums_and_each_command_has_them_all() -> None:
    assert len(UNSUPPORTED) == 23  # drum server's and drum score's options we do not serve
    assert len(REFUSED_BY["server"]) == 23
    # drum score has no --production; --query and --content-type it has, and so do we.
    assert set(UNSUPPORTED) - set(REFUSED_BY["score"]) == {
        "--production",
        "--query",
        "--content-type",
    }
    assert UNSUPPORTED["--docker"] == "it runs the model in this Python environment"
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for command in ("server", "score"):
        actions = commands.choices[command]._actions
        refused = {flag for a in actions if isinstance(a, _Refuse) for flag in a.option_strings}
        assert refused == set(REFUSED_BY[command]), command


def test_an_absent_option_parses_as_none_so_its_variable_may_stand_in() -> None:
    args = build_parser().parse_args([*SERVER, "--code-dir", "m"])
    assert (args.threads, args.max_workers, args.runtime_params_file) == (None, None, None)
    assert (args.with_error_server, args.show_stacktrace) == (False, False)


def test_a_required_option_without_a_variable_is_argparses_to_require(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["score", "--code-dir", "m", "--target-type", "regression"])
    assert exited.value.code == 2
    assert "the following arguments are required: --input" in capsys.readouterr().err
