"""Every option of real DRUM's ``drum server`` and ``drum score`` is served or refused by
name: none falls through to argparse's "unrecognized arguments"."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from drum_testing.cli import build_parser
from drum_testing.config.options import options_for

DRUM = Path(sys.executable).with_name("drum")
pytestmark = pytest.mark.skipif(not DRUM.exists(), reason="datarobot-drum is not installed here")


def _drum_options(command: str) -> set[str]:
    shown = subprocess.run(
        [str(DRUM), command, "--help"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    usage = shown.split("\n\n")[0]  # the usage block names every option
    return set(re.findall(r"\[(-{1,2}[a-z][a-z-]*)", usage)) | set(re.findall(r" (-cd) ", usage))


@pytest.mark.parametrize("command", ["server", "score"])
def test_every_drum_option_is_known(command: str) -> None:
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    known = set(commands.choices[command]._option_string_actions)
    missing = sorted(_drum_options(command) - known)
    assert not missing, f"drum {command} options drum-testing neither serves nor refuses: {missing}"


@pytest.mark.parametrize("command", ["server", "score"])
def test_the_tables_drum_column_is_drums(command: str) -> None:
    # A row marked as DRUM's, with a flag, must be an option of real DRUM's command; one not
    # so marked must not be (the table's "whether DRUM has it" column, held to DRUM itself).
    shown = subprocess.run(
        [str(DRUM), command, "--help"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    drums = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", shown))  # every spelling of each
    for row in options_for(command):
        if row.flags:
            assert any(flag in drums for flag in row.flags) is row.drum, (command, row.flags)
