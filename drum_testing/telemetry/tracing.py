"""The span of each traced route, as DRUM 1.18.1 opens it, for every server type at once.

The core opens it around the route's handler (:func:`route_span`): a span named after the
route (:data:`INVOCATIONS` for ``/predict/``, ``/predictions/`` and ``/invocations``, ...),
of kind INTERNAL, in the trace of the caller's W3C ``traceparent`` (and ``tracestate``) or in
a new one, with DRUM's attributes (:mod:`.attributes`). It is the current span while the
model's hook runs, so a model's own spans nest under it. The model raising (a 500, or an
HTTP error the model chose) marks it as an error with the exception recorded, as DRUM's
``start_as_current_span`` does; an answer of ours to a bad request (4xx) leaves it unset, as
DRUM's views return those rather than raise.

A streamed chat answer gets DRUM's child span :data:`CHAT_STREAM`, ended when the stream
ends, is closed, or fails (:class:`TracedStream`), with the answer's attributes rebuilt from
its events.

Nothing here imports OpenTelemetry until :func:`activate` has been given a tracer (which
:mod:`.setup` does when an exporter endpoint is configured): without it every route span is
a no-op costing one global read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from drum_testing.http.errors import RequestError
from drum_testing.http.messages import Request, Response

from . import context
from .attributes import answer_attributes, answer_from_events, header_attributes, request_attributes

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

INVOCATIONS = "drum.invocations"
TRANSFORM = "drum.transform"
PREDICT_UNSTRUCTURED = "drum.predictUnstructured"
CHAT = "drum.chat.completions"
CHAT_STREAM = "drum.chat.completions.stream"
TRACER_NAME = "drum_testing"
"""The instrumentation scope of our spans (DRUM's is its prediction server's module)."""

_tracer: Tracer | None = None


def activate(tracer: Tracer) -> None:
    """Trace every route from now on with ``tracer`` (one per process: set by :mod:`.setup`
    in each worker, or by a test)."""
    global _tracer
    _tracer = tracer


def deactivate() -> None:
    """Stop tracing routes (the worker is stopping, or a test is done)."""
    global _tracer
    _tracer = None


def active() -> bool:
    """Whether routes are traced in this process."""
    return _tracer is not None


class RouteSpan:
    """The span of one request to a traced route; :meth:`answered` gives it the answer."""

    def __init__(self, tracer: Tracer | None, span: Span | None, name: str | None) -> None:
        self._tracer = tracer
        self._span = span
        self._name = name

    def answered(self, response: Response) -> Response:
        """``response``, after recording what DRUM records of it: a chat answer's
        attributes, or (streamed) a child span that lasts as long as the stream."""
        if self._span is None or self._tracer is None or self._name != CHAT:
            return response
        if response.status != 200:
            return response
        if isinstance(response.body, bytes):
            try:
                answer = json.loads(response.body)
            except ValueError:
                return response
            self._span.set_attributes(answer_attributes(answer))
            return response
        response.body = TracedStream(self._tracer, self._span, response.body)
        return response


_UNTRACED = RouteSpan(None, None, None)


@contextmanager
def route_span(name: str | None, request: Request) -> Iterator[RouteSpan]:
    """Open span ``name`` for ``request`` while the block runs (nothing when tracing is off
    or ``name`` is None: the route is not traced)."""
    tracer = _tracer
    if tracer is None or name is None:
        yield _UNTRACED
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    # Only the caller's traceparent counts: without one the span starts a new trace, even
    # if the server's own code had a span current.
    parent = TraceContextTextMapPropagator().extract(request.headers)
    refused: RequestError | None = None
    with tracer.start_as_current_span(name, context=parent) as span:
        if name == CHAT:
            params = _json_or_none(request.body)
            # A body that is not JSON has none: DRUM's request.json raised before it set any.
            if params is not None:
                span.set_attributes(request_attributes(params))
        span.set_attributes(header_attributes(request.headers))
        scope = context.current()
        if scope is not None:
            scope.trace_id = format(span.get_span_context().trace_id, "032x")
        try:
            yield RouteSpan(tracer, span, name)
        except RequestError as exc:
            refused = exc  # raised past the span, which it leaves unmarked
    if refused is not None:
        raise refused


class TracedStream(Iterator[bytes]):
    """A streamed chat answer inside span :data:`CHAT_STREAM`, a child of the chat span.

    The span is current only while a chunk is made (each ``next`` may run on another thread:
    the context is attached and detached around it), so the model's own spans made while
    streaming nest under it, and nothing leaks into the server's context between chunks.
    It ends when the stream does, is closed (the answer is sent, or the client left), or
    fails, with the answer's attributes rebuilt from the chunks sent.
    """

    def __init__(self, tracer: Tracer, parent: Span, body: Iterable[bytes]) -> None:
        from opentelemetry import trace

        self._body = iter(body)
        self._span = tracer.start_span(CHAT_STREAM, context=trace.set_span_in_context(parent))
        self._context = trace.set_span_in_context(self._span)
        self._chunks: list[bytes] = []
        self._ended = False

    def __next__(self) -> bytes:
        from opentelemetry import context as otel_context

        token = otel_context.attach(self._context)
        try:
            chunk = next(self._body)
        except StopIteration:
            self._end()
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        finally:
            otel_context.detach(token)
        self._chunks.append(chunk)
        return chunk

    def close(self) -> None:
        """Close the answer's stream (the model's generator with it), then end the span."""
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._end()

    def _end(self, failure: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        from opentelemetry.trace import Status, StatusCode

        if failure is not None and isinstance(failure, Exception):
            self._span.record_exception(failure)
            self._span.set_status(Status(StatusCode.ERROR, f"{type(failure).__name__}: {failure}"))
        self._span.set_attributes(answer_attributes(answer_from_events(self._chunks)))
        self._span.end()


def _json_or_none(body: bytes | bytearray) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None
