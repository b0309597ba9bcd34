"""The options every subcommand shares, their environment variables, and Settings from them.

``drum-testing server`` and ``drum-testing score`` both load a model folder, so both take
the same model options, defined once here (:func:`add_model_arguments`): ``--code-dir``,
``--target-type``, the class labels, ``--logging-level``, ``--runtime-params-file`` and
``--show-stacktrace``. :func:`build_settings` validates a parsed command line together with
the environment into one frozen :class:`~drum_testing.config.settings.Settings`; a subcommand's
arguments take their variables only for the options that subcommand has (DRUM's rule)::

    parser = OneLineParser(prog="tool")
    add_model_arguments(parser)
    settings = build_settings(parser.parse_args(argv), os.environ)
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from .console import USAGE_ERROR
from .drum_flags import LOGGING_LEVELS, add_drum_flags
from .environment import EnvOption, apply_env_options
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

SUPPORTED_TARGETS = tuple(t.value for t in TargetType)


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


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which model to load and how: shared by every subcommand."""
    # Required, but they may come from their variables: REQUIRED is checked after those.
    parser.add_argument(
        "-cd", "--code-dir", type=Path, help=f"the model folder (env: {CODE_DIR_ENV})"
    )
    parser.add_argument(
        "--target-type", choices=SUPPORTED_TARGETS, type=str.lower, help=f"(env: {TARGET_TYPE_ENV})"
    )
    parser.add_argument(
        "--positive-class-label", help=f"binary models (env: {POSITIVE_CLASS_LABEL_ENV})"
    )
    parser.add_argument(
        "--negative-class-label", help=f"binary models (env: {NEGATIVE_CLASS_LABEL_ENV})"
    )
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument(
        "--class-labels", nargs="+", help=f"multiclass models (env: {CLASS_LABELS_ENV})"
    )
    labels.add_argument(
        "--class-labels-file", type=Path, help=f"one label a line (env: {CLASS_LABELS_FILE_ENV})"
    )
    parser.add_argument(
        "--logging-level", default="warning", choices=tuple(LOGGING_LEVELS), type=str.lower
    )
    parser.add_argument(
        "--show-stacktrace",
        action="store_true",
        help="accepted for DRUM's sake: a model that fails always shows its "
        f"traceback (env: {SHOW_STACKTRACE_ENV})",
    )
    parser.add_argument(
        "--runtime-params-file",
        type=Path,
        help="YAML values of the runtime parameters model-metadata.yaml declares "
        f"(env: {RUNTIME_PARAMS_FILE_ENV})",
    )


def _fd(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a file descriptor number, got {text!r}")
    return int(text)


def add_server_arguments(server: argparse.ArgumentParser) -> None:
    """``server``'s options beside the model's."""
    server.add_argument("--address", help=f"HOST:PORT to serve on (env: {ADDRESS_ENV})")
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
    add_tunable_arguments(server)
    server.add_argument(
        "--listen-fd", type=_fd, help="serve an inherited listening socket (used by DrumServerRun)"
    )
    server.add_argument(
        "--lifeline-fd", type=_fd, help="stop when this pipe closes (used by DrumServerRun)"
    )
    add_drum_flags(server)


def add_score_arguments(score: argparse.ArgumentParser) -> None:
    """``score``'s options beside the model's."""
    score.add_argument("--input", type=Path, required=True, help="the data to score")
    score.add_argument(
        "--output",
        type=Path,
        help="where to write the predictions (CSV; an unstructured model's answer as it is); "
        "without it they are printed, as DRUM prints them",
    )
    score.add_argument(
        "--sparse-column-file",
        type=Path,
        help="a .mtx input's column names, one a line",
    )
    score.add_argument(
        "--content-type",
        help="unstructured models: the input's content type (default text/plain; charset=utf-8)",
    )
    score.add_argument(
        "--query", help="unstructured models: query parameters for the hook, as a=1&b=2"
    )
    add_drum_flags(score)


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
"""Options without a default; each is required only of a subcommand that has it."""


def build_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Validate arguments and environment together into one frozen Settings.

    A variable stands in only for an option of ``args``' own subcommand (as in DRUM, which
    adds a variable to the command line only when the subcommand has its option): ``score``
    has no ``--address``, so neither needs nor reads ``ADDRESS``.
    """
    options = [option for option in ENV_OPTIONS if hasattr(args, option.dest)]
    args, from_env = apply_env_options(args, environ, options, EXCLUSIVE_OPTIONS)
    missing = [dest for dest in REQUIRED if hasattr(args, dest) and getattr(args, dest) is None]
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
    address: dict[str, object] = {}
    if getattr(args, "address", None) is not None:
        host, port = parse_address(args.address, named("address", "--address"))
        address = {"host": host, "port": port}
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
        positive_class_label=args.positive_class_label,
        negative_class_label=args.negative_class_label,
        class_labels=class_labels,
        logging_level=LOGGING_LEVELS[args.logging_level],
        max_workers=getattr(args, "max_workers", None) or 1,
        model_concurrency=getattr(args, "model_concurrency", None) or 1,
        with_error_server=getattr(args, "with_error_server", False),
        listen_fd=getattr(args, "listen_fd", None),
        lifeline_fd=getattr(args, "lifeline_fd", None),
        runtime_params=runtime_params,
        **address,  # type: ignore[arg-type]
        **tunable_values(args),  # type: ignore[arg-type]
        # The file's parameters replace the environment's, as in DRUM, where the server
        # type is read after the file was loaded: the file may choose it too.
        **settings_from_env({**environ, **runtime_params}),  # type: ignore[arg-type]
    )


def _runtime_params(values_file: Path, code_dir: Path, name: str) -> dict[str, str]:
    """The variables ``--runtime-params-file`` sets, or a SettingsError naming ``name``."""
    from .runtime_params import RuntimeParameterException
    from .runtime_params_file import load_runtime_params_file

    try:
        return load_runtime_params_file(values_file, code_dir)
    except RuntimeParameterException as exc:
        raise SettingsError(f"{name}: {exc}") from None
