"""``RuntimeParameters``: the values and secrets DataRobot hands a model, read as DRUM reads them.

A model reads its parameters with :class:`RuntimeParameters`, the same on every server type
and under DRUM::

    from drum_testing import RuntimeParameters

    def load_model(code_dir):
        if RuntimeParameters.has("THRESHOLD"):
            threshold = RuntimeParameters.get("THRESHOLD")    # numeric: int or float
        database = RuntimeParameters.get("DB_CREDENTIAL")     # credential: a dict
        ...

The values, their types and the exceptions are DRUM 1.18's
(:mod:`drum_testing.config.runtime_params`, where the JSON is parsed).
"""

from __future__ import annotations

import os
from typing import Any

from drum_testing.config.runtime_params import (
    RUNTIME_PARAM_PREFIX,
    ErrorLoadingRuntimeParameter,
    InvalidEmptyYamlContent,
    InvalidInputFilePath,
    InvalidJsonException,
    InvalidRuntimeParam,
    InvalidYamlContent,
    RuntimeParameterException,
    parse_param,
)

__all__ = [
    "ErrorLoadingRuntimeParameter",
    "InvalidEmptyYamlContent",
    "InvalidInputFilePath",
    "InvalidJsonException",
    "InvalidRuntimeParam",
    "InvalidYamlContent",
    "RuntimeParameterException",
    "RuntimeParameters",
]


class RuntimeParameters:
    """Read the runtime parameters of the running model, exactly as DRUM's class does.

    Values are read from the process environment at each call, as DRUM reads them: what
    ``--runtime-params-file`` set at start-up is there (in every worker), and a model's own
    unit tests can set ``MLOPS_RUNTIME_PARAM_*`` with ``monkeypatch.setenv``.
    """

    PARAM_PREFIX = RUNTIME_PARAM_PREFIX.rstrip("_")

    @classmethod
    def get(cls, key: str) -> Any:
        """The value of parameter ``key``: str, bool, int or float, a dict, or None.

        Raises ValueError if it is not set, :class:`InvalidJsonException` if its variable is
        not JSON, :class:`InvalidRuntimeParam` if the value does not match its type::

            RuntimeParameters.get("THRESHOLD")   # {"type": "numeric", "payload": 0.5} -> 0.5
        """
        raw = os.environ.get(cls.namespaced_param_name(key))
        if raw is None:
            raise ValueError(f"Runtime parameter '{key}' does not exist!")
        return parse_param(key, raw)

    @classmethod
    def has(cls, param_name: str) -> bool:
        """Whether parameter ``param_name`` is set (its value is not checked)."""
        return cls.namespaced_param_name(param_name) in os.environ

    @classmethod
    def namespaced_param_name(cls, param_name: str) -> str:
        """The variable that holds a parameter: ``MLOPS_RUNTIME_PARAM_<param_name>``.

        The parameter names are DRUM's (``get(key)``, ``has(param_name)``), so a model that
        passes them by keyword runs on both."""
        return f"{cls.PARAM_PREFIX}_{param_name}"
