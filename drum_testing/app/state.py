"""What every route handler is given: the settings, the model, and the counters.

Handlers are plain functions ``handler(serving, request) -> Response`` (see
:mod:`~drum_testing.app.routes`); the core builds one :class:`Serving` and hands it to each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drum_testing.config.settings import Settings
from drum_testing.http.messages import Request, Response
from drum_testing.model.model import Model

from .stats import Stats


@dataclass(frozen=True)
class Serving:
    """One server process's model and what it knows about it."""

    settings: Settings
    model: Model | None
    """None when the model failed to load (``--with-error-server``); routes that need it
    are then answered 513 by the core, never dispatched."""
    server_type: str
    stats: Stats

    @property
    def loaded(self) -> Model:
        """The model, for a handler of a route that needs it (never dispatched without)."""
        assert self.model is not None, "routes that need the model are not dispatched without one"
        return self.model


Handler = Callable[[Serving, Request], Response]
"""What answers a route."""
