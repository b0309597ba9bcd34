"""A server configured as DataRobot configures DRUM: arguments as environment variables."""

from __future__ import annotations

import pytest
import requests

from drum_testing.config.settings import TARGET_TYPE_ENV, WITH_ERROR_SERVER_ENV
from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import BINARY_LABELS, MODELS, MULTICLASS_LABELS

MOVED_TO_ENV = ("--code-dir", "--target-type", "--address", "--class-labels")
"""Options DrumServerRun(pass_args_as_env_vars=True) gives as variables instead of flags."""


@pytest.mark.parametrize(
    ("target_type", "labels"),
    [("binary", BINARY_LABELS), ("multiclass", MULTICLASS_LABELS)],
)
def test_a_server_configured_by_variables_alone(target_type: str, labels: tuple[str, ...]) -> None:
    with DrumServerRun(
        target_type, labels, MODELS / target_type, pass_args_as_env_vars=True
    ) as run:
        command = run.get_command()
        assert not set(MOVED_TO_ENV) & set(command), command
        assert run.get_env()[TARGET_TYPE_ENV] == target_type
        assert "--positive-class-label" not in command
        info = requests.get(run.url_server_address + "/info/", timeout=10).json()
        answer = requests.post(
            run.url_server_address + "/predict/",
            data=b"a,b\n1,2\n",
            headers={"Content-Type": "text/csv"},
            timeout=10,
        )
    assert (info["targetType"], info["codeDir"]) == (target_type, str(MODELS / target_type))
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["predictions"][0]) == sorted(labels)


def test_with_error_server_from_the_environment(drum_server: DrumServerFactory) -> None:
    run = drum_server(
        "regression", None, MODELS / "import_error", env={WITH_ERROR_SERVER_ENV: "True"}
    )
    assert "--with-error-server" not in run.get_command()
    assert requests.get(run.url_server_address + "/ping/", timeout=10).status_code == 200
    answer = requests.post(run.url_server_address + "/predict/", data=b"a\n1\n", timeout=10)
    assert answer.status_code == 513
    assert "fails on import" in answer.json()["message"]
