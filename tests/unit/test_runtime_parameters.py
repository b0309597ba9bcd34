"""runtime_parameters.py: RuntimeParameters.get/has give what DRUM 1.18.1's give.

The expected values and exception types were observed by running DRUM's own
``datarobot_drum.RuntimeParameters`` on the same variables.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import drum_testing
from drum_testing.config.runtime_params import RuntimeParameterType, payload_problem
from drum_testing.runtime_parameters import (
    InvalidJsonException,
    InvalidRuntimeParam,
    RuntimeParameterException,
    RuntimeParameters,
)

VARIABLE = "MLOPS_RUNTIME_PARAM_P"


def set_param(monkeypatch: pytest.MonkeyPatch, envelope: object) -> None:
    monkeypatch.setenv(VARIABLE, json.dumps(envelope))


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        ({"type": "string", "payload": "x"}, "x"),
        ({"type": "string", "payload": " "}, " "),
        ({"type": "string", "payload": None}, None),
        ({"type": "deployment", "payload": "abc"}, "abc"),
        ({"type": "boolean", "payload": True}, True),
        ({"type": "boolean", "payload": False}, False),
        ({"type": "boolean", "payload": None}, None),
        ({"type": "numeric", "payload": 1}, 1),
        ({"type": "numeric", "payload": 1.5}, 1.5),
        ({"type": "numeric", "payload": 10**30}, 10**30),
        # DRUM's schema takes strings float() reads, and bools, and returns them unchanged.
        ({"type": "numeric", "payload": "2.5"}, "2.5"),
        ({"type": "numeric", "payload": " 2 "}, " 2 "),
        ({"type": "numeric", "payload": True}, True),
        ({"type": "numeric", "payload": None}, None),
        (
            {"type": "credential", "payload": {"credentialType": "basic", "user": "u"}},
            {"credentialType": "basic", "user": "u"},
        ),
        ({"type": "credential", "payload": None}, None),
    ],
)
def test_get_returns_the_payload_as_drum_does(
    envelope: dict[str, Any], expected: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_param(monkeypatch, envelope)
    value = RuntimeParameters.get("P")
    assert value == expected
    assert type(value) is type(expected)
    assert RuntimeParameters.has("P")


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param({"type": "string", "payload": ""}, id="empty-string"),
        pytest.param({"type": "string", "payload": 5}, id="string-number"),
        pytest.param({"type": "string", "payload": True}, id="string-bool"),
        pytest.param({"type": "deployment", "payload": ""}, id="empty-deployment"),
        pytest.param({"type": "boolean", "payload": "true"}, id="boolean-string"),
        pytest.param({"type": "boolean", "payload": 1}, id="boolean-number"),
        pytest.param({"type": "numeric", "payload": "abc"}, id="numeric-word"),
        pytest.param({"type": "numeric", "payload": "0x10"}, id="numeric-hex"),
        pytest.param({"type": "numeric", "payload": [1]}, id="numeric-list"),
        pytest.param({"type": "credential", "payload": {"a": 1}}, id="no-credential-type"),
        pytest.param({"type": "credential", "payload": {"credentialType": ""}}, id="empty-type"),
        pytest.param({"type": "credential", "payload": {"credentialType": 5}}, id="number-type"),
        pytest.param({"type": "credential", "payload": "x"}, id="credential-string"),
        pytest.param({"type": "string"}, id="no-payload"),
        pytest.param({"payload": "x"}, id="no-type"),
        pytest.param({"type": "string", "payload": "x", "extra": 1}, id="extra-key"),
        pytest.param({"type": "STRING", "payload": "x"}, id="type-case"),
        pytest.param({"type": "other", "payload": "x"}, id="unknown-type"),
        pytest.param("string", id="not-an-object"),
        pytest.param(None, id="null"),
    ],
)
def test_get_raises_invalid_runtime_param(
    envelope: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_param(monkeypatch, envelope)
    with pytest.raises(InvalidRuntimeParam, match="Invalid runtime parameter 'P'"):
        RuntimeParameters.get("P")
    assert RuntimeParameters.has("P")  # has() does not check the value


@pytest.mark.parametrize("raw", ["not json", "", "{'type': 'string'}"])
def test_get_raises_invalid_json_without_the_value(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VARIABLE, raw)
    with pytest.raises(InvalidJsonException) as caught:
        RuntimeParameters.get("P")
    assert str(caught.value).startswith("Invalid runtime parameter json payload for 'P': ")
    if raw:
        assert raw not in str(caught.value)  # it may be a secret


def test_missing_parameter_is_a_value_error_with_drums_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MLOPS_RUNTIME_PARAM_NOPE", raising=False)
    assert not RuntimeParameters.has("NOPE")
    with pytest.raises(ValueError, match=r"^Runtime parameter 'NOPE' does not exist!$"):
        RuntimeParameters.get("NOPE")


def test_numeric_nan_passes_as_in_drum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, '{"type": "numeric", "payload": NaN}')
    value = RuntimeParameters.get("P")
    assert isinstance(value, float)
    assert value != value


def test_errors_share_drums_base_class() -> None:
    assert issubclass(InvalidJsonException, RuntimeParameterException)
    assert issubclass(InvalidRuntimeParam, RuntimeParameterException)
    assert not issubclass(InvalidRuntimeParam, ValueError)  # as in DRUM


def test_names_and_prefix_as_in_drum() -> None:
    assert RuntimeParameters.PARAM_PREFIX == "MLOPS_RUNTIME_PARAM"
    assert RuntimeParameters.namespaced_param_name("X") == "MLOPS_RUNTIME_PARAM_X"


def test_reads_the_environment_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    set_param(monkeypatch, {"type": "string", "payload": "first"})
    assert RuntimeParameters.get("P") == "first"
    set_param(monkeypatch, {"type": "string", "payload": "second"})
    assert RuntimeParameters.get("P") == "second"


def test_importable_from_the_package() -> None:
    assert drum_testing.RuntimeParameters is RuntimeParameters
    assert "RuntimeParameters" in drum_testing.__all__


@pytest.mark.parametrize(
    ("payload", "bounds", "problem"),
    [
        (5, (0.0, 10.0), None),
        (0, (0.0, 10.0), None),
        (10, (0.0, 10.0), None),
        (-1, (0.0, 10.0), "the value is less than the minimum 0"),
        (10.5, (0.0, 10.0), "the value is greater than the maximum 10"),
        ("11", (None, 10.0), "the value is greater than the maximum 10"),
        (float("nan"), (0.0, 10.0), None),
        (None, (0.0, 10.0), None),
    ],
)
def test_numeric_bounds(
    payload: object, bounds: tuple[float | None, float | None], problem: str | None
) -> None:
    assert payload_problem(RuntimeParameterType.NUMERIC, payload, *bounds) == problem
