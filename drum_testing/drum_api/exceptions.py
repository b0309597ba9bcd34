"""``datarobot_drum.drum.exceptions``: DRUM's exception classes, for model code to raise and catch.

``CustomHTTPError`` and ``BaseCustomUserError`` are drum_testing's own
(:mod:`drum_testing.errors`), so a model's ``raise CustomHTTPError("...", status_code=418)``
is answered as DRUM answers it, whichever name the model imported it by.
"""

from __future__ import annotations

from drum_testing.errors import BaseCustomUserError, CustomHTTPError

HTTP_BAD_REQUEST = 400

__all__ = [
    "HTTP_BAD_REQUEST",
    "BaseCustomUserError",
    "CustomHTTPError",
    "DrumCommonException",
    "DrumException",
    "DrumFormatSchemaException",
    "DrumPerfTestOOM",
    "DrumPerfTestTimeout",
    "DrumPredException",
    "DrumRootComponentException",
    "DrumSchemaValidationException",
    "DrumSerializationError",
    "DrumTransformException",
    "UnrecoverableConfigurationError",
    "UnrecoverableError",
]


class DrumException(Exception):
    """The base of DRUM's own errors."""


class DrumCommonException(DrumException):
    """A general DRUM error."""


class DrumPerfTestTimeout(DrumException):
    """A performance-test case ran too long."""


class DrumPerfTestOOM(DrumException):
    """A performance-test container ran out of memory."""


class DrumPredException(DrumException):
    """A prediction consistency check failed."""


class DrumFormatSchemaException(DrumException):
    """``model-metadata.yaml`` could not be parsed."""


class DrumSchemaValidationException(DrumException):
    """Data did not match the schema of ``model-metadata.yaml``."""


class DrumTransformException(DrumException):
    """A transform task went wrong."""


class DrumSerializationError(DrumException):
    """A custom task could not be saved or loaded."""


class DrumRootComponentException(DrumException):
    """A root component went wrong."""


class UnrecoverableError(DrumException):
    """A fatal error: the runner stops."""


class UnrecoverableConfigurationError(UnrecoverableError):
    """A configuration file could not be read or checked."""
