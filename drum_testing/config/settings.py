"""The frozen settings of one server, and the kinds of server and model it may be.

Settings are built once at start-up (:func:`~drum_testing.config.build.build_settings`, from
the command line and the environment) and then passed down; nothing below reads
``os.environ`` while serving. What each field means, its flag, its variable and its help
are one row of the options table (:mod:`~drum_testing.config.options`); the defaults are
here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .deployment import DeploymentConfig
from .runtime_params import RuntimeParameterException, param_variable, parse_param

SERVER_TYPE_PARAM = "DRUM_SERVER_TYPE"
SERVER_TYPE_ENV = param_variable(SERVER_TYPE_PARAM)
"""Selects the server type, as a plain word or as DataRobot runtime-parameter JSON."""


class SettingsError(ValueError):
    """A setting is missing or invalid; the message says which and what is accepted."""


class UnknownServerType(SettingsError):
    """:data:`SERVER_TYPE_ENV` names no server type; ``word`` is what it said."""

    def __init__(self, message: str, word: str) -> None:
        super().__init__(message)
        self.word = word


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
DRUM_DEFAULT_SERVER_TYPE = ServerType.GUNICORN
"""What ``drum-testing server`` runs when :data:`SERVER_TYPE_ENV` is unset: DRUM's default
since 1.17.19 (flask when gunicorn is not installed, see :mod:`drum_testing.servers.serve`).
``Settings`` made in code, and ``DrumServerRun``, default to flask instead."""
DEFAULT_SOURCE = "default"
"""``Settings.sources`` of an option that no flag, variable or runtime parameter gave, where
the default was chosen for the command (the server type)."""


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
        raise UnknownServerType(
            f"unknown server type {word!r} in {SERVER_TYPE_ENV}; accepted: {accepted}", word
        ) from None


def parse_address(address: str, name: str = "--address") -> tuple[str, int]:
    """Split ``HOST:PORT`` (``[::1]:PORT`` for IPv6) into its parts; errors blame ``name``."""
    host, sep, port_text = address.rpartition(":")
    if not sep or not host or not port_text.isdecimal() or not 0 <= int(port_text) <= 65535:
        raise SettingsError(f"{name} must be HOST:PORT, got {address!r}")
    return host.strip("[]"), int(port_text)


def parse_url_prefix(raw: str | None) -> str:
    """Normalise ``URL_PREFIX``: ``"api/v1/"`` becomes ``"/api/v1"``; unset is ``""``."""
    if not raw or not raw.strip("/ "):
        return ""
    return "/" + raw.strip("/ ")


@dataclass(frozen=True)
class Settings:
    """Everything one server needs to know, fixed at start-up.

    A field that is an option (most are) is documented in the options table
    (:mod:`~drum_testing.config.options`): a new option is one row there and one field here.
    """

    code_dir: Path
    target_type: TargetType
    host: str = "127.0.0.1"
    port: int = 8080
    server_type: ServerType = ServerType.FLASK
    positive_class_label: str | None = None
    negative_class_label: str | None = None
    class_labels: tuple[str, ...] | None = None
    logging_level: str = "WARNING"
    log_format: str = "text"
    access_log: bool = False
    max_workers: int = 1
    model_concurrency: int = 1
    with_error_server: bool = False
    url_prefix: str = ""
    target_name: str | None = None
    deployment_config: DeploymentConfig | None = None
    openapi: bool = False
    # --- tunables ------------------------------------------------------------------------------
    threads: int = 512
    read_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    drain_timeout: float = 30.0
    worker_timeout: float = 600.0
    backlog: int = 2048
    flush_interval: float = 0.5
    max_body_bytes: int = 100 * 1024 * 1024
    body_budget_bytes: int | None = None
    """None: ``auto``, sized from the memory (:func:`~drum_testing.config.memory.body_budget`);
    0: no ceiling."""
    max_requests: int = 0
    max_requests_jitter: int = 0
    gunicorn_log_level: str | None = None
    # --- given by the test kit -------------------------------------------------------------
    listen_fd: int | None = None
    lifeline_fd: int | None = None
    # --- derived -------------------------------------------------------------------------------
    runtime_params: Mapping[str, str] = field(default_factory=dict, repr=False)
    """``MLOPS_RUNTIME_PARAM_*`` variables from ``--runtime-params-file``, as DRUM sets them;
    ``cli.main`` exports them into the server's environment. Not in the repr: credentials."""
    sources: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Where each option that was given came from, by field: its flag, its variable or its
    runtime parameter's variable (:data:`DEFAULT_SOURCE` for a default the command chose)."""
    notices: tuple[str, ...] = ()
    """Warnings found while reading the settings (a runtime parameter out of DRUM's range,
    an unknown server type, ...): the server logs each as one line once logging is set."""

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
