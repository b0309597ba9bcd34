"""A server configured as DataRobot configures DRUM: arguments as environment variables."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import requests

from drum_testing.settings import (
    ADDRESS_ENV,
    CLASS_LABELS_ENV,
    CODE_DIR_ENV,
    NEGATIVE_CLASS_LABEL_ENV,
    POSITIVE_CLASS_LABEL_ENV,
    TARGET_TYPE_ENV,
    WITH_ERROR_SERVER_ENV,
)
from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.conftest import BINARY_LABELS, MODELS, MULTICLASS_LABELS

MOVED_TO_ENV = {
    "--code-dir": CODE_DIR_ENV,
    "--target-type": TARGET_TYPE_ENV,
    "--address": ADDRESS_ENV,
    "--positive-class-label": POSITIVE_CLASS_LABEL_ENV,
    "--negative-class-label": NEGATIVE_CLASS_LABEL_ENV,
    "--class-labels": CLASS_LABELS_ENV,
}
"""The options DataRobot gives DRUM as variables, and DrumServerRun gives as flags."""


def split_command(command: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """``command`` without the options of MOVED_TO_ENV, and the variables that replace them."""
    kept: list[str] = []
    variables: dict[str, str] = {}
    index = 0
    while index < len(command):
        word = command[index]
        index += 1
        if word not in MOVED_TO_ENV:
            kept.append(word)
            continue
        values = []
        while index < len(command) and not command[index].startswith("--"):
            values.append(command[index])
            index += 1
        variables[MOVED_TO_ENV[word]] = " ".join(values)  # CLASS_LABELS: whitespace-separated
    return kept, variables


class EnvOnlyServerRun(DrumServerRun):
    """A DrumServerRun whose server gets code dir, target type, address and labels from
    variables only: DrumServerRun's own command, with those options moved to the environment.

    (The plugin fixtures build plain DrumServerRuns, so this one is used in a ``with``.)
    """

    def get_command(self) -> list[str]:
        return split_command(super().get_command())[0]

    def get_env(self) -> dict[str, str]:
        return {**super().get_env(), **split_command(super().get_command())[1]}


@pytest.mark.parametrize(
    ("target_type", "labels"),
    [("binary", BINARY_LABELS), ("multiclass", MULTICLASS_LABELS)],
)
def test_a_server_configured_by_variables_alone(target_type: str, labels: tuple[str, ...]) -> None:
    with EnvOnlyServerRun(target_type, labels, MODELS / target_type) as run:
        command = run.get_command()
        assert not set(MOVED_TO_ENV) & set(command), command
        assert run.get_env()[TARGET_TYPE_ENV] == target_type
        info = requests.get(run.url_server_address + "/info/", timeout=10).json()
        answer = requests.post(
            run.url_server_address + "/predict/",
            data=b"a,b\n1,2\n",
            headers={"Content-Type": "text/csv"},
            timeout=10,
        )
    assert (info["targetType"], info["codeDir"]) == (target_type, str(MODELS / target_type))
    assert answer.status_code == 200, answer.text
    assert list(answer.json()["predictions"][0]) == list(labels)


def test_with_error_server_from_the_environment(drum_server: DrumServerFactory) -> None:
    run = drum_server(
        "regression", None, MODELS / "import_error", env={WITH_ERROR_SERVER_ENV: "True"}
    )
    assert "--with-error-server" not in run.get_command()
    assert requests.get(run.url_server_address + "/ping/", timeout=10).status_code == 200
    answer = requests.post(run.url_server_address + "/predict/", data=b"a\n1\n", timeout=10)
    assert answer.status_code == 513
    assert "fails on import" in answer.json()["message"]
