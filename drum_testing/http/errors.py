"""The one exception a client's mistake becomes: a 4xx with a message."""

from __future__ import annotations


class RequestError(Exception):
    """A request we cannot serve because of what the client sent (a 4xx), or cannot serve
    now (503: its body does not fit in the body budget; the client may retry).

    Request decoding raises it; the core answers ``{"message": "ERROR: ..."}`` with
    ``status``, and ``headers`` added (``Allow`` for a 405, for instance). ``message`` is
    DRUM 1.18.1's own words wherever DRUM has a message for the case (DRUM's tests and its
    users' scripts compare it with ``==``); what we add to help, ``detail``, goes in a key of
    its own beside it, and in the log.
    """

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.detail = detail
