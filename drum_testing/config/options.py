"""Every option of every subcommand, one row each: the one table the rest is built from.

A row says where the value goes (``dest``: a :class:`~.settings.Settings` field, or the
subcommand's own argument), its flags, its environment variable, how its text is read,
its default (from ``Settings``, unless the row has its own), its help, the subcommands that
take it, and whether DRUM 1.18.1 has it. The argparse parsers (:mod:`.parser`), the
variables' precedence (:mod:`.environment`), the Settings (:mod:`.build`), the variables a
test server must not inherit and ``DrumServerRun``'s flags (:mod:`drum_testing.launch`), and
README's option tables (:mod:`.docs`) all come from it. A new option is one row here and one
``Settings`` field::

    Option("threads", ("--threads",), "DRUM_THREADS", values.positive_int, "connections ...",
           section=Section.TUNABLES, metavar="N")
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from . import values
from .deployment import read_deployment_config
from .settings import SERVER_TYPE_ENV, Settings, parse_server_type, parse_url_prefix

SERVER, SCORE, CHECK, OPENAPI = "server", "score", "check", "openapi"
COMMANDS = (SERVER, SCORE, CHECK, OPENAPI)
MODEL_COMMANDS = frozenset(COMMANDS)
"""Every subcommand loads a model folder, so every one takes the model's options."""
DRUM_COMMANDS = frozenset({SERVER, SCORE})
"""The subcommands DRUM has too (``drum server``, ``drum score``)."""


class Kind(enum.Enum):
    """How an option is given."""

    VALUE = "value"
    """``--flag VALUE``."""
    LIST = "list"
    """``--flag A B C``; its variable is split on whitespace."""
    SWITCH = "switch"
    """``--flag`` alone; its variable is on or off in DRUM's words (:func:`values.switch`)."""
    REFUSED = "refused"
    """A DRUM option we do not serve: giving it is a one-line error that says why."""


class Section(enum.Enum):
    """Where ``--help`` and README list an option (the value is the help's group title)."""

    MODEL = "the model"
    SERVER = "serving"
    TUNABLES = "tunables (each also an environment variable)"
    ENVIRONMENT = "set by environment variables only"
    SCORE = "scoring a file"
    CHECK = "checking a model"
    OPENAPI = "writing the OpenAPI document"
    INTERNAL = "used by DrumServerRun"
    RUNTIME_PARAMS = "DataRobot's runtime parameters only"
    DRUM = "DRUM's, refused or accepted for its sake"


FROM_SETTINGS: Any = object()
"""A row's default when it has none of its own: its ``Settings`` field's (None without one)."""


@dataclass(frozen=True)
class Option:
    """One option: where its value goes, how it is given and read, and what it means."""

    dest: str
    """The ``Settings`` field it sets, or the subcommand's own argument of that name."""
    flags: tuple[str, ...] = ()
    """Its command-line spellings; none for a variable-only setting."""
    variable: str | None = None
    """The environment variable that may give it instead (the flag wins)."""
    convert: Callable[[str], Any] = values.text
    """Reads one word of the flag's or the variable's text (raises ArgumentTypeError)."""
    help: str = ""
    """One line for ``--help``; README uses :attr:`doc` when a row has one."""
    commands: frozenset[str] = frozenset({SERVER})
    section: Section = Section.SERVER
    kind: Kind = Kind.VALUE
    drum: bool = False
    """DRUM 1.18.1 has this option (as a flag, or as a variable DataRobot sets)."""
    default: Any = FROM_SETTINGS
    metavar: str | None = None
    required: bool = False
    """Required of a subcommand that has it, as a flag or as its variable."""
    exclusive: str | None = None
    """Options with the same name here exclude each other (on the command line; of their
    variables, the first in the table wins, DRUM's rule)."""
    doc: str | None = None
    """README's text, when it says more than :attr:`help`."""
    default_text: str | None = None
    """How help and README show the default, when not as the value is written."""
    runtime_param: str | None = None
    """DataRobot's runtime parameter that gives it when neither its flag nor its variable
    does (:mod:`.server_params`): ``MLOPS_RUNTIME_PARAM_<name>``, as DRUM 1.18.1 reads it."""
    param_range: tuple[int, int] | None = None
    """A numeric runtime parameter's range in DRUM (inclusive); DRUM ignores a value outside
    it, and so do we, with a warning."""
    param_words: tuple[str, ...] | None = None
    """A string runtime parameter's words in DRUM (any case); others are ignored, warned."""
    served_by: frozenset[str] | None = None
    """The server types that honour it (None: every one). Given on another, it is one
    warning line naming it and :attr:`unserved`."""
    unserved: str = ""
    """Why the types outside :attr:`served_by` cannot honour it."""

    @property
    def flag(self) -> str:
        """The option's main spelling (its first flag), or its variable when it has no flag."""
        return self.flags[0] if self.flags else str(self.variable)

    @property
    def value_default(self) -> Any:
        """The value it has when neither its flag nor its variable is given."""
        if self.default is not FROM_SETTINGS:
            return self.default
        return SETTINGS_DEFAULTS.get(self.dest)

    @property
    def shown_default(self) -> str | None:
        """The default as help and README show it; None when there is none to show."""
        if self.default_text is not None:
            return self.default_text
        default = self.value_default
        if default is None or default == "" or self.kind is not Kind.VALUE:
            return None
        return f"{default:g}" if isinstance(default, float) else str(default)

    @property
    def is_argument_variable(self) -> bool:
        """Its variable stands for a command-line option, as DataRobot gives DRUM's."""
        return bool(self.flags) and self.variable is not None


def _settings_defaults() -> dict[str, Any]:
    defaults = {}
    for item in fields(Settings):
        if item.default is not MISSING:
            defaults[item.name] = item.default
    return defaults


SETTINGS_DEFAULTS = _settings_defaults()


def _refused(flag: str, why: str, commands: frozenset[str] = DRUM_COMMANDS) -> Option:
    """A DRUM option we do not serve; ``why`` ends "drum-testing does not support it: ...\"."""
    return Option(
        flag.lstrip("-").replace("-", "_"),
        (flag,),
        help=why,
        commands=commands,
        section=Section.DRUM,
        kind=Kind.REFUSED,
        drum=True,
        default=None,
    )


_NO_MLOPS = "it does not report to DataRobot MLOps"
_NO_API = "it does not call the DataRobot API"
_NO_GPU = "it serves custom.py models only (no NIM, Triton or vLLM)"
_NO_SECRETS = "it does not mount DataRobot user secrets"
_HERE = "it runs the model in this Python environment"

OPTIONS: tuple[Option, ...] = (
    # --- the model: every subcommand ------------------------------------------------------
    # Variables in DRUM's order, which decides between CLASS_LABELS_FILE and CLASS_LABELS.
    Option(
        "code_dir",
        ("--code-dir", "-cd"),
        "CODE_DIR",
        Path,
        "the model folder",
        MODEL_COMMANDS,
        Section.MODEL,
        drum=True,
        metavar="DIR",
        required=True,
        doc="the model folder: `custom.py`, or a single pickled `.pkl` artifact, and "
        "optionally `model-metadata.yaml`",
    ),
    Option(
        "target_type",
        ("--target-type",),
        "TARGET_TYPE",
        values.target_type,
        f"one of {', '.join(values.TARGET_TYPES)}",
        MODEL_COMMANDS,
        Section.MODEL,
        drum=True,
        metavar="TYPE",
        required=True,
        doc="`regression`, `binary`, `multiclass`, `multilabel`, `anomaly`, `unstructured`, "
        "`transform`, `textgeneration`, `geopoint`, `vectordatabase`, `agenticworkflow`: "
        "DRUM 1.18.1's eleven (see [the target types](#target-types))",
    ),
    Option(
        "negative_class_label",
        ("--negative-class-label",),
        "NEGATIVE_CLASS_LABEL",
        help="a binary model's negative label",
        commands=MODEL_COMMANDS,
        section=Section.MODEL,
        drum=True,
        metavar="LABEL",
    ),
    Option(
        "positive_class_label",
        ("--positive-class-label",),
        "POSITIVE_CLASS_LABEL",
        help="a binary model's positive label",
        commands=MODEL_COMMANDS,
        section=Section.MODEL,
        drum=True,
        metavar="LABEL",
    ),
    Option(
        "class_labels_file",
        ("--class-labels-file",),
        "CLASS_LABELS_FILE",
        Path,
        "a multiclass or multilabel model's labels, one a line",
        MODEL_COMMANDS,
        Section.MODEL,
        drum=True,
        metavar="FILE",
        exclusive="class labels",
        doc="a multiclass or multilabel model's labels, one a line; its variable wins over "
        "`CLASS_LABELS` when both are set, and either class-label flag disables both variables",
    ),
    Option(
        "class_labels",
        ("--class-labels",),
        "CLASS_LABELS",
        help="a multiclass or multilabel model's labels (its variable: separated by whitespace)",
        commands=MODEL_COMMANDS,
        section=Section.MODEL,
        kind=Kind.LIST,
        drum=True,
        metavar="LABEL",
        exclusive="class labels",
    ),
    Option(
        "logging_level",
        ("--logging-level",),
        None,
        values.logging_level,
        f"DRUM's words: {', '.join(values.LOGGING_LEVELS)}",
        MODEL_COMMANDS,
        Section.MODEL,
        drum=True,
        metavar="LEVEL",
        default_text="warning",
        doc="DRUM's words: `all`, `debug`, `info`, `warn`/`warning`, `error`, `critical`/`fatal`",
    ),
    Option(
        "log_format",
        ("--log-format",),
        "DRUM_LOG_FORMAT",
        values.log_format,
        f"the log's lines on stderr: {' or '.join(values.LOG_FORMATS)}",
        frozenset({SERVER, SCORE}),
        Section.MODEL,
        metavar="FORMAT",
        doc="the log's lines on stderr, on every server type (gunicorn's and uvicorn's own "
        "included): `text`, or `json`, one object a line with `time`, `level`, `logger`, "
        "`message`, `request_id`, `trace_id` and `exception` (see [Logs](#logs))",
    ),
    Option(
        "access_log",
        ("--access-log",),
        "DRUM_ACCESS_LOG",
        help="log one line for each answered request, the same on every server type",
        kind=Kind.SWITCH,
        doc="log one line for each answered request, the same on every server type: client, "
        "method and path, status, bytes, duration, with the request id (see [Logs](#logs)); "
        "off, as in DRUM",
    ),
    Option(
        "show_stacktrace",
        ("--show-stacktrace",),
        "SHOW_STACKTRACE",
        help="accepted for DRUM's sake: a model that fails to load always shows its traceback",
        commands=MODEL_COMMANDS,
        section=Section.MODEL,
        kind=Kind.SWITCH,
        drum=True,
        default=False,
    ),
    Option(
        "runtime_params_file",
        ("--runtime-params-file",),
        "RUNTIME_PARAMS_FILE",
        Path,
        "YAML values of the runtime parameters model-metadata.yaml declares",
        MODEL_COMMANDS,
        Section.MODEL,
        drum=True,
        metavar="FILE",
        doc="values of the model's runtime parameters (see "
        "[Runtime parameters](#runtime-parameters))",
    ),
    # --- set by the environment only: every subcommand --------------------------------------
    Option(
        "server_type",
        (),
        SERVER_TYPE_ENV,
        parse_server_type,
        "the server type: flask (or werkzeug), gunicorn, fastapi (or uvicorn), as the word or "
        'as DataRobot\'s runtime-parameter JSON {"type": "string", "payload": "fastapi"}',
        MODEL_COMMANDS,
        Section.ENVIRONMENT,
        drum=True,
        default_text="gunicorn",
        doc="the server type: `flask` (or `werkzeug`), `gunicorn`, `fastapi` (or `uvicorn`), "
        "as the word or as DataRobot's runtime-parameter JSON "
        '(`{"type": "string", "payload": "fastapi"}`). Unset, `drum-testing server` runs '
        "gunicorn, DRUM's default (with DRUM's notice in the log), or flask when the gunicorn "
        "extra is not installed (fastapi when flask is not either; one log line says why); an "
        "unknown type is DRUM's warning and the default, as in DRUM (`drum-testing score` "
        "refuses it). `DrumServerRun` and `Settings` made in code default to flask",
    ),
    Option(
        "url_prefix",
        (),
        "URL_PREFIX",
        parse_url_prefix,
        "every route under this prefix",
        MODEL_COMMANDS,
        Section.ENVIRONMENT,
        drum=True,
    ),
    Option(
        "target_name",
        (),
        "TARGET_NAME",
        help="the prediction column of a textgeneration, vectordatabase or agenticworkflow "
        "model whose score returns more columns (the rest are extra model output)",
        commands=MODEL_COMMANDS,
        section=Section.ENVIRONMENT,
        drum=True,
    ),
    # --- serving ----------------------------------------------------------------------------
    Option(
        "address",
        ("--address",),
        "ADDRESS",
        help="HOST:PORT to serve on",
        drum=True,
        metavar="HOST:PORT",
        required=True,
        default=None,
    ),
    Option(
        "max_workers",
        ("--max-workers",),
        "MAX_WORKERS",
        values.positive_int,
        "worker processes (gunicorn, fastapi)",
        drum=True,
        metavar="N",
        runtime_param="CUSTOM_MODEL_WORKERS",
        param_range=(1, 199),
        served_by=frozenset({"gunicorn", "fastapi"}),
        unserved="the flask type serves from one process",
    ),
    Option(
        "model_concurrency",
        ("--model-concurrency",),
        "DRUM_MODEL_CONCURRENCY",
        values.positive_int,
        "requests that may run the model's hooks at once in one process, as in DRUM",
        metavar="N",
        doc="requests that may run the model's hooks at once in one process; 1, as in DRUM, "
        "whose servers never call a model from two threads at once. `/ping/` and the other "
        "liveness routes answer meanwhile",
    ),
    Option(
        "with_error_server",
        ("--with-error-server",),
        "WITH_ERROR_SERVER",
        help="if the model fails to load, keep serving and answer 513 with the error",
        commands=frozenset({SERVER, OPENAPI}),
        kind=Kind.SWITCH,
        drum=True,
        doc="if the model fails to load, keep serving as DRUM's error server: liveness and "
        "scoring routes answer 513 with the load error, the others 404",
    ),
    Option(
        "openapi",
        ("--openapi",),
        "DRUM_OPENAPI",
        help="answer the contract's OpenAPI 3.1 document at GET /openapi.json",
        commands=frozenset({SERVER, OPENAPI}),
        kind=Kind.SWITCH,
        doc="answer the contract's OpenAPI 3.1 document at `GET /openapi.json` (under "
        "`URL_PREFIX`), the same on every server type and what `drum-testing openapi` prints "
        "for the same options; off: that path is a 404 like any unknown one",
    ),
    Option(
        "deployment_config",
        ("--deployment-config",),
        "DEPLOYMENT_CONFIG",
        read_deployment_config,
        "a deployment document (JSON): /predict/ answers in DataRobot's prediction API format",
        commands=frozenset({SERVER, OPENAPI}),
        drum=True,
        metavar="FILE",
        doc="a DataRobot deployment document (JSON, its `target` section): `/predict/` then "
        'answers in DataRobot\'s prediction API format, `{"data": [{"prediction", '
        '"predictionValues", "rowId", ...}]}` (see [Deployment config](#deployment-config))',
    ),
    # --- tunables ---------------------------------------------------------------------------
    Option(
        "threads",
        ("--threads",),
        "DRUM_THREADS",
        values.positive_int,
        "connections a process serves at once, a thread each, started when needed",
        section=Section.TUNABLES,
        metavar="N",
        doc="connections one process (one worker) serves at once, a thread each, started only "
        "when needed: a ceiling, not a cost. It must exceed the clients that may be slow or "
        "stalled at once for `/ping/` to stay prompt beside them. The model's hooks still take "
        "turns (`--model-concurrency`)",
        runtime_param="DRUM_WORKER_CONNECTIONS",
        param_range=(1, 10000),
    ),
    Option(
        "read_timeout",
        ("--read-timeout",),
        "DRUM_READ_TIMEOUT",
        values.positive_seconds,
        "seconds a client may pause while sending a request: then its connection is closed "
        "(request head) or answered 408 (body)",
        section=Section.TUNABLES,
        metavar="S",
        doc="seconds a client may pause while sending a request: a stalled request head is "
        "dropped, a stalled body answered 408 and never scored",
    ),
    Option(
        "keepalive_timeout",
        ("--keepalive-timeout",),
        "DRUM_KEEPALIVE_TIMEOUT",
        values.positive_seconds,
        "seconds an idle connection (new, or between requests) stays open",
        section=Section.TUNABLES,
        metavar="S",
        runtime_param="DRUM_GUNICORN_KEEP_ALIVE",
        param_range=(0, 3600),
    ),
    Option(
        "drain_timeout",
        ("--drain-timeout",),
        "DRUM_DRAIN_TIMEOUT",
        values.positive_seconds,
        "seconds a stopping server waits for requests in flight; a model still busy then is "
        "abandoned and the exit status is 1",
        section=Section.TUNABLES,
        metavar="S",
        doc="on SIGTERM, seconds to answer the requests in flight; the process then exits 0. "
        "A model still busy after it is abandoned: the process says so in its log and exits 1 "
        "at once",
        runtime_param="DRUM_GUNICORN_GRACEFUL_TIMEOUT",
        param_range=(1, 3600),
    ),
    Option(
        "worker_timeout",
        ("--worker-timeout",),
        "DRUM_WORKER_TIMEOUT",
        values.non_negative_seconds,
        "gunicorn: seconds a request may keep a worker busy before the master replaces the "
        "worker; the request is answered 500, as by DRUM's gunicorn. 0: never",
        section=Section.TUNABLES,
        metavar="S",
        runtime_param="DRUM_CLIENT_REQUEST_TIMEOUT",
        param_range=(0, 3600),
        served_by=frozenset({"gunicorn"}),
        unserved="only gunicorn's master can replace a worker that a request keeps busy",
    ),
    Option(
        "backlog",
        ("--backlog",),
        "DRUM_BACKLOG",
        values.positive_int,
        "connections the kernel queues before the server accepts them",
        section=Section.TUNABLES,
        metavar="N",
        runtime_param="DRUM_WEBSERVER_BACKLOG",
        param_range=(1, 10000),
    ),
    Option(
        "flush_interval",
        ("--flush-interval",),
        "DRUM_FLUSH_INTERVAL",
        values.positive_seconds,
        "seconds between flushes of stdout while requests are answered",
        section=Section.TUNABLES,
        metavar="S",
    ),
    Option(
        "max_body_bytes",
        ("--max-body-bytes",),
        "DRUM_MAX_BODY_BYTES",
        values.positive_int,
        "the largest request body; a larger one gets 413 without being read",
        section=Section.TUNABLES,
        metavar="N",
    ),
    Option(
        "body_budget_bytes",
        ("--body-budget-bytes",),
        "DRUM_BODY_BUDGET_BYTES",
        values.bytes_or_auto,
        "bytes of request bodies one process holds at once; a body that does not fit in "
        "what is free gets 503 with Retry-After without being read. auto: a quarter of the "
        "memory (or the cgroup's limit) over the worker processes; 0: no ceiling",
        section=Section.TUNABLES,
        metavar="N",
        default_text=values.AUTO,
        doc="bytes of request bodies one process (one worker) holds at once, counted as they "
        "arrive (a client that declares 100 MiB and sends 1 MiB holds 1 MiB). A body whose "
        "`Content-Length` is more than what is free now, or that grows past it while others "
        "are read, gets 503 with `Retry-After` and is never scored; small bodies are still "
        "served while there is room. `auto`: a quarter of the memory available (the smaller "
        "of the machine's and a cgroup limit) divided by the worker processes (1 for flask), "
        "never below `--max-body-bytes`; `0`: no ceiling. A number must not be below "
        "`--max-body-bytes`: such a body could never fit",
    ),
    Option(
        "max_requests",
        ("--max-requests",),
        "DRUM_MAX_REQUESTS",
        values.non_negative_int,
        "gunicorn, fastapi: a worker is replaced after answering this many requests (plus "
        "up to --max-requests-jitter); 0: never",
        section=Section.TUNABLES,
        metavar="N",
        runtime_param="DRUM_GUNICORN_MAX_REQUESTS",
        param_range=(0, 10000),
        served_by=frozenset({"gunicorn", "fastapi"}),
        unserved="the flask type serves from one process, which has no worker to replace",
        doc="gunicorn, fastapi: a worker is replaced after answering this many requests, plus "
        "a random 0 to `--max-requests-jitter` of its own; the new worker loads the model while "
        "the others (or the listening socket's backlog) take the requests. 0: never",
    ),
    Option(
        "max_requests_jitter",
        ("--max-requests-jitter",),
        "DRUM_MAX_REQUESTS_JITTER",
        values.non_negative_int,
        "gunicorn, fastapi: each worker's --max-requests is raised by a random 0 to N, so "
        "that workers are not all replaced at once",
        section=Section.TUNABLES,
        metavar="N",
        runtime_param="DRUM_GUNICORN_MAX_REQUESTS_JITTER",
        param_range=(1, 10000),
        served_by=frozenset({"gunicorn", "fastapi"}),
        unserved="the flask type serves from one process, which has no worker to replace",
    ),
    # --- DataRobot's runtime parameters only ---------------------------------------------------
    Option(
        "gunicorn_log_level",
        help="gunicorn: the level of gunicorn's own log (debug, info, warning, error, "
        "critical); default: --logging-level's",
        section=Section.RUNTIME_PARAMS,
        drum=True,
        runtime_param="DRUM_GUNICORN_LOG_LEVEL",
        param_words=("debug", "info", "warning", "error", "critical"),
        served_by=frozenset({"gunicorn"}),
        unserved="only the gunicorn type has gunicorn's log; --logging-level sets the others'",
    ),
    Option(
        "gunicorn_worker_class",
        help="DRUM's gunicorn worker class",
        section=Section.RUNTIME_PARAMS,
        drum=True,
        default=None,
        runtime_param="DRUM_GUNICORN_WORKER_CLASS",
        param_words=("sync", "gevent"),
        served_by=frozenset(),
        unserved="every type runs its own threaded worker, serving --threads connections at "
        "once (DRUM_WORKER_CONNECTIONS)",
    ),
    Option(
        "gunicorn_first_byte_timeout",
        help="DRUM's gevent worker: seconds a new connection may wait for its first byte",
        section=Section.RUNTIME_PARAMS,
        drum=True,
        default=None,
        runtime_param="DRUM_GUNICORN_FIRST_BYTE_TIMEOUT",
        param_range=(0, 3600),
        served_by=frozenset(),
        unserved="it is DRUM's gevent worker's; here a new connection may wait "
        "--keepalive-timeout for its first byte, on every type",
    ),
    # --- used by DrumServerRun --------------------------------------------------------------
    Option(
        "listen_fd",
        ("--listen-fd",),
        convert=values.file_descriptor,
        help="serve an inherited listening socket",
        section=Section.INTERNAL,
        metavar="FD",
    ),
    Option(
        "lifeline_fd",
        ("--lifeline-fd",),
        convert=values.file_descriptor,
        help="stop when this pipe closes (its other end is the parent's)",
        section=Section.INTERNAL,
        metavar="FD",
    ),
    # --- writing the OpenAPI document -------------------------------------------------------
    Option(
        "output",
        ("--output",),
        convert=Path,
        help="where to write the document (JSON); without it, it is printed",
        commands=frozenset({OPENAPI}),
        section=Section.OPENAPI,
        metavar="FILE",
        default=None,
    ),
    # --- scoring a file ---------------------------------------------------------------------
    Option(
        "input",
        ("--input",),
        convert=Path,
        help="the data to score",
        commands=frozenset({SCORE}),
        section=Section.SCORE,
        drum=True,
        metavar="FILE",
        required=True,
        default=None,
        doc="the data: CSV (read as DRUM reads it), Matrix Market if the name ends in `.mtx`, "
        "or anything a `read_input_data` hook takes; an unstructured model gets the file's "
        "contents",
    ),
    Option(
        "output",
        ("--output",),
        convert=Path,
        help="where to write the predictions (CSV; an unstructured model's answer as it is); "
        "without it they are printed, as DRUM prints them",
        commands=frozenset({SCORE}),
        section=Section.SCORE,
        drum=True,
        metavar="FILE",
        default=None,
        doc="where to write. Without it the result is printed, as DRUM prints it: a structured "
        "result as the pandas DataFrame read back from the CSV, an unstructured one as text",
    ),
    Option(
        "sparse_column_file",
        ("--sparse-column-file",),
        convert=Path,
        help="a .mtx input's column names, one a line",
        commands=frozenset({SCORE}),
        section=Section.SCORE,
        drum=True,
        metavar="FILE",
        default=None,
        doc="a `.mtx` input's column names, one a line",
    ),
    Option(
        "content_type",
        ("--content-type",),
        help="unstructured models: the input's content type (default text/plain; charset=utf-8)",
        commands=frozenset({SCORE}),
        section=Section.SCORE,
        drum=True,
        metavar="TYPE",
        default=None,
        doc="unstructured models: the `mimetype`/`charset` the hook gets (default "
        "`text/plain; charset=utf-8`); as under DRUM's `drum score`, there are no `headers`",
    ),
    Option(
        "query",
        ("--query",),
        help="unstructured models: query parameters for the hook, as a=1&b=2",
        commands=frozenset({SCORE}),
        section=Section.SCORE,
        drum=True,
        metavar="QUERY",
        default=None,
        doc="unstructured models: the `query` the hook gets, as `a=1&b=2` (none by default)",
    ),
    # --- checking a model -------------------------------------------------------------------
    Option(
        "input",
        ("--input",),
        convert=Path,
        help="the data to score (CSV)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="FILE",
        required=True,
        default=None,
        doc="the data: a CSV for a structured model (anything else is sent as it is, without "
        "the row and column checks); an unstructured model gets the file as its body",
    ),
    Option(
        "types",
        ("--types",),
        convert=values.server_types,
        help="server types to check, separated by commas (default: every installed one)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="TYPES",
        default=None,
    ),
    Option(
        "drum",
        ("--drum",),
        help="also check against real DRUM (needs datarobot-drum installed beside us)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        kind=Kind.SWITCH,
        default=False,
        doc="also start real DRUM (`datarobot-drum` installed beside us), in its werkzeug "
        "mode. A model DRUM refuses to start (a `score` hook without `load_model` or an "
        "artifact, ...) fails the check with DRUM's log",
    ),
    Option(
        "json",
        ("--json",),
        convert=Path,
        help="write the report as JSON to this file",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="FILE",
        default=None,
    ),
    Option(
        "junit_xml",
        ("--junit-xml",),
        convert=Path,
        help="write the report as JUnit XML to this file (for CI)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="FILE",
        default=None,
        doc="write the report as JUnit XML to this file: one test case per server start, "
        "request and timed server, so CI shows each check",
    ),
    Option(
        "single_rows",
        ("--single-rows",),
        convert=values.non_negative_int,
        help="the input's first N rows are also sent one at a time",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="N",
        default=20,
    ),
    Option(
        "robustness_rows",
        ("--robustness-rows",),
        convert=values.positive_int,
        help="the robustness variants are made of the input's first N rows",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="N",
        default=100,
    ),
    Option(
        "latency_requests",
        ("--latency-requests",),
        convert=values.positive_int,
        help="timed requests per batch size and server, at most",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="N",
        default=20,
    ),
    Option(
        "latency_seconds",
        ("--latency-seconds",),
        convert=values.positive_seconds,
        help="time per batch size and server, at most",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="S",
        default=10.0,
    ),
    Option(
        "start_timeout",
        ("--start-timeout",),
        convert=values.positive_seconds,
        help="seconds each server may take to start (default 30; 120 for DRUM)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="S",
        default=None,
    ),
    Option(
        "log_dir",
        ("--log-dir",),
        convert=Path,
        help="keep each server's log in DIR/<server> (by default they are removed after a "
        "clean stop)",
        doc="keep each server's log in `DIR/<server>` (by default they are removed after a "
        "clean stop)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        metavar="DIR",
        default=None,
    ),
    Option(
        "quiet",
        ("--quiet",),
        help="no table, no progress line: only the exit status (and the files asked for)",
        commands=frozenset({CHECK}),
        section=Section.CHECK,
        kind=Kind.SWITCH,
        default=False,
    ),
    # --- DRUM's: accepted for its sake ------------------------------------------------------
    Option(
        "verbose",
        ("--verbose",),
        help="accepted for DRUM's sake; changes nothing",
        commands=DRUM_COMMANDS,
        section=Section.DRUM,
        kind=Kind.SWITCH,
        drum=True,
        default=False,
    ),
    Option(
        "language",
        ("--language",),
        convert=values.language,
        help="DRUM's; only python is served",
        commands=DRUM_COMMANDS,
        section=Section.DRUM,
        drum=True,
        metavar="LANGUAGE",
        default=None,
    ),
    # --- DRUM's: refused, each a one-line error that says why ---------------------------------
    _refused("--docker", _HERE),
    _refused(
        "--skip-deps-install", "it installs nothing: the model runs in this Python environment"
    ),
    _refused("--memory", "it runs no container whose memory could be limited"),
    _refused(
        "--production",
        "its server types are chosen by MLOPS_RUNTIME_PARAM_DRUM_SERVER_TYPE",
        frozenset({SERVER}),
    ),
    _refused("--show-perf", "it has no performance report; nox -s bench measures"),
    _refused("--monitor", _NO_MLOPS),
    _refused("--monitor-embedded", _NO_MLOPS),
    _refused("--deployment-id", _NO_MLOPS),
    _refused("--model-id", _NO_MLOPS),
    _refused("--monitor-settings", _NO_MLOPS),
    _refused("--allow-dr-api-access", _NO_API),
    _refused("--api-token", _NO_API),
    _refused("--webserver", _NO_API),
    _refused("--gpu-predictor", _NO_GPU),
    _refused("--triton-host", _NO_GPU),
    _refused("--triton-http-port", _NO_GPU),
    _refused("--triton-grpc-port", _NO_GPU),
    _refused("--sidecar", "it runs no sidecar"),
    _refused("--user-secrets-mount-path", _NO_SECRETS),
    _refused("--user-secrets-prefix", _NO_SECRETS),
    _refused("--lazy-loading-file", "it downloads no files before loading the model"),
    # drum server has these of drum score's; a request brings its own query and content type.
    # (Each refused option is refused by the commands whose DRUM counterpart has it.)
    _refused(
        "--query",
        "a request brings its own query string (drum-testing score takes --query)",
        frozenset({SERVER}),
    ),
    _refused(
        "--content-type",
        "a request brings its own Content-Type (drum-testing score takes it)",
        frozenset({SERVER}),
    ),
)
"""Every option, in the order ``--help`` and README list them."""


def options_for(command: str) -> Iterator[Option]:
    """The rows of ``command``'s options, in table order."""
    return (row for row in OPTIONS if command in row.commands)


def option(dest: str, command: str = SERVER) -> Option:
    """The row of ``command``'s option that sets ``dest``.

    ::

        >>> option("threads").variable
        'DRUM_THREADS'
    """
    for row in options_for(command):
        if row.dest == dest and row.kind is not Kind.REFUSED:
            return row
    raise KeyError(f"{command} has no option {dest!r}")


ARGUMENT_VARIABLES = frozenset(
    str(row.variable) for row in OPTIONS if row.is_argument_variable and SERVER in row.commands
)
"""Every variable that stands for one of the server's command-line options: DataRobot's way of
giving them. A test server never inherits these from the test's environment."""
