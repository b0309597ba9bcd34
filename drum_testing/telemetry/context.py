"""The request a log line belongs to: its request id and, when tracing is on, its trace id.

Context variables, so the value follows the request into whatever thread or task answers it
(the event loop's thread pool copies the context), and a log filter can stamp every record
made while the request is answered, the model's own included::

    with request_scope("4f1c...") as scope:
        logger.info("scoring")          # carries request_id="4f1c..."
        scope.trace_id = "0af7651916cd43dd8448eb211c80319c"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestScope:
    """What identifies the request being answered; ``trace_id`` is set once its span opens."""

    request_id: str
    trace_id: str | None = None


_current: ContextVar[RequestScope | None] = ContextVar("drum_testing_request", default=None)


def current() -> RequestScope | None:
    """The request being answered in this context, if any."""
    return _current.get()


@contextmanager
def request_scope(request_id: str) -> Iterator[RequestScope]:
    """Mark everything done inside (log records included) as part of request ``request_id``."""
    scope = RequestScope(request_id)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


@contextmanager
def within(scope: RequestScope | None) -> Iterator[None]:
    """Make ``scope`` current again: a streamed answer's chunks are made after the request's
    own scope has closed, often on another thread, and their log lines belong to it too."""
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)
