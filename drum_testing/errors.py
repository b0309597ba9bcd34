"""The model's faults, and the error a model raises to answer a status of its own.

``CustomHTTPError`` is public: model code raises it to answer with a status of its own,
with DRUM's signature ``CustomHTTPError(message, status_code=400)``. The others say the
model is at fault: its folder could not be loaded (:class:`ModelLoadError`), or a hook
returned something that cannot be served (:class:`ModelOutputError`, a 500). A client's
mistakes are :class:`drum_testing.http.errors.RequestError`.
"""

from __future__ import annotations

DEFAULT_USER_ERROR_MESSAGE = "User's HTTP error in custom model"


class BaseCustomUserError(Exception):
    """DRUM's base of the errors a model raises on purpose (``datarobot_drum.drum.exceptions``):
    any subclass answers with its ``status_code`` (400 without one) and its message."""


class CustomHTTPError(BaseCustomUserError):
    """Raised by model code to answer with a status and message of its own, as in DRUM.

    The signature is DRUM's (``datarobot_drum.CustomHTTPError``): the message first, the
    status second, 400 unless given::

        from drum_testing import CustomHTTPError

        def score_unstructured(model, data, **kwargs):
            if not data:
                raise CustomHTTPError("send me some tea", 418)

    The client gets ``418 {"message": "send me some tea"}`` (the message as raised, as DRUM
    sends it) and the header ``X-Drum-User-Http-Error: true``. DRUM's own class, raised by a
    model that imports it from ``datarobot_drum``, is answered the same way.
    """

    def __init__(self, message: str = DEFAULT_USER_ERROR_MESSAGE, status_code: int = 400) -> None:
        # DRUM sends any status; ours must be an error status so every server type can send
        # it alike (a 2xx or 3xx from an error would be read as success by clients).
        if not isinstance(status_code, int) or not 400 <= status_code <= 599:
            raise ValueError(
                f"CustomHTTPError(message, status_code) needs a 4xx or 5xx status_code, "
                f"got {status_code!r}"
            )
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def user_http_error(exc: BaseException) -> tuple[int, str] | None:
    """``(status, message)`` if ``exc`` is a user's HTTP error, ours or DRUM's, else None.

    DRUM's is recognised by its base class, without importing DRUM: any exception that
    derives from ``datarobot_drum``'s ``BaseCustomUserError`` answers with its
    ``status_code`` (400 when it has none) and ``str(exc)``, as DRUM's error handler does.
    """
    if isinstance(exc, CustomHTTPError):
        return exc.status_code, str(exc)
    if isinstance(exc, BaseCustomUserError):
        return _user_status(exc)
    for cls in type(exc).__mro__:
        if cls.__name__ == "BaseCustomUserError" and cls.__module__.startswith("datarobot_drum"):
            return _user_status(exc)
    return None


def is_custom_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an error the model raised on purpose (a ``BaseCustomUserError``,
    ours or DRUM's): DRUM lets it through as raised instead of wrapping it."""
    return isinstance(exc, BaseCustomUserError) or any(
        cls.__name__ == "BaseCustomUserError" and cls.__module__.startswith("datarobot_drum")
        for cls in type(exc).__mro__
    )


def _user_status(exc: BaseException) -> tuple[int, str] | None:
    status = getattr(exc, "status_code", 400)
    if isinstance(status, int) and 400 <= status <= 599:
        return status, str(exc)
    return None


class ModelLoadError(Exception):
    """The model folder could not be loaded; the message says why and the cause is chained.

    The message is DRUM's where DRUM has one for the case (clients and DRUM's tests match on
    it); ``detail``, when there is one, is what we add to help, logged and printed beside it.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def describe(self) -> str:
        """The message, then the detail on a line of its own."""
        return self.message if self.detail is None else f"{self.message}\n{self.detail}"


class ModelOutputError(Exception):
    """The model's hooks returned something we cannot serve; the model's fault, a 500."""
