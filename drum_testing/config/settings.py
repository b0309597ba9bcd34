"""The frozen settings of one server, and the names of every environment variable we read.

Settings are built once at start-up (``cli.py`` builds them from the command line and the
environment) and then passed down; nothing below reads ``os.environ`` while serving.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .runtime_params import RuntimeParameterException, param_variable, parse_param

# --- Environment variables: every name we read, in one place. --------------------------------
SERVER_TYPE_PARAM = "DRUM_SERVER_TYPE"
SERVER_TYPE_ENV = param_variable(SERVER_TYPE_PARAM)
"""Selects the server type, as a plain word or as DataRobot runtime-parameter JSON."""
URL_PREFIX_ENV = "URL_PREFIX"
"""Puts every route under a prefix."""
MAX_BODY_BYTES_ENV = "DRUM_MAX_BODY_BYTES"
"""The largest request body accepted; larger ones get 413."""
MODEL_CONCURRENCY_ENV = "DRUM_MODEL_CONCURRENCY"
"""How many requests may run the model's hooks at once in one process (``--model-concurrency``)."""
# Tunables (drum_testing.config.tunables gives each its flag): ``--threads`` is DRUM_THREADS, ...
THREADS_ENV = "DRUM_THREADS"
READ_TIMEOUT_ENV = "DRUM_READ_TIMEOUT"
KEEPALIVE_TIMEOUT_ENV = "DRUM_KEEPALIVE_TIMEOUT"
DRAIN_TIMEOUT_ENV = "DRUM_DRAIN_TIMEOUT"
WORKER_TIMEOUT_ENV = "DRUM_WORKER_TIMEOUT"
BACKLOG_ENV = "DRUM_BACKLOG"
FLUSH_INTERVAL_ENV = "DRUM_FLUSH_INTERVAL"

# DataRobot starts DRUM with its arguments as these variables (DRUM's ArgumentOptionsEnvVars);
# each stands for a command-line option and is read only when that option is absent.
TARGET_TYPE_ENV = "TARGET_TYPE"
CODE_DIR_ENV = "CODE_DIR"
ADDRESS_ENV = "ADDRESS"
POSITIVE_CLASS_LABEL_ENV = "POSITIVE_CLASS_LABEL"
NEGATIVE_CLASS_LABEL_ENV = "NEGATIVE_CLASS_LABEL"
CLASS_LABELS_ENV = "CLASS_LABELS"
"""Multiclass labels, separated by whitespace."""
CLASS_LABELS_FILE_ENV = "CLASS_LABELS_FILE"
MAX_WORKERS_ENV = "MAX_WORKERS"
WITH_ERROR_SERVER_ENV = "WITH_ERROR_SERVER"
SHOW_STACKTRACE_ENV = "SHOW_STACKTRACE"
RUNTIME_PARAMS_FILE_ENV = "RUNTIME_PARAMS_FILE"
ARGUMENT_VARIABLES = (
    TARGET_TYPE_ENV,
    CODE_DIR_ENV,
    ADDRESS_ENV,
    POSITIVE_CLASS_LABEL_ENV,
    NEGATIVE_CLASS_LABEL_ENV,
    CLASS_LABELS_ENV,
    CLASS_LABELS_FILE_ENV,
    MAX_WORKERS_ENV,
    WITH_ERROR_SERVER_ENV,
    SHOW_STACKTRACE_ENV,
    RUNTIME_PARAMS_FILE_ENV,
    MODEL_CONCURRENCY_ENV,
)
"""Every variable that stands for a command-line option."""
TARGET_NAME_ENV = "TARGET_NAME"
"""The target's column name; DRUM requires it of text generation models."""

DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024
DEFAULT_FLUSH_INTERVAL = 0.5
DEFAULT_THREADS = 512
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_KEEPALIVE_TIMEOUT = 5.0
DEFAULT_DRAIN_TIMEOUT = 30.0
DEFAULT_WORKER_TIMEOUT = 600.0
DEFAULT_BACKLOG = 2048


class SettingsError(ValueError):
    """A setting is missing or invalid; the message says which and what is accepted."""


class ServerType(str, enum.Enum):
    """The server that runs the core. Switching it must change nothing a client sees."""

    FLASK = "flask"
    GUNICORN = "gunicorn"
    FASTAPI = "fastapi"


SERVER_TYPE_ALIASES: Mapping[str, ServerType] = {
    "flask": ServerType.FLASK,
    "werkzeug": ServerType.FLASK,
    "gunicorn": ServerType.GUNICORN,
    "fastapi": ServerType.FASTAPI,
    "uvicorn": ServerType.FASTAPI,
}
"""Every accepted spelling of a server type (lower case)."""


class TargetType(str, enum.Enum):
    REGRESSION = "regression"
    BINARY = "binary"
    MULTICLASS = "multiclass"
    ANOMALY = "anomaly"
    UNSTRUCTURED = "unstructured"
    TRANSFORM = "transform"
    TEXT_GENERATION = "textgeneration"
    GEO_POINT = "geopoint"
    VECTOR_DATABASE = "vectordatabase"
    AGENTIC_WORKFLOW = "agenticworkflow"
    MULTILABEL = "multilabel"

    @property
    def is_structured(self) -> bool:
        return self is not TargetType.UNSTRUCTURED

    @property
    def is_classification(self) -> bool:
        """One probability column a class label (multilabel's rows need not sum to 1)."""
        return self in (TargetType.BINARY, TargetType.MULTICLASS, TargetType.MULTILABEL)

    @property
    def has_class_labels(self) -> bool:
        """Labels come from ``--class-labels`` (binary has its two labels instead)."""
        return self in (TargetType.MULTICLASS, TargetType.MULTILABEL)

    @property
    def is_numeric(self) -> bool:
        """Single-column answers DRUM casts to float; the other single-column types
        (textgeneration, geopoint, vectordatabase, agenticworkflow) are sent as returned."""
        return self in (TargetType.REGRESSION, TargetType.ANOMALY)

    @property
    def needs_target_name(self) -> bool:
        """DRUM reads the prediction column's name from ``TARGET_NAME`` for these."""
        return self in (
            TargetType.TEXT_GENERATION,
            TargetType.VECTOR_DATABASE,
            TargetType.AGENTIC_WORKFLOW,
        )


def parse_server_type(raw: str | None) -> ServerType:
    """Parse the server type from :data:`SERVER_TYPE_ENV`'s value.

    Both forms DataRobot uses are accepted, and unset (or empty) means Flask::

        >>> parse_server_type("fastapi")
        <ServerType.FASTAPI: 'fastapi'>
        >>> parse_server_type('{"type": "string", "payload": "werkzeug"}')
        <ServerType.FLASK: 'flask'>
        >>> parse_server_type(None)
        <ServerType.FLASK: 'flask'>
    """
    if raw is None or not raw.strip():
        return ServerType.FLASK
    word = raw.strip()
    if word.startswith("{"):
        # DataRobot's form: the runtime parameter's JSON, read as every one is read.
        like = '{"type": "string", "payload": "fastapi"}'
        try:
            payload = parse_param(SERVER_TYPE_PARAM, word)
        except RuntimeParameterException as exc:
            raise SettingsError(
                f"{SERVER_TYPE_ENV}: {exc}; its JSON must look like {like}"
            ) from None
        if not isinstance(payload, str):
            raise SettingsError(f"{SERVER_TYPE_ENV} JSON must look like {like}")
        word = payload.strip()
    try:
        return SERVER_TYPE_ALIASES[word.lower()]
    except KeyError:
        accepted = ", ".join(sorted(SERVER_TYPE_ALIASES))
        raise SettingsError(
            f"unknown server type {word!r} in {SERVER_TYPE_ENV}; accepted: {accepted}"
        ) from None


def parse_address(address: str, name: str = "--address") -> tuple[str, int]:
    """Split ``HOST:PORT`` (``[::1]:PORT`` for IPv6) into its parts; errors blame ``name``."""
    host, sep, port_text = address.rpartition(":")
    if not sep or not host or not port_text.isdecimal() or not 0 <= int(port_text) <= 65535:
        raise SettingsError(f"{name} must be HOST:PORT, got {address!r}")
    return host.strip("[]"), int(port_text)


def parse_url_prefix(raw: str | None) -> str:
    """Normalise :data:`URL_PREFIX_ENV`: ``"api/v1/"`` becomes ``"/api/v1"``; unset is ``""``."""
    if not raw or not raw.strip("/ "):
        return ""
    return "/" + raw.strip("/ ")


@dataclass(frozen=True)
class Settings:
    """Everything one server needs to know, fixed at start-up."""

    code_dir: Path
    target_type: TargetType
    host: str = "127.0.0.1"
    port: int = 8080
    server_type: ServerType = ServerType.FLASK
    positive_class_label: str | None = None
    negative_class_label: str | None = None
    class_labels: tuple[str, ...] | None = None
    logging_level: str = "WARNING"
    max_workers: int = 1
    model_concurrency: int = 1
    """Requests that may run the model's hooks at once in one process. DRUM's is 1 (a model
    written for DRUM need not be thread-safe); liveness routes answer whatever it is."""
    with_error_server: bool = False
    url_prefix: str = ""
    target_name: str | None = None
    """``TARGET_NAME``: the prediction column of a textgeneration, vectordatabase or
    agenticworkflow model whose ``score`` returns more columns (the rest are extra output)."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # --- tunables: each has a flag and a variable (drum_testing.config.tunables) -------------
    threads: int = DEFAULT_THREADS
    """Connections one process (one worker) serves at once, each on a thread of its own
    while its request is read and answered. Threads start when needed, so the number is a
    ceiling, not a cost: it must exceed the clients that may be slow or stalled at once for
    /ping/ to stay prompt beside them. The model's hooks still take turns."""
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """Seconds a client may pause while sending a request (its head or its body) before
    the connection is dropped (head) or answered 408 (body)."""
    keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT
    """Seconds an idle connection (new, or between requests) stays open."""
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT
    """Seconds a stopping server waits for requests in flight; a model still busy then is
    abandoned, and the process exits non-zero."""
    worker_timeout: float = DEFAULT_WORKER_TIMEOUT
    """Seconds a gunicorn worker may stay silent before the master replaces it."""
    backlog: int = DEFAULT_BACKLOG
    """Connections the kernel queues before the server accepts them."""
    flush_interval: float = DEFAULT_FLUSH_INTERVAL
    """Seconds between flushes of stdout while requests are being answered."""
    listen_fd: int | None = None
    """A listening socket inherited from the parent; served instead of binding ``host:port``."""
    lifeline_fd: int | None = None
    """The read end of a pipe from the parent; end of file there means the parent is gone."""
    runtime_params: Mapping[str, str] = field(default_factory=dict, repr=False)
    """``MLOPS_RUNTIME_PARAM_*`` variables from ``--runtime-params-file``, as DRUM sets them;
    ``cli.main`` exports them into the server's environment. Not in the repr: credentials."""

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def labels(self) -> tuple[str, ...] | None:
        """The class labels in prediction-column order, or None for non-classification."""
        if self.target_type is TargetType.BINARY:
            if self.positive_class_label is None or self.negative_class_label is None:
                return None
            return (self.positive_class_label, self.negative_class_label)
        if self.target_type.has_class_labels:
            return self.class_labels
        return None


def settings_from_env(environ: Mapping[str, str]) -> dict[str, object]:
    """The part of :class:`Settings` that comes from the environment, validated."""
    return {
        "server_type": parse_server_type(environ.get(SERVER_TYPE_ENV)),
        "url_prefix": parse_url_prefix(environ.get(URL_PREFIX_ENV)),
        "target_name": environ.get(TARGET_NAME_ENV) or None,
    }
