"""The answers the core itself gives, whichever route a request is for: the list the
OpenAPI document reads (:mod:`.openapi`), one row a rule of :mod:`.core`.

A route describes its own answers (beside its handler); these are added to every
operation a row applies to. A new rule in the core (a status it answers of its own) is one
row here, or the document no longer tells the whole contract. The core's answers that no
operation can declare (404 for a path that is not routed, 405 for a method a route does
not take, 308 to the path with its slash) are told in the document's description.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from drum_testing.config.settings import Settings
from drum_testing.http.messages import BodyFault
from drum_testing.http.openapi import Answer, error_answer

from .routes import Route

REQUEST_ID_HEADERS = ("X-Request-ID", "X_Request_ID")
"""The client's request id (else a new one), sent back under both names, as DRUM does."""
USER_ERROR_HEADER = "X-Drum-User-Http-Error"
"""``true`` on an answer whose status the model chose (its own HTTP error)."""
VERSION_HEADER = "X-Drum-Version"
"""The DRUM version whose behaviour we serve, as DRUM sends its own."""
OWN_VERSION_HEADER = "X-Drum-Testing-Version"
"""drum_testing's own version: which runtime answered."""
ANSWER_HEADERS: Mapping[str, str] = {
    VERSION_HEADER: "the DRUM version whose behaviour is served",
    OWN_VERSION_HEADER: "drum_testing's version",
    **dict.fromkeys(REQUEST_ID_HEADERS, "the request's id: the client's X-Request-ID, else new"),
}
"""The headers every answer carries (:func:`.core.answer_headers`), and what they say."""


def _reads_body(route: Route, settings: Settings) -> bool:
    return bool(route.methods - {"GET", "HEAD"})


def _runs_model(route: Route, settings: Settings) -> bool:
    return route.needs_model


def _error_server(route: Route, settings: Settings) -> bool:
    return settings.with_error_server and route.error_server


def _not_on_error_server(route: Route, settings: Settings) -> bool:
    return settings.with_error_server and not route.error_server


@dataclass(frozen=True)
class CoreAnswer:
    """A status the core answers of its own, and the routes (for settings) it applies to."""

    answer: Answer
    applies: Callable[[Route, Settings], bool]


CORE_ANSWERS: tuple[CoreAnswer, ...] = (
    CoreAnswer(
        error_answer(
            BodyFault.INCOMPLETE.value,
            "the body ended before its Content-Length (nothing was scored)",
        ),
        _reads_body,
    ),
    CoreAnswer(
        error_answer(
            BodyFault.TIMED_OUT.value, "the body stopped arriving for --read-timeout seconds"
        ),
        _reads_body,
    ),
    CoreAnswer(
        error_answer(BodyFault.TOO_LARGE.value, "the body is larger than --max-body-bytes"),
        _reads_body,
    ),
    CoreAnswer(
        replace(
            error_answer(
                BodyFault.OVER_BUDGET.value,
                "no room for the body in --body-budget-bytes now (the bodies being read hold "
                "it); the body is not scored: send it again after Retry-After seconds",
            ),
            headers={"Retry-After": {"type": "string", "pattern": "^[0-9]+$"}},
        ),
        _reads_body,
    ),
    CoreAnswer(error_answer(500, "the model's own code raised (its words, and ours)"), _runs_model),
    # A model's own HTTP error (DRUM's CustomHTTPError, or its BaseCustomUserError): the
    # status the model chose, its message as raised, with X-Drum-User-Http-Error: true.
    CoreAnswer(error_answer("4XX", "the model's own HTTP error, its status"), _runs_model),
    CoreAnswer(error_answer("5XX", "the model's own HTTP error, its status"), _runs_model),
    CoreAnswer(
        error_answer(513, "the model failed to load (--with-error-server): its error"),
        _error_server,
    ),
    CoreAnswer(
        error_answer(
            404,
            "the model failed to load (--with-error-server): DRUM's error server has no such route",
        ),
        _not_on_error_server,
    ),
)
"""Every status the core answers of its own, with the routes it applies to."""
