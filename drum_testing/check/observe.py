"""Send a probe to a server and keep what came back, in a form that compares and prints.

An :class:`Answer` holds the status, content type, our headers and the body (JSON decoded,
else text). A request that got no answer at all (the server closed the connection, or died)
is an answer too, with ``error`` saying what happened, so one broken server never stops a
check of the others. For a 5xx, the part of the server's log written meanwhile (the model's
traceback) is kept.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from .probes import Probe

REQUEST_ID = "drum-testing-check"
COMPARED_HEADERS = ("X-Drum-Version", "X-Request-ID", "X_Request_ID", "X-Drum-User-Http-Error")
"""Headers of ours that every server type must send alike (Date, Server are the server's)."""
TRACEBACK = "Traceback (most recent call last):"
TRACEBACK_LINES = 30
LOG_WAIT = 0.5
"""Seconds to wait for a 5xx's traceback to reach the log. Ours log it before they answer, so
it is there at once; the wait covers a server that logs after answering."""
LOG_POLL = 0.02


@dataclass(frozen=True)
class Answer:
    """What one server answered to one probe."""

    status: int | None
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0
    error: str | None = None
    """Why there is no HTTP answer (connection refused or reset, timeout)."""
    log: str = ""
    """For a 5xx: what the server logged while answering (the traceback, if any)."""

    @property
    def message(self) -> str | None:
        """The error message of a JSON error answer (DRUM's ``message``, or ``error``)."""
        if isinstance(self.body, dict):
            for key in ("message", "error"):
                if isinstance(self.body.get(key), str):
                    return str(self.body[key])
        return None

    @property
    def explanation(self) -> str | None:
        """What an error answer says to a person: our ``detail`` (which says what exactly is
        wrong) where there is one, else the message (DRUM's words)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("detail"), str):
            return str(self.body["detail"])
        return self.message

    def comparable(self, headers: bool = True) -> dict[str, Any]:
        """What must be equal on every server type, as plain data."""
        data: dict[str, Any] = {
            "status": self.status,
            "content_type": self.content_type,
            "body": self.body,
        }
        if headers:
            data["headers"] = self.headers
        if self.error is not None:
            data["error"] = self.error
        return data

    def summary(self) -> str:
        if self.status is None:
            return f"no answer: {self.error}"
        message = self.message
        return f"{self.status}" + (f" {message}" if message and self.status >= 400 else "")

    def to_dict(self) -> dict[str, Any]:
        data = self.comparable()
        data["seconds"] = round(self.seconds, 6)
        if self.log:
            data["log"] = self.log
        return data


def decode_body(content_type: str, raw: bytes) -> Any:
    """JSON as data, text as text; the bytes of anything else, escaped so they print."""
    if content_type.startswith("application/json") and raw:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw.decode("utf-8", errors="backslashreplace")


class LogCursor:
    """Reads what a server's log gained since the last :meth:`mark`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.offset = 0

    def _size(self) -> int:
        try:
            return self.path.stat().st_size if self.path is not None else 0
        except OSError:
            return 0

    def mark(self) -> None:
        self.offset = self._size()

    def since(self) -> str:
        if self.path is None:
            return ""
        try:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                return log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def traceback(self, wait: float = LOG_WAIT) -> str:
        """The last traceback logged since the mark, waiting up to ``wait`` seconds for one;
        else the last lines logged."""
        deadline = time.monotonic() + wait
        text = self.since()
        while TRACEBACK not in text and time.monotonic() < deadline:
            time.sleep(LOG_POLL)  # polling a file another process writes, up to the deadline
            text = self.since()
        if TRACEBACK in text:
            text = text[text.rindex(TRACEBACK) :]
        lines = text.strip().splitlines()
        return "\n".join(
            lines[-TRACEBACK_LINES:] if TRACEBACK not in text else lines[:TRACEBACK_LINES]
        )


def send(
    session: requests.Session,
    base_url: str,
    probe: Probe,
    timeout: float,
    log: LogCursor | None = None,
) -> Answer:
    """Send ``probe`` and observe the answer (never raises for a failed request)."""
    if log is not None:
        log.mark()
    headers = {"Content-Type": probe.content_type, "X-Request-ID": REQUEST_ID}
    started = time.perf_counter()
    try:
        response = session.post(
            base_url + probe.path,
            data=probe.body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return Answer(None, seconds=time.perf_counter() - started, error=describe(exc))
    seconds = time.perf_counter() - started
    content_type = response.headers.get("Content-Type", "")
    ours = {name: response.headers[name] for name in COMPARED_HEADERS if name in response.headers}
    answer = Answer(
        response.status_code,
        content_type,
        ours,
        decode_body(content_type, response.content),
        seconds,
    )
    if response.status_code >= 500 and log is not None:
        answer = dataclasses.replace(answer, log=log.traceback())
    return answer


def root_cause(exc: BaseException) -> str:
    """The innermost exception's name (``ConnectionRefusedError``, ``RemoteDisconnected``),
    not urllib3's wrappers around it."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            reason = getattr(exc, "reason", None)  # urllib3's MaxRetryError keeps it here
            if not isinstance(reason, BaseException):
                break
            inner = reason
        exc = inner
    return type(exc).__name__


def describe(exc: requests.RequestException) -> str:
    """A failed request in a few words."""
    if isinstance(exc, requests.Timeout):
        return "no answer within the request timeout"
    if isinstance(exc, requests.ConnectionError):
        return f"the connection failed ({root_cause(exc)}): is the server still running?"
    return f"{type(exc).__name__}: {exc}"
