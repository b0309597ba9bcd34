"""The log: one handler on stderr, in text or JSON, every line stamped with its request.

Every server type logs through the one handler :func:`configure_logging` installs on the root
logger: our own loggers, the model's, werkzeug's, gunicorn's and uvicorn's (the server types
send theirs here rather than to handlers of their own). A filter on the handler, not on a
logger, so that it sees every record that reaches it, the ones propagated from a model's own
logger included, stamps each with the request it was made for
(:func:`~drum_testing.telemetry.context.current`): ``request_id`` and ``trace_id``, empty
outside a request. A client's ``X-Request-ID`` thus finds every line of its request, a 500's
traceback included::

    configure_logging("INFO", "json")
    # {"time": "2026-12-06T03:40:00.123Z", "level": "ERROR", "logger": "drum_testing.app.core",
    #  "message": "POST /predict/ failed", "request_id": "4f1c...", "trace_id": null,
    #  "exception": "Traceback (most recent call last): ..."}
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from drum_testing.config.values import LOG_FORMATS

from .context import current

TEXT, JSON = LOG_FORMATS
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s"
"""Today's line, with ``[request_id=... trace_id=...]`` before the message inside a request:
before it, so that a traceback (which follows the message) does not separate the two."""
HTTP_FIELD = "http"
"""The record attribute (``extra={"http": {...}}``) a JSON line shows as an object of its own:
the access log's method, path, status, ... (:mod:`~drum_testing.telemetry.access`)."""


class RequestFilter(logging.Filter):
    """Stamps each record with ``request_id`` and ``trace_id`` of the request being answered
    in the context that made it ("" outside a request, or before its span opens)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scope = current()
        record.request_id = scope.request_id if scope is not None else ""
        record.trace_id = (scope.trace_id or "") if scope is not None else ""
        return True


def _ids(record: logging.LogRecord) -> tuple[str, str]:
    # A record that did not pass the filter (a formatter used on its own) has neither.
    return getattr(record, "request_id", ""), getattr(record, "trace_id", "")


class TextFormatter(logging.Formatter):
    """``2026-12-06 03:40:00,123 INFO drum_testing.app.core [request_id=4f1c]: message``;
    outside a request, without the brackets (the line of the releases before)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        request_id, trace_id = _ids(record)
        parts = [f"request_id={request_id}"] if request_id else []
        parts += [f"trace_id={trace_id}"] if trace_id else []
        record.ids = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
    ``request_id`` and ``trace_id`` (null when none), ``exception`` and ``stack`` when the
    record has them, and the access log's ``http`` object. Newlines inside a traceback are
    escaped by JSON, so a line is always one record."""

    def format(self, record: logging.LogRecord) -> str:
        request_id, trace_id = _ids(record)
        line: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id or None,
            "trace_id": trace_id or None,
        }
        if record.exc_info:
            # Cached on the record, as logging.Formatter does, for any other handler.
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        http = getattr(record, HTTP_FIELD, None)
        if isinstance(http, Mapping):
            line[HTTP_FIELD] = dict(http)
        return json.dumps(line, default=str, ensure_ascii=False)


def _utc(created: float) -> str:
    moment = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``--log-format``; ValueError names the formats there are."""
    if log_format == TEXT:
        return TextFormatter()
    if log_format == JSON:
        return JsonFormatter()
    raise ValueError(f"unknown log format {log_format!r}; choose from {', '.join(LOG_FORMATS)}")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root's handler :func:`configure_logging` installs (so a second call replaces it),
    writing to whatever ``sys.stderr`` is when a record comes (as ``logging.lastResort``):
    a command run in-process by a test writes to the stream the test captures."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # always the current sys.stderr


def configure_logging(level: str, log_format: str = TEXT) -> None:
    """Log to stderr at ``level`` (a ``logging`` level name) in ``log_format`` (``text`` or
    ``json``), every line stamped with its request. Calling it again replaces the handler it
    installed (uvicorn's workers call it once more after the spawn); handlers others
    installed on the root (a test runner's) are left as they are."""
    formatter = make_formatter(log_format)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.addFilter(RequestFilter())
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
    # A model's warnings (pandas' FutureWarning, ...) as log lines too: in the log's format
    # (a JSON log stays all JSON) and with the request they were raised in.
    logging.captureWarnings(True)
    # werkzeug raises its own logger to INFO when it is unset (one line per request, which
    # the flask type never writes anyway: the access log is ours, the same on every type).
    logging.getLogger("werkzeug").setLevel(level)
