"""``datarobot_drum.runtime_parameters`` (and its ``runtime_parameters`` and ``exceptions``
modules): :class:`~drum_testing.runtime_parameters.RuntimeParameters` and its exceptions."""

from __future__ import annotations

from drum_testing.runtime_parameters import (
    ErrorLoadingRuntimeParameter,
    InvalidEmptyYamlContent,
    InvalidInputFilePath,
    InvalidJsonException,
    InvalidRuntimeParam,
    InvalidYamlContent,
    RuntimeParameterException,
    RuntimeParameters,
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
