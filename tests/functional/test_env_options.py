"""A server configured as DataRobot configures DRUM: arguments as environment variables."""

from __future__ import annotations

import pytest
import requests

from drum_testing.config.options import ARGUMENT_VARIABLES
from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import BINARY_LABELS, MODELS, MULTICLASS_LABELS

TARGET_TYPE_ENV = "TARGET_TYPE"
WITH_ERROR_SERVER_ENV = "WITH_ERROR_SERVER"

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
    assert requests.get(run.url_server_address + "/ping/", timeout=10).status_code == 513
    answer = requests.post(run.url_server_address + "/predict/", data=b"a\n1\n", timeout=10)
    assert answer.status_code == 513
    assert "fails on import" in answer.json()["message"]


def test_the_callers_option_variables_do_not_reach_the_test_server(
    drum_server: DrumServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every variable that stands for an option, set in the test's own environment to a value
    # the server would refuse (or to a model that is not this one). None may reach it: the
    # server starts, and serves the model and the settings this test asked for.
    for name in ARGUMENT_VARIABLES:
        monkeypatch.setenv(name, "not-a-value")
    monkeypatch.setenv("CODE_DIR", str(MODELS / "import_error"))
    run = drum_server("regression", None, MODELS / "regression")
    assert not ARGUMENT_VARIABLES & set(run.get_env())
    info = requests.get(run.url_server_address + "/info/", timeout=10).json()
    assert (info["targetType"], info["codeDir"]) == ("regression", str(MODELS / "regression"))
    answer = requests.post(
        run.url_server_address + "/predict/",
        data=b"a,b\n1,2\n",
        headers={"Content-Type": "text/csv"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert {"DRUM_THREADS", "DRUM_READ_TIMEOUT", "MAX_WORKERS"} <= ARGUMENT_VARIABLES
