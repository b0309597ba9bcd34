"""``--runtime-params-file``: runtime parameter values from a YAML file, as DRUM loads them.

Outside DataRobot, DRUM takes parameter values from a YAML file of ``NAME: value``; the
model declares its parameters in ``model-metadata.yaml``::

    runtimeParameterDefinitions:
      - fieldName: THRESHOLD
        type: numeric          # string, boolean, numeric, credential or deployment
        defaultValue: 0.5      # optional
        minValue: 0            # optional, numeric only
        maxValue: 1

DRUM's rules, kept: every *declared* parameter is set, to the file's value, else its
``defaultValue``, else null, replacing a ``MLOPS_RUNTIME_PARAM_*`` variable already set;
names in the file that are not declared are ignored; a value that does not fit its type
(or bounds) is an error. ``load_runtime_params_file`` returns the variables to set; setting
them is the caller's business (the command line's, at start-up).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from .runtime_params import (
    ErrorLoadingRuntimeParameter,
    InvalidEmptyYamlContent,
    InvalidInputFilePath,
    InvalidYamlContent,
    RuntimeParameterType,
    as_number,
    param_variable,
    payload_problem,
)

METADATA_FILE = "model-metadata.yaml"
"""The model folder's metadata, where it declares its runtime parameters (and more)."""
DEFINITIONS_KEY = "runtimeParameterDefinitions"


class ParameterDefinition(NamedTuple):
    name: str
    type: RuntimeParameterType
    default: Any = None
    min_value: float | None = None
    max_value: float | None = None


def load_runtime_params_file(values_file: Path, code_dir: Path) -> dict[str, str]:
    """The ``MLOPS_RUNTIME_PARAM_*`` variables ``values_file`` sets for the model in ``code_dir``.

    ::

        >>> load_runtime_params_file(Path("values.yaml"), Path("model"))
        {'MLOPS_RUNTIME_PARAM_THRESHOLD': '{"type": "numeric", "payload": 0.7}'}

    Raises a :class:`~drum_testing.config.runtime_params.RuntimeParameterException` subclass
    named as DRUM names it, with a one-line message.
    """
    definitions = read_definitions(code_dir)
    values = _read_yaml(values_file, "the runtime parameter values file")
    if not values:
        raise InvalidEmptyYamlContent(f"the runtime parameter values file {values_file} is empty")
    if not isinstance(values, dict):
        raise InvalidYamlContent(
            f"the runtime parameter values file {values_file} must map parameter names to values"
        )
    variables: dict[str, str] = {}
    for definition in definitions:
        value = values.get(definition.name, definition.default)
        problem = payload_problem(
            definition.type, value, definition.min_value, definition.max_value
        )
        if problem is None:
            try:
                encoded = json.dumps({"type": definition.type.value, "payload": value})
            except (TypeError, ValueError):
                problem = "the value cannot be written as JSON"
        if problem is not None:
            raise ErrorLoadingRuntimeParameter(
                f"failed to load runtime parameter '{definition.name}': {problem}"
            )
        variables[param_variable(definition.name)] = encoded
    return variables


def read_definitions(code_dir: Path) -> list[ParameterDefinition]:
    """The parameters ``code_dir/model-metadata.yaml`` declares; there must be at least one."""
    metadata_file = code_dir / METADATA_FILE
    if not metadata_file.is_file():
        raise InvalidInputFilePath(
            f"{METADATA_FILE} must exist in {code_dir} to use runtime parameters"
        )
    metadata = _read_yaml(metadata_file, "the model metadata")
    if not metadata:
        raise InvalidEmptyYamlContent(f"{metadata_file} is empty")
    declared = metadata.get(DEFINITIONS_KEY) if isinstance(metadata, dict) else None
    if not declared or not isinstance(declared, list):
        raise InvalidYamlContent(
            f"{metadata_file} must declare at least one parameter under '{DEFINITIONS_KEY}'"
        )
    definitions: dict[str, ParameterDefinition] = {}
    for entry in declared:
        definition = _definition(entry)
        if definition.name in definitions:
            raise ErrorLoadingRuntimeParameter(
                f"runtime parameter '{definition.name}' is declared twice in {metadata_file}"
            )
        definitions[definition.name] = definition
    return list(definitions.values())


def _definition(entry: object) -> ParameterDefinition:
    """One entry of ``runtimeParameterDefinitions``, checked as DRUM checks it."""
    if not isinstance(entry, dict):
        raise ErrorLoadingRuntimeParameter(
            f"a runtime parameter definition is not a mapping: {entry!r}"
        )
    name = entry.get("fieldName")
    if not isinstance(name, str) or not name:
        raise ErrorLoadingRuntimeParameter(
            "a runtime parameter definition needs a non-empty string fieldName"
        )
    try:
        param_type = RuntimeParameterType(entry.get("type"))
    except ValueError:
        accepted = ", ".join(t.value for t in RuntimeParameterType)
        raise ErrorLoadingRuntimeParameter(
            f"runtime parameter '{name}' has type {entry.get('type')!r}; accepted: {accepted}"
        ) from None
    if not isinstance(entry.get("allowEmpty", True), bool):
        # Checked, as in DRUM, though DRUM does not act on it either.
        raise ErrorLoadingRuntimeParameter(f"runtime parameter '{name}': allowEmpty must be a bool")
    bounds = []
    for key in ("minValue", "maxValue"):
        raw = entry.get(key)
        bound = None if raw is None else as_number(raw)
        if raw is not None and bound is None:
            raise ErrorLoadingRuntimeParameter(
                f"runtime parameter '{name}': {key} must be a number"
            )
        bounds.append(bound)
    return ParameterDefinition(name, param_type, entry.get("defaultValue"), *bounds)


def _read_yaml(path: Path, what: str) -> Any:
    import yaml  # here, not at the top: the server's start imports this module on every start

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputFilePath(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InvalidInputFilePath(f"cannot read {what} {path}: {reason}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidYamlContent(f"{what} {path} is not valid YAML: {_yaml_problem(exc)}") from None


def _yaml_problem(exc: Exception) -> str:
    """A YAML error in one line (PyYAML's own message spans several)."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem and exc.problem_mark:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split()) or type(exc).__name__
