"""runtime_params_file.py: the variables a values file sets, and its errors, as in DRUM 1.18.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from drum_testing.config.runtime_params_file import load_runtime_params_file, read_definitions
from drum_testing.runtime_parameters import (
    ErrorLoadingRuntimeParameter,
    InvalidEmptyYamlContent,
    InvalidInputFilePath,
    InvalidYamlContent,
    RuntimeParameterException,
)
from tests.helpers.models import MODELS

FIXTURE = MODELS / "runtime_params"

DEFINITIONS: list[dict[str, Any]] = [
    {"fieldName": "GREETING", "type": "string", "defaultValue": "hello", "description": "x"},
    {"fieldName": "THRESHOLD", "type": "numeric", "minValue": 0, "maxValue": 10},
    {"fieldName": "ENABLED", "type": "boolean"},
    {"fieldName": "DATABASE", "type": "credential"},
    {"fieldName": "DEPLOYMENT", "type": "deployment"},
]


def model_dir(tmp_path: Path, definitions: object = DEFINITIONS, text: str | None = None) -> Path:
    code_dir = tmp_path / "model"
    code_dir.mkdir(exist_ok=True)
    metadata = {"name": "m", "targetType": "unstructured"}
    if definitions is not None:
        metadata["runtimeParameterDefinitions"] = definitions  # type: ignore[assignment]
    (code_dir / "model-metadata.yaml").write_text(
        yaml.safe_dump(metadata) if text is None else text, encoding="utf-8"
    )
    return code_dir


def values_file(tmp_path: Path, values: object = None, text: str | None = None) -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values) if text is None else text, encoding="utf-8")
    return path


def decoded(variables: dict[str, str]) -> dict[str, Any]:
    return {name: json.loads(value) for name, value in variables.items()}


def test_every_declared_parameter_is_set_from_file_default_or_null(tmp_path: Path) -> None:
    values = {
        "THRESHOLD": 5,
        "ENABLED": True,
        "DATABASE": {"credentialType": "basic", "user": "u", "password": "p"},
        "UNDECLARED": "ignored",
    }
    variables = load_runtime_params_file(values_file(tmp_path, values), model_dir(tmp_path))
    assert decoded(variables) == {
        "MLOPS_RUNTIME_PARAM_GREETING": {"type": "string", "payload": "hello"},
        "MLOPS_RUNTIME_PARAM_THRESHOLD": {"type": "numeric", "payload": 5},
        "MLOPS_RUNTIME_PARAM_ENABLED": {"type": "boolean", "payload": True},
        "MLOPS_RUNTIME_PARAM_DATABASE": {
            "type": "credential",
            "payload": {"credentialType": "basic", "user": "u", "password": "p"},
        },
        "MLOPS_RUNTIME_PARAM_DEPLOYMENT": {"type": "deployment", "payload": None},
    }


def test_the_file_value_replaces_the_default(tmp_path: Path) -> None:
    variables = load_runtime_params_file(
        values_file(tmp_path, {"GREETING": "hi"}), model_dir(tmp_path)
    )
    assert json.loads(variables["MLOPS_RUNTIME_PARAM_GREETING"])["payload"] == "hi"


def test_numeric_string_kept_as_a_string_like_drum(tmp_path: Path) -> None:
    variables = load_runtime_params_file(
        values_file(tmp_path, {"THRESHOLD": "7"}), model_dir(tmp_path)
    )
    assert json.loads(variables["MLOPS_RUNTIME_PARAM_THRESHOLD"])["payload"] == "7"


def test_the_fixture_model_declares_parameters() -> None:
    names = [d.name for d in read_definitions(FIXTURE)]
    assert names == [
        "GREETING",
        "THRESHOLD",
        "RATIO",
        "ENABLED",
        "DATABASE",
        "DEPLOYMENT",
        "UNSET",
    ]


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        pytest.param(
            {"THRESHOLD": 50},
            ErrorLoadingRuntimeParameter,
            "failed to load runtime parameter 'THRESHOLD': "
            "the value is greater than the maximum 10",
            id="above-max",
        ),
        pytest.param(
            {"THRESHOLD": -1},
            ErrorLoadingRuntimeParameter,
            "the value is less than the minimum 0",
            id="below-min",
        ),
        pytest.param(
            {"GREETING": ""},
            ErrorLoadingRuntimeParameter,
            "'GREETING': a string parameter needs a non-empty string or null",
            id="empty-string",
        ),
        pytest.param(
            {"ENABLED": "yes"},
            ErrorLoadingRuntimeParameter,
            "'ENABLED': a boolean parameter needs true, false or null",
            id="boolean-word",
        ),
        pytest.param(
            {"DATABASE": {"user": "u"}},
            ErrorLoadingRuntimeParameter,
            "'DATABASE': a credential parameter needs an object with a non-empty credentialType",
            id="credential-without-type",
        ),
        pytest.param(
            {"THRESHOLD": "lots"},
            ErrorLoadingRuntimeParameter,
            "'THRESHOLD': a numeric parameter needs a number or null",
            id="numeric-word",
        ),
        pytest.param(
            ["THRESHOLD"], InvalidYamlContent, "must map parameter names to values", id="a-list"
        ),
        pytest.param({}, InvalidEmptyYamlContent, "is empty", id="empty-mapping"),
    ],
)
def test_bad_values(
    values: object, error: type[RuntimeParameterException], message: str, tmp_path: Path
) -> None:
    with pytest.raises(error) as caught:
        load_runtime_params_file(values_file(tmp_path, values), model_dir(tmp_path))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_empty_values_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidEmptyYamlContent, match="is empty"):
        load_runtime_params_file(values_file(tmp_path, text=""), model_dir(tmp_path))


def test_invalid_yaml_is_one_line_with_its_place(tmp_path: Path) -> None:
    path = values_file(tmp_path, text="A: [1, 2\nB: 3\n")
    with pytest.raises(InvalidYamlContent) as caught:
        load_runtime_params_file(path, model_dir(tmp_path))
    assert str(caught.value).startswith(f"the runtime parameter values file {path} is not valid")
    assert "(line " in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_values_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputFilePath, match=r"values file .*/nope\.yaml does not exist"):
        load_runtime_params_file(tmp_path / "nope.yaml", model_dir(tmp_path))


def test_values_file_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputFilePath, match="cannot read the runtime parameter values"):
        load_runtime_params_file(tmp_path, model_dir(tmp_path))


def test_model_metadata_must_exist(tmp_path: Path) -> None:
    code_dir = tmp_path / "bare"
    code_dir.mkdir()
    with pytest.raises(InvalidInputFilePath) as caught:
        load_runtime_params_file(values_file(tmp_path, {"A": 1}), code_dir)
    assert str(caught.value) == (
        f"model-metadata.yaml must exist in {code_dir} to use runtime parameters"
    )


@pytest.mark.parametrize(
    ("definitions", "text", "error", "message"),
    [
        pytest.param(None, None, InvalidYamlContent, "at least one parameter", id="none"),
        pytest.param([], None, InvalidYamlContent, "at least one parameter", id="empty-list"),
        pytest.param(None, "", InvalidEmptyYamlContent, "is empty", id="empty-metadata"),
        pytest.param(None, "a: [", InvalidYamlContent, "not valid YAML", id="bad-yaml"),
        pytest.param(
            [{"type": "string"}],
            None,
            ErrorLoadingRuntimeParameter,
            "needs a non-empty string fieldName",
            id="no-name",
        ),
        pytest.param(
            [{"fieldName": "A", "type": "text"}],
            None,
            ErrorLoadingRuntimeParameter,
            "runtime parameter 'A' has type 'text'; accepted: string, boolean",
            id="unknown-type",
        ),
        pytest.param(
            [{"fieldName": "A", "type": "numeric", "minValue": "low"}],
            None,
            ErrorLoadingRuntimeParameter,
            "runtime parameter 'A': minValue must be a number",
            id="bad-bound",
        ),
        pytest.param(
            [{"fieldName": "A", "type": "string", "allowEmpty": "no"}],
            None,
            ErrorLoadingRuntimeParameter,
            "allowEmpty must be a bool",
            id="bad-allow-empty",
        ),
        pytest.param(
            [{"fieldName": "A", "type": "string"}, {"fieldName": "A", "type": "numeric"}],
            None,
            ErrorLoadingRuntimeParameter,
            "runtime parameter 'A' is declared twice",
            id="duplicate",
        ),
        pytest.param(
            [{"fieldName": "A", "type": "string", "defaultValue": 3}],
            None,
            ErrorLoadingRuntimeParameter,
            "failed to load runtime parameter 'A'",
            id="bad-default",
        ),
    ],
)
def test_bad_definitions(
    definitions: object,
    text: str | None,
    error: type[RuntimeParameterException],
    message: str,
    tmp_path: Path,
) -> None:
    code_dir = model_dir(tmp_path, definitions, text)
    with pytest.raises(error) as caught:
        load_runtime_params_file(values_file(tmp_path, {"OTHER": "x"}), code_dir)
    assert message in str(caught.value)
