"""DRUM's command-line spellings: accepted where we serve them, one-line errors where not."""

from __future__ import annotations

import pytest

from drum_testing.cli import build_parser
from drum_testing.config.arguments import build_settings
from drum_testing.config.drum_flags import LOGGING_LEVELS, UNSUPPORTED
from tests.helpers.models import MODELS

SERVER = ["server", "--target-type", "regression", "--address", "127.0.0.1:8080"]
SCORE = ["score", "--target-type", "regression", "--input", "x.csv"]


SCORE_OWN = ("--query", "--content-type")
"""drum score's options that drum server refuses."""


@pytest.mark.parametrize(
    ("command", "flag"),
    [(SERVER, flag) for flag in sorted(UNSUPPORTED)]
    + [(SCORE, flag) for flag in sorted(UNSUPPORTED) if flag not in SCORE_OWN],
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
