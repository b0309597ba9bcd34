"""The route table: every path the core answers, its methods and its handler.

Paths are relative to ``URL_PREFIX``, and have no trailing slash only where DRUM has none
(the core redirects a request without the slash, as DRUM does). When the model failed to
load (``--with-error-server``), the core serves DRUM's error server instead: the routes it
registers (liveness and scoring) answer 513 with the load error, the others are not there.

Each route names what describes it (its body, parameters and answers) for the OpenAPI
document: a function beside its handler, given the settings (:mod:`.openapi` assembles them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from drum_testing.config.settings import Settings
from drum_testing.http.openapi import Operation
from drum_testing.telemetry.tracing import CHAT, INVOCATIONS, PREDICT_UNSTRUCTURED, TRANSFORM

from . import chat, metadata, scoring
from .state import Handler

GET = frozenset({"GET"})
POST = frozenset({"POST"})


@dataclass(frozen=True)
class Route:
    """A path the core answers, the methods it takes and what answers them."""

    methods: frozenset[str]
    handler: Handler
    describe: Callable[[Settings], Operation]
    """What the route takes and answers, for the OpenAPI document (for these settings)."""
    needs_model: bool = True
    """False for the routes that run no model code (liveness): light enough for an event
    loop, and answered while a prediction runs."""
    error_server: bool = False
    """True for the routes DRUM's error server registers (liveness and scoring): when the
    model failed to load they answer 513 with the load error; the others are then 404."""
    span: str | None = None
    """The span DRUM opens around the route's work (OpenTelemetry, when tracing is on);
    None for the routes DRUM does not trace."""


ROUTES: Mapping[str, Route] = {
    "/": Route(GET, metadata.ping, metadata.ping_operation, needs_model=False, error_server=True),
    "/ping/": Route(
        GET, metadata.ping, metadata.ping_operation, needs_model=False, error_server=True
    ),
    "/ping": Route(
        GET, metadata.ping, metadata.ping_operation, needs_model=False, error_server=True
    ),
    "/health/": Route(GET, metadata.health, metadata.health_operation, error_server=True),
    "/info/": Route(GET, metadata.info, metadata.info_operation),
    "/capabilities/": Route(GET, metadata.capabilities, metadata.capabilities_operation),
    "/stats/": Route(GET, metadata.stats, metadata.stats_operation),
    "/predict/": Route(
        POST, scoring.predict, scoring.predict_operation, error_server=True, span=INVOCATIONS
    ),
    "/predictions/": Route(
        POST, scoring.predict, scoring.predict_operation, error_server=True, span=INVOCATIONS
    ),
    "/invocations": Route(
        POST, scoring.predict, scoring.predict_operation, error_server=True, span=INVOCATIONS
    ),
    "/transform/": Route(
        POST, scoring.transform, scoring.transform_operation, error_server=True, span=TRANSFORM
    ),
    "/predictUnstructured/": Route(
        POST,
        scoring.predict_unstructured,
        scoring.predict_unstructured_operation,
        error_server=True,
        span=PREDICT_UNSTRUCTURED,
    ),
    "/predictionsUnstructured/": Route(
        POST,
        scoring.predict_unstructured,
        scoring.predict_unstructured_operation,
        error_server=True,
        span=PREDICT_UNSTRUCTURED,
    ),
    "/chat/completions": Route(POST, chat.chat, chat.chat_operation, span=CHAT),
    "/v1/chat/completions": Route(POST, chat.chat, chat.chat_operation, span=CHAT),
    "/models": Route(GET, chat.models, chat.models_operation),
    "/v1/models": Route(GET, chat.models, chat.models_operation),
}
"""Every route, relative to ``URL_PREFIX``."""
