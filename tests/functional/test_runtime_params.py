"""A model reads its runtime parameters, from the environment or --runtime-params-file.

The expected answers are what DRUM 1.18.1 gives the same model for the same variables and
file (the file's values and defaults replace the variables; undeclared names are ignored).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS

RUNTIME_PARAMS_FILE_ENV = "RUNTIME_PARAMS_FILE"

MODEL = MODELS / "runtime_params"
NAMES = [
    "GREETING",
    "THRESHOLD",
    "RATIO",
    "ENABLED",
    "DATABASE",
    "DEPLOYMENT",
    "UNSET",
    "ENV_ONLY",
    "BROKEN",
]
CREDENTIAL = {"credentialType": "basic", "user": "model", "password": "s3cret"}


def param(param_type: str, payload: object) -> str:
    return json.dumps({"type": param_type, "payload": payload})


ENVIRONMENT = {
    "MLOPS_RUNTIME_PARAM_GREETING": param("string", "from the environment"),
    "MLOPS_RUNTIME_PARAM_THRESHOLD": param("numeric", 2.5),
    "MLOPS_RUNTIME_PARAM_RATIO": param("numeric", 3),
    "MLOPS_RUNTIME_PARAM_ENABLED": param("boolean", False),
    "MLOPS_RUNTIME_PARAM_DATABASE": param("credential", CREDENTIAL),
    "MLOPS_RUNTIME_PARAM_DEPLOYMENT": param("deployment", "deployment-1"),
    "MLOPS_RUNTIME_PARAM_ENV_ONLY": param("numeric", 7),
    "MLOPS_RUNTIME_PARAM_BROKEN": "not json",
}
VALUES_FILE = """\
THRESHOLD: 7
RATIO: 0.25
ENABLED: true
DATABASE:
  credentialType: basic
  user: model
  password: s3cret
UNDECLARED: ignored
"""


def ask(run: DrumServerRun) -> dict[str, Any]:
    answer = requests.post(
        run.url_server_address + "/predictUnstructured/",
        data=",".join(NAMES),
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def values(answer: dict[str, Any]) -> dict[str, Any]:
    """``{name: (value, type name)}``, or ``(exception name, has)`` where get raised."""
    return {
        name: (entry["value"], entry["type"])
        if "value" in entry
        else (entry["error"], entry["has"])
        for name, entry in answer["params"].items()
    }


def test_parameters_from_the_environment(drum_server: DrumServerFactory) -> None:
    answer = ask(drum_server("unstructured", None, MODEL, env=ENVIRONMENT))
    assert values(answer) == {
        "GREETING": ("from the environment", "str"),
        "THRESHOLD": (2.5, "float"),
        "RATIO": (3, "int"),
        "ENABLED": (False, "bool"),
        "DATABASE": (CREDENTIAL, "dict"),
        "DEPLOYMENT": ("deployment-1", "str"),
        "UNSET": ("ValueError", False),
        "ENV_ONLY": (7, "int"),
        "BROKEN": ("InvalidJsonException", True),
    }
    assert answer["at_load"] == "from the environment"


FROM_FILE = {
    "GREETING": ("hello", "str"),  # the declared default replaces the variable
    "THRESHOLD": (7, "int"),
    "RATIO": (0.25, "float"),
    "ENABLED": (True, "bool"),
    "DATABASE": (CREDENTIAL, "dict"),
    "DEPLOYMENT": (None, "NoneType"),  # declared without a value: null replaces the variable
    "UNSET": (None, "NoneType"),
    "ENV_ONLY": (7, "int"),  # not declared: the variable stays
    "BROKEN": ("InvalidJsonException", True),
}


def test_parameters_from_the_runtime_params_file(
    drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(VALUES_FILE, encoding="utf-8")
    run = drum_server(
        "unstructured",
        None,
        MODEL,
        env=ENVIRONMENT,
        extra_args=["--runtime-params-file", str(values_file)],
    )
    answer = ask(run)
    assert values(answer) == FROM_FILE
    assert answer["at_load"] == "hello"


def test_every_worker_sees_the_file_given_by_its_variable(
    drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(VALUES_FILE, encoding="utf-8")
    env = {**ENVIRONMENT, RUNTIME_PARAMS_FILE_ENV: str(values_file)}
    run = drum_server("unstructured", None, MODEL, env=env, max_workers=2)
    answers = [ask(run) for _ in range(8)]
    assert all(values(answer) == FROM_FILE for answer in answers)
    assert all(answer["at_load"] == "hello" for answer in answers)
