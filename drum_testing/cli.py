"""The command line: ``drum-testing server`` and ``drum-testing score`` (also
``python -m drum_testing ...``).

Arguments and environment become one frozen :class:`~drum_testing.settings.Settings`; a
bad argument is one line on stderr and exit status 2, a model that fails to load (or, in
``score``, to score) is its traceback and exit status 1. Every option DataRobot gives DRUM
as an environment variable may come from that variable instead
(:mod:`drum_testing.env_args`). ``score`` scores one file as DRUM's ``drum score`` does
(:mod:`drum_testing.batch`), with no server.

::

    python -m drum_testing server --code-dir model/ --target-type regression \\
        --address 127.0.0.1:8080
    TARGET_TYPE=regression CODE_DIR=model/ ADDRESS=127.0.0.1:8080 drum-testing server
    drum-testing score --code-dir model/ --target-type regression --input data.csv \\
        --output predictions.csv
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from .arguments import (
    USAGE_ERROR,
    OneLineParser,
    add_model_arguments,
    build_settings,
)
from .check.command import add_check_arguments
from .drum_flags import add_drum_flags
from .errors import ModelLoadError
from .settings import (
    ADDRESS_ENV,
    MAX_WORKERS_ENV,
    MODEL_CONCURRENCY_ENV,
    WITH_ERROR_SERVER_ENV,
    Settings,
    SettingsError,
)
from .tunables import add_tunable_arguments, positive_int

PROG = "drum-testing"
LOAD_ERROR = 1

logger = logging.getLogger("drum_testing")


def _fd(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a file descriptor number, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description="A DRUM-compatible prediction runtime.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    server = commands.add_parser("server", help="serve a model folder over HTTP")
    add_model_arguments(server)
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
    score = commands.add_parser(
        "score", help="score a file with a model folder, as DRUM's drum score (no server)"
    )
    add_model_arguments(score)
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
    check = commands.add_parser(
        "check",
        help="start a model on every server type and check it answers alike, copes with "
        "bad input, and how fast",
    )
    add_model_arguments(check)
    add_check_arguments(check)
    return parser


def _fail(message: str, status: int = USAGE_ERROR, command: str = "server") -> int:
    print(f"{PROG} {command}: error: {message}", file=sys.stderr, flush=True)
    return status


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = build_settings(args, os.environ if environ is None else environ)
    except SettingsError as exc:
        return _fail(str(exc), command=args.command)
    if args.command == "score":
        return score(settings, args)
    if args.command == "check":
        from .check.command import run as run_check

        return run_check(settings, args, os.environ if environ is None else environ, PROG)
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


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.logging_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def serve(settings: Settings) -> int:
    """Listen, load the model, and serve with the chosen server type until stopped."""
    from .lifeline import watch_lifeline
    from .listen import ListenError, open_listener
    from .servers import LOADS_IN_WORKERS
    from .servers import serve as serve_with

    _configure_logging(settings)
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


def score(settings: Settings, args: argparse.Namespace) -> int:
    """Score ``--input`` and write (or print) the result; the exit status.

    A mistake of the user's (a folder without a model, an input that cannot be read or
    parsed, an ``--output`` in no folder) is one line and exit status 2, before the model
    loads where it can be found out before; a model that fails to load or to score is its
    traceback and exit status 1.
    """
    from . import batch
    from .answers import ModelOutputError
    from .code_dir import check_code_dir

    def fail(message: str, status: int = USAGE_ERROR) -> int:
        return _fail(message, status, command="score")

    output: Path | None = args.output
    if output is not None and not output.parent.is_dir():
        return fail(f"cannot write --output {output}: {output.parent} is not a folder")
    try:
        check_code_dir(settings.code_dir)
        data = batch.read_file(args.input)
        options = batch.ScoreOptions.for_file(
            args.input, args.sparse_column_file, args.content_type, args.query
        )
    except (ModelLoadError, batch.InputError) as exc:
        return fail(str(exc))
    _export_runtime_params(settings.runtime_params)
    _configure_logging(settings)
    from .model import Model  # pandas and the rest: only once the arguments are good

    try:
        model = Model.load(settings)
    except Exception as exc:
        traceback.print_exc()
        return fail(f"the model in {settings.code_dir} failed to load: {exc!r}", LOAD_ERROR)
    try:
        result = batch.score_input(model, data, options)
    except batch.InputError as exc:
        return fail(f"{args.input}: {exc}")
    except ModelOutputError as exc:
        return fail(f"the model's answer for {args.input} cannot be written: {exc}", LOAD_ERROR)
    except Exception as exc:
        traceback.print_exc()
        return fail(f"the model failed to score {args.input}: {exc!r}", LOAD_ERROR)
    if output is None:
        print(batch.stdout_text(result, settings.target_type), flush=True)
        return 0
    try:
        output.write_bytes(result)
    except OSError as exc:
        return fail(f"cannot write --output {output}: {exc.strerror or exc}")
    return 0
