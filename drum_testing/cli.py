"""The command line: ``drum-testing server``, ``score``, ``check`` and ``openapi`` (also
``python -m drum_testing ...``).

Arguments and environment become one frozen :class:`~drum_testing.config.settings.Settings`
(:mod:`drum_testing.config`); each subcommand then runs from it: ``server``
(:mod:`drum_testing.servers.serve`), ``score`` (:mod:`drum_testing.score`, DRUM's ``drum
score``) and ``check`` (:mod:`drum_testing.check.command`). A bad argument is one line on
stderr and exit status 2; a model that fails to load is its traceback and exit status 1.

::

    python -m drum_testing server --code-dir model/ --target-type regression \\
        --address 127.0.0.1:8080
    TARGET_TYPE=regression CODE_DIR=model/ ADDRESS=127.0.0.1:8080 drum-testing server
    drum-testing score --code-dir model/ --target-type regression --input data.csv \\
        --output predictions.csv
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .config.build import build_settings
from .config.console import PROG, fail
from .config.options import CHECK, OPENAPI, SCORE, SERVER
from .config.parser import OneLineParser, add_options
from .config.settings import Settings, SettingsError
from .version import DRUM_VERSION, VERSION

COMMANDS = {
    SERVER: "serve a model folder over HTTP",
    SCORE: "score a file with a model folder, as DRUM's drum score (no server)",
    CHECK: "start a model on every server type and check it answers alike, copes with bad "
    "input, and how fast",
    OPENAPI: "print the contract as an OpenAPI 3.1 document (JSON) for a server with the same "
    "options",
}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, every subcommand's options from the options table."""
    parser = OneLineParser(prog=PROG, description="A DRUM-compatible prediction runtime.")
    # As DRUM's ``drum --version`` ("drum 1.18.1"), plus the DRUM version whose behaviour we
    # serve: argparse's, not a row of the options table, which holds the subcommands' options.
    parser.add_argument(
        "--version",
        action="version",
        version=version_line(),
        help="print drum-testing's version and the DRUM version it serves, and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for command, help in COMMANDS.items():
        add_options(commands.add_parser(command, help=help), command)
    return parser


def version_line() -> str:
    """What ``--version`` prints: ``drum-testing 0.1.0 (serves DRUM 1.18.1)``."""
    return f"{PROG} {VERSION} (serves DRUM {DRUM_VERSION})"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    try:
        settings = build_settings(args, environ)
    except SettingsError as exc:
        return fail(args.command, str(exc))
    if args.command == CHECK:
        from .check.command import run as run_check

        return run_check(settings, args, environ)
    if args.command == OPENAPI:
        return _write_openapi(settings, args.output)
    _export_runtime_params(settings.runtime_params)
    if args.command == SCORE:
        from .score import run as run_score

        return run_score(settings, args)
    from .servers.serve import run as run_server

    return run_server(settings)


def _write_openapi(settings: Settings, output: Path | None) -> int:
    """Print the OpenAPI document of a server with ``settings``, or write it to ``output``.

    The model is not loaded: the document is what the settings decide (the target type,
    class labels, deployment document), so it is the one the server answers with
    ``--openapi`` for the same options.
    """
    from .app.openapi import build_document

    text = json.dumps(build_document(settings), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0


def _export_runtime_params(variables: Mapping[str, str]) -> None:
    """Put the ``--runtime-params-file`` parameters into this process's environment.

    The one change to ``os.environ``, made here at the entry point, where the process is the
    server's own. It is what DRUM does, and what reaches everyone: gunicorn's forked and
    uvicorn's spawned workers inherit the environment, and a model reading the variables
    itself or through the real ``datarobot_drum.RuntimeParameters`` sees what ours sees. A
    store of our own would have to travel to spawned workers and be invisible to those.
    """
    os.environ.update(variables)
