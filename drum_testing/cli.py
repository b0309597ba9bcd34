"""The command line: ``drum-testing server`` (also ``python -m drum_testing server``).

Arguments and environment become one frozen :class:`~drum_testing.settings.Settings`; a
bad argument is one line on stderr and exit status 2, a model that fails to load is its
traceback and exit status 1. Every option DataRobot gives DRUM as an environment variable
may come from that variable instead (:mod:`drum_testing.env_args`).

::

    python -m drum_testing server --code-dir model/ --target-type regression \\
        --address 127.0.0.1:8080
    TARGET_TYPE=regression CODE_DIR=model/ ADDRESS=127.0.0.1:8080 drum-testing server
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from .env_args import EnvOption, apply_env_options
from .errors import ModelLoadError
from .settings import (
    ADDRESS_ENV,
    CLASS_LABELS_ENV,
    CLASS_LABELS_FILE_ENV,
    CODE_DIR_ENV,
    MAX_WORKERS_ENV,
    MODEL_CONCURRENCY_ENV,
    NEGATIVE_CLASS_LABEL_ENV,
    POSITIVE_CLASS_LABEL_ENV,
    RUNTIME_PARAMS_FILE_ENV,
    SHOW_STACKTRACE_ENV,
    TARGET_TYPE_ENV,
    WITH_ERROR_SERVER_ENV,
    Settings,
    SettingsError,
    TargetType,
    parse_address,
    settings_from_env,
)
from .tunables import add_tunable_arguments, positive_int, tunable_env_options, tunable_values

PROG = "drum-testing"
SUPPORTED_TARGETS = tuple(t.value for t in TargetType)
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
USAGE_ERROR = 2
LOAD_ERROR = 1

logger = logging.getLogger("drum_testing")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line naming the problem, not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def _target_type(text: str) -> str:
    """``--target-type``'s check, for its variable (argparse checks the option itself)."""
    if text.lower() not in SUPPORTED_TARGETS:
        choices = ", ".join(repr(t) for t in SUPPORTED_TARGETS)
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {choices})")
    return text.lower()


def _fd(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a file descriptor number, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description="A DRUM-compatible prediction runtime.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    server = commands.add_parser("server", help="serve a model folder over HTTP")
    # Required, but they may come from their variables: REQUIRED is checked after those.
    server.add_argument("--code-dir", type=Path, help=f"the model folder (env: {CODE_DIR_ENV})")
    server.add_argument(
        "--target-type", choices=SUPPORTED_TARGETS, type=str.lower, help=f"(env: {TARGET_TYPE_ENV})"
    )
    server.add_argument("--address", help=f"HOST:PORT to serve on (env: {ADDRESS_ENV})")
    server.add_argument(
        "--positive-class-label", help=f"binary models (env: {POSITIVE_CLASS_LABEL_ENV})"
    )
    server.add_argument(
        "--negative-class-label", help=f"binary models (env: {NEGATIVE_CLASS_LABEL_ENV})"
    )
    labels = server.add_mutually_exclusive_group()
    labels.add_argument(
        "--class-labels", nargs="+", help=f"multiclass models (env: {CLASS_LABELS_ENV})"
    )
    labels.add_argument(
        "--class-labels-file", type=Path, help=f"one label a line (env: {CLASS_LABELS_FILE_ENV})"
    )
    server.add_argument("--logging-level", default="warning", choices=LOG_LEVELS, type=str.lower)
    server.add_argument(
        "--max-workers",
        type=positive_int,
        help=f"workers (gunicorn, fastapi); default 1 (env: {MAX_WORKERS_ENV})",
    )
    server.add_argument(
        "--model-concurrency",
        type=positive_int,
        help="requests that may run the model's hooks at once in one process; default 1, "
        f"as in DRUM (env: {MODEL_CONCURRENCY_ENV})",
    )
    server.add_argument(
        "--with-error-server",
        action="store_true",
        help="if the model fails to load, keep serving and answer 513 with the error "
        f"(env: {WITH_ERROR_SERVER_ENV})",
    )
    server.add_argument(
        "--show-stacktrace",
        action="store_true",
        help="accepted for DRUM's sake: a model that fails to load always shows its "
        f"traceback (env: {SHOW_STACKTRACE_ENV})",
    )
    server.add_argument(
        "--runtime-params-file",
        type=Path,
        help="YAML values of the runtime parameters model-metadata.yaml declares "
        f"(env: {RUNTIME_PARAMS_FILE_ENV})",
    )
    add_tunable_arguments(server)
    server.add_argument(
        "--listen-fd", type=_fd, help="serve an inherited listening socket (used by DrumServerRun)"
    )
    server.add_argument(
        "--lifeline-fd", type=_fd, help="stop when this pipe closes (used by DrumServerRun)"
    )
    return parser


ENV_OPTIONS = (
    # In DRUM's order, which decides between CLASS_LABELS_FILE and CLASS_LABELS.
    EnvOption(TARGET_TYPE_ENV, "target_type", _target_type),
    EnvOption(CODE_DIR_ENV, "code_dir", Path),
    EnvOption(NEGATIVE_CLASS_LABEL_ENV, "negative_class_label", str),
    EnvOption(POSITIVE_CLASS_LABEL_ENV, "positive_class_label", str),
    EnvOption(CLASS_LABELS_FILE_ENV, "class_labels_file", Path),
    EnvOption(CLASS_LABELS_ENV, "class_labels", str, is_list=True),
    EnvOption(ADDRESS_ENV, "address", str),
    EnvOption(MAX_WORKERS_ENV, "max_workers", positive_int),
    EnvOption(MODEL_CONCURRENCY_ENV, "model_concurrency", positive_int),
    EnvOption(WITH_ERROR_SERVER_ENV, "with_error_server"),
    EnvOption(SHOW_STACKTRACE_ENV, "show_stacktrace"),
    EnvOption(RUNTIME_PARAMS_FILE_ENV, "runtime_params_file", Path),
    *tunable_env_options(),
)
"""The options DataRobot may give as variables (DRUM's ArgumentOptionsEnvVars we serve)."""
EXCLUSIVE_OPTIONS = (frozenset({"class_labels", "class_labels_file"}),)
REQUIRED = {"code_dir": "--code-dir", "target_type": "--target-type", "address": "--address"}


def build_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Validate arguments and environment together into one frozen Settings."""
    args, from_env = apply_env_options(args, environ, ENV_OPTIONS, EXCLUSIVE_OPTIONS)
    missing = [dest for dest in REQUIRED if getattr(args, dest) is None]
    if missing:
        variable_of = {option.dest: option.variable for option in ENV_OPTIONS}
        raise SettingsError(
            f"the following arguments are required: {', '.join(REQUIRED[d] for d in missing)} "
            f"(or the environment variables {', '.join(variable_of[d] for d in missing)})"
        )

    def named(dest: str, flag: str) -> str:
        """How an error names an option: by the variable it came from, if it did."""
        return from_env.get(dest, flag)

    target = TargetType(args.target_type)
    host, port = parse_address(args.address, named("address", "--address"))
    class_labels: tuple[str, ...] | None = None
    if args.class_labels_file is not None:
        try:
            text = args.class_labels_file.read_text(encoding="utf-8")
        except OSError as exc:
            name = named("class_labels_file", "--class-labels-file")
            raise SettingsError(f"cannot read {name}: {exc.strerror}") from None
        class_labels = tuple(line.strip() for line in text.splitlines() if line.strip())
    elif args.class_labels:
        class_labels = tuple(args.class_labels)
    if target is TargetType.BINARY:
        if args.positive_class_label is None or args.negative_class_label is None:
            raise SettingsError(
                "a binary model needs --positive-class-label and --negative-class-label "
                f"(or {POSITIVE_CLASS_LABEL_ENV} and {NEGATIVE_CLASS_LABEL_ENV})"
            )
        if args.positive_class_label == args.negative_class_label:
            raise SettingsError("the positive and negative class labels must differ")
    if target.has_class_labels:
        if not class_labels or len(class_labels) < 2:
            raise SettingsError(
                f"a {target.value} model needs --class-labels (two or more) or "
                f"--class-labels-file (or {CLASS_LABELS_ENV} or {CLASS_LABELS_FILE_ENV})"
            )
        if len(set(class_labels)) != len(class_labels):
            raise SettingsError(f"{named('class_labels', '--class-labels')} has a label twice")
    code_dir = args.code_dir.resolve()
    runtime_params: dict[str, str] = {}
    if args.runtime_params_file is not None:
        runtime_params = _runtime_params(
            args.runtime_params_file,
            code_dir,
            named("runtime_params_file", "--runtime-params-file"),
        )
    return Settings(
        code_dir=code_dir,
        target_type=target,
        host=host,
        port=port,
        positive_class_label=args.positive_class_label,
        negative_class_label=args.negative_class_label,
        class_labels=class_labels,
        logging_level=args.logging_level.upper(),
        max_workers=args.max_workers or 1,
        model_concurrency=args.model_concurrency or 1,
        with_error_server=args.with_error_server,
        listen_fd=args.listen_fd,
        lifeline_fd=args.lifeline_fd,
        runtime_params=runtime_params,
        **tunable_values(args),  # type: ignore[arg-type]
        # The file's parameters replace the environment's, as in DRUM, where the server
        # type is read after the file was loaded: the file may choose it too.
        **settings_from_env({**environ, **runtime_params}),  # type: ignore[arg-type]
    )


def _runtime_params(values_file: Path, code_dir: Path, name: str) -> dict[str, str]:
    """The variables ``--runtime-params-file`` sets, or a SettingsError naming ``name``."""
    from .runtime_parameters import RuntimeParameterException
    from .runtime_params_file import load_runtime_params_file  # imports pandas, via .model

    try:
        return load_runtime_params_file(values_file, code_dir)
    except RuntimeParameterException as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _fail(message: str, status: int = USAGE_ERROR) -> int:
    print(f"{PROG} server: error: {message}", file=sys.stderr, flush=True)
    return status


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = build_settings(args, os.environ if environ is None else environ)
    except SettingsError as exc:
        return _fail(str(exc))
    from .code_dir import check_code_dir
    from .servers import install_hint, missing_modules

    missing = missing_modules(settings.server_type)
    if missing:  # before the model loads: a one-line error, not a traceback after it
        return _fail(
            f"the {settings.server_type.value} server type needs {', '.join(missing)}, "
            f"which is not installed: {install_hint(settings.server_type)}"
        )
    try:
        check_code_dir(settings.code_dir)
    except ModelLoadError as exc:
        return _fail(str(exc))
    _export_runtime_params(settings.runtime_params)
    return serve(settings)


def _export_runtime_params(variables: Mapping[str, str]) -> None:
    """Put the ``--runtime-params-file`` parameters into this process's environment.

    The one change to ``os.environ``, made here at the entry point, where the process is the
    server's own. It is what DRUM does, and what reaches everyone: gunicorn's forked and
    uvicorn's spawned workers inherit the environment, and a model reading the variables
    itself or through the real ``datarobot_drum.RuntimeParameters`` sees what ours sees. A
    store of our own would have to travel to spawned workers and be invisible to those.
    """
    os.environ.update(variables)


def serve(settings: Settings) -> int:
    """Listen, load the model, and serve with the chosen server type until stopped."""
    from .lifeline import watch_lifeline
    from .listen import ListenError, open_listener
    from .servers import LOADS_IN_WORKERS
    from .servers import serve as serve_with

    logging.basicConfig(
        level=settings.logging_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # werkzeug raises its own logger to INFO when it is unset: one line per request.
    logging.getLogger("werkzeug").setLevel(settings.logging_level)
    try:
        sock = open_listener(settings)
    except ListenError as exc:
        return _fail(str(exc))
    if settings.lifeline_fd is not None:
        watch_lifeline(settings.lifeline_fd)
    core = None
    if settings.server_type not in LOADS_IN_WORKERS:
        from .core import PredictionCore  # pandas and the rest: not in a gunicorn master

        try:
            core = PredictionCore.load(settings)
        except Exception as exc:
            sock.close()
            traceback.print_exc()
            return _fail(f"the model in {settings.code_dir} failed to load: {exc!r}", LOAD_ERROR)
    return serve_with(settings, core, sock)
