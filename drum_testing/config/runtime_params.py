"""DataRobot's runtime parameters: the JSON every one of them is, parsed in one place.

Parameter ``NAME`` is the environment variable ``MLOPS_RUNTIME_PARAM_NAME`` holding JSON
``{"type": TYPE, "payload": VALUE}``: DataRobot sets them, and ``--runtime-params-file``
sets them from a YAML file (:mod:`~drum_testing.config.runtime_params_file`). A model reads
them with :class:`drum_testing.RuntimeParameters`; the server reads the ones that configure
it (``DRUM_SERVER_TYPE``) through :func:`parse_param` too. What each type accepts and returns
is DRUM 1.18's schema, kept exactly (quirks included) so that a model gets the same value,
or the same exception, on both:

============  ==========================================================================
type          payload accepted, returned unchanged
============  ==========================================================================
string        a non-empty string, or null
deployment    a non-empty string, or null
boolean       true, false or null
numeric       a number (int stays int, float stays float), a string ``float()`` reads
              (returned as that string), true/false, or null
credential    an object with a non-empty string ``credentialType`` (other keys kept), or
              null; returned as a dict
============  ==========================================================================
"""

from __future__ import annotations

import enum
import json
from typing import Any

RUNTIME_PARAM_PREFIX = "MLOPS_RUNTIME_PARAM_"
"""Runtime parameter ``NAME`` is the variable ``MLOPS_RUNTIME_PARAM_NAME``."""


class RuntimeParameterException(Exception):
    """The base of every runtime-parameter error, as in DRUM."""


class InvalidJsonException(RuntimeParameterException):
    """The parameter's variable does not hold JSON."""


class InvalidRuntimeParam(RuntimeParameterException):
    """The parameter's JSON does not match its declared type."""


class InvalidInputFilePath(RuntimeParameterException):
    """The runtime-parameter values file (or the model metadata it needs) is missing."""


class InvalidEmptyYamlContent(RuntimeParameterException):
    """The values file or the model metadata is empty."""


class InvalidYamlContent(RuntimeParameterException):
    """The values file or the model metadata is not valid YAML of the expected shape."""


class ErrorLoadingRuntimeParameter(RuntimeParameterException):
    """A parameter definition, or a value in the values file, is invalid."""


class RuntimeParameterType(str, enum.Enum):
    STRING = "string"
    BOOLEAN = "boolean"
    CREDENTIAL = "credential"
    DEPLOYMENT = "deployment"
    NUMERIC = "numeric"


ENVELOPE_KEYS = frozenset({"type", "payload"})


def as_number(value: object) -> float | None:
    """``value`` as a float if DRUM's schema takes it as a number, else None.

    Numbers (bools included: they are numbers to Python) and strings ``float()`` reads.
    """
    if not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):
        return None


def payload_problem(
    param_type: RuntimeParameterType,
    payload: object,
    min_value: float | None = None,
    max_value: float | None = None,
) -> str | None:
    """What is wrong with ``payload`` for ``param_type`` (and the numeric bounds), or None.

    ::

        >>> payload_problem(RuntimeParameterType.STRING, "")
        'a string parameter needs a non-empty string or null'
        >>> payload_problem(RuntimeParameterType.NUMERIC, 5, max_value=3)
        'the value is greater than the maximum 3'
    """
    if payload is None:
        return None
    if param_type in (RuntimeParameterType.STRING, RuntimeParameterType.DEPLOYMENT):
        if isinstance(payload, str) and payload:
            return None
        return f"a {param_type.value} parameter needs a non-empty string or null"
    if param_type is RuntimeParameterType.BOOLEAN:
        return (
            None if isinstance(payload, bool) else "a boolean parameter needs true, false or null"
        )
    if param_type is RuntimeParameterType.CREDENTIAL:
        kind = payload.get("credentialType") if isinstance(payload, dict) else None
        if isinstance(kind, str) and kind:
            return None
        return "a credential parameter needs an object with a non-empty credentialType, or null"
    number = as_number(payload)
    if number is None:
        return "a numeric parameter needs a number or null"
    # Comparisons as DRUM makes them: NaN is within any bounds.
    if min_value is not None and number < min_value:
        return f"the value is less than the minimum {min_value:g}"
    if max_value is not None and number > max_value:
        return f"the value is greater than the maximum {max_value:g}"
    return None


def parse_param(key: str, raw: str) -> Any:
    """The payload of parameter ``key`` from its variable's text, checked against its type."""
    try:
        envelope = json.loads(raw)
    except json.JSONDecodeError as exc:
        # Unlike DRUM, the message leaves the value out: it may be a secret.
        raise InvalidJsonException(
            f"Invalid runtime parameter json payload for '{key}': {exc.msg}"
        ) from None
    if not isinstance(envelope, dict) or set(envelope) != ENVELOPE_KEYS:
        raise InvalidRuntimeParam(
            f"Invalid runtime parameter '{key}': expected a JSON object with exactly the keys "
            '"type" and "payload"'
        )
    try:
        param_type = RuntimeParameterType(envelope["type"])
    except ValueError:
        accepted = ", ".join(t.value for t in RuntimeParameterType)
        raise InvalidRuntimeParam(
            f"Invalid runtime parameter '{key}': unknown type {envelope['type']!r} ({accepted})"
        ) from None
    problem = payload_problem(param_type, envelope["payload"])
    if problem is not None:
        raise InvalidRuntimeParam(f"Invalid runtime parameter '{key}': {problem}")
    return envelope["payload"]


def param_variable(name: str) -> str:
    """The variable that holds parameter ``name``: ``MLOPS_RUNTIME_PARAM_<name>``."""
    return f"{RUNTIME_PARAM_PREFIX}{name}"
