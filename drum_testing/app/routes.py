"""The route table: every path the core answers, its methods and its handler.

Paths are relative to ``URL_PREFIX``, and have no trailing slash only where DRUM has none
(the core redirects a request without the slash, as DRUM does). A route that does not need
the model (liveness) answers even when it failed to load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import chat, metadata, scoring
from .state import Handler

GET = frozenset({"GET"})
POST = frozenset({"POST"})


@dataclass(frozen=True)
class Route:
    """A path the core answers, the methods it takes and what answers them."""

    methods: frozenset[str]
    handler: Handler
    needs_model: bool = True
    """False for liveness routes, which answer 200 even when the model failed to load."""


ROUTES: Mapping[str, Route] = {
    "/": Route(GET, metadata.ping, needs_model=False),
    "/ping/": Route(GET, metadata.ping, needs_model=False),
    "/ping": Route(GET, metadata.ping, needs_model=False),
    "/health/": Route(GET, metadata.health),
    "/info/": Route(GET, metadata.info),
    "/capabilities/": Route(GET, metadata.capabilities),
    "/stats/": Route(GET, metadata.stats),
    "/predict/": Route(POST, scoring.predict),
    "/predictions/": Route(POST, scoring.predict),
    "/invocations": Route(POST, scoring.predict),
    "/transform/": Route(POST, scoring.transform),
    "/predictUnstructured/": Route(POST, scoring.predict_unstructured),
    "/predictionsUnstructured/": Route(POST, scoring.predict_unstructured),
    "/chat/completions": Route(POST, chat.chat),
    "/v1/chat/completions": Route(POST, chat.chat),
    "/models": Route(GET, chat.models),
    "/v1/models": Route(GET, chat.models),
}
"""Every route, relative to ``URL_PREFIX``."""
