"""CustomHTTPError has DRUM's signature, and DRUM's own class is recognised too."""

from __future__ import annotations

import pytest

from drum_testing.errors import CustomHTTPError, user_http_error


def test_drums_signature_message_first_status_400_by_default() -> None:
    assert user_http_error(CustomHTTPError("msg", 418)) == (418, "msg")
    assert user_http_error(CustomHTTPError("msg", status_code=503)) == (503, "msg")
    assert user_http_error(CustomHTTPError("msg")) == (400, "msg")
    assert user_http_error(CustomHTTPError()) == (400, "User's HTTP error in custom model")


@pytest.mark.parametrize("status", [200, 302, 600, "418", 418.0])
def test_a_status_that_is_not_an_error_is_refused(status: object) -> None:
    with pytest.raises(ValueError, match="needs a 4xx or 5xx status_code"):
        CustomHTTPError("msg", status)  # type: ignore[arg-type]


def _drum_class(name: str, base_name: str, module: str) -> type[Exception]:
    base = type(base_name, (Exception,), {"__module__": module})
    return type(name, (base,), {"__module__": module})


def test_drums_own_class_is_answered_as_drum_answers_it() -> None:
    drum_error = _drum_class(
        "CustomHTTPError", "BaseCustomUserError", "datarobot_drum.drum.exceptions"
    )
    exc = drum_error("from a DRUM model")
    exc.status_code = 422  # type: ignore[attr-defined]
    assert user_http_error(exc) == (422, "from a DRUM model")
    assert user_http_error(drum_error("no status")) == (400, "no status")


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("plain"),
        _drum_class("CustomHTTPError", "BaseCustomUserError", "somebody_else")("lookalike"),
    ],
)
def test_other_exceptions_are_not_user_errors(exc: Exception) -> None:
    assert user_http_error(exc) is None
