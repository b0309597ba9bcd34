"""The exceptions that cross module boundaries.

``CustomHTTPError`` is public: model code raises it to answer with a status of its own.
``RequestError`` is ours: request decoding raises it for a client's mistake, and the core
turns it into ``{"message": "ERROR: ..."}`` with its status.
"""

from __future__ import annotations


class CustomHTTPError(Exception):
    """Raised by model code to answer with a chosen status and message.

    ::

        from drum_testing import CustomHTTPError

        def score_unstructured(model, data, **kwargs):
            if not data:
                raise CustomHTTPError(418, "send me some tea")

    The client gets ``418 {"message": "ERROR: send me some tea"}`` and the header
    ``X-Drum-User-Http-Error: true``.
    """

    def __init__(self, status_code: int, message: str) -> None:
        if not 400 <= int(status_code) <= 599:
            raise ValueError(f"CustomHTTPError needs a 4xx or 5xx status, got {status_code}")
        super().__init__(message)
        self.status_code = int(status_code)
        self.message = message


class RequestError(Exception):
    """A request we cannot serve because of what the client sent (a 4xx)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ModelLoadError(Exception):
    """The model folder could not be loaded; the message says why and the cause is chained."""
