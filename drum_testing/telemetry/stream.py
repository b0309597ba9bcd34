"""A streamed answer's chunks, made in the scope of the request they answer.

A streamed body (a chat model's server-sent events) is iterated by the server after
:meth:`~drum_testing.app.core.PredictionCore.handle` has returned, on whatever thread the
server type uses, so the request's scope is no longer current there. :class:`ScopedStream`
makes it current again for each chunk and for the close, so the model's log lines while it
streams carry the request id too, and says once, with the bytes sent, when the stream ended
(run out, closed by the server, or failed)::

    body = ScopedStream(model_chunks, scope, on_end=lambda sent: log_access(..., sent, ...))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .context import RequestScope, within


class ScopedStream:
    """An iterator of ``chunks`` whose every step runs in ``scope``; ``on_end(bytes_sent)``
    is called once, in the scope, when the stream ends, however it ends."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        scope: RequestScope | None,
        on_end: Callable[[int], None] | None = None,
    ) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._scope = scope
        self._on_end = on_end
        self._sent = 0
        self._ended = False

    def __iter__(self) -> ScopedStream:
        return self

    def __next__(self) -> bytes:
        with within(self._scope):
            try:
                chunk = next(self._chunks)
            except BaseException:  # the end (StopIteration), or the model's generator failed
                self._end()
                raise
        self._sent += len(chunk)
        return chunk

    def close(self) -> None:
        """Close the chunks (which stops the model's generator), then end: what a server does
        when the answer is complete or the client has gone."""
        with within(self._scope):
            close: Callable[[], Any] | None = getattr(self._chunks, "close", None)
            try:
                if close is not None:
                    close()
            finally:
                self._end()

    def _end(self) -> None:
        # In the scope already: called from __next__ or close.
        if self._ended:
            return
        self._ended = True
        if self._on_end is not None:
            self._on_end(self._sent)
