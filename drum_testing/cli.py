"""The command line: ``drum-testing server`` (also ``python -m drum_testing server``).

Arguments and environment become one frozen :class:`~drum_testing.settings.Settings`; a
bad argument is one line on stderr and exit status 2, a model that fails to load is its
traceback and exit status 1.

::

    python -m drum_testing server --code-dir model/ --target-type regression \\
        --address 127.0.0.1:8080
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

from .errors import ModelLoadError
from .settings import Settings, SettingsError, TargetType, parse_address, settings_from_env

PROG = "drum-testing"
SUPPORTED_TARGETS = tuple(t.value for t in TargetType if t is not TargetType.TRANSFORM)
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
USAGE_ERROR = 2
LOAD_ERROR = 1

logger = logging.getLogger("drum_testing")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line naming the problem, not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _fd(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a file descriptor number, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description="A DRUM-compatible prediction runtime.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    server = commands.add_parser("server", help="serve a model folder over HTTP")
    server.add_argument("--code-dir", required=True, type=Path, help="the model folder")
    server.add_argument("--target-type", required=True, choices=SUPPORTED_TARGETS, type=str.lower)
    server.add_argument("--address", required=True, help="HOST:PORT to serve on")
    server.add_argument("--positive-class-label", help="binary models: the positive label")
    server.add_argument("--negative-class-label", help="binary models: the negative label")
    labels = server.add_mutually_exclusive_group()
    labels.add_argument("--class-labels", nargs="+", help="multiclass models: the labels")
    labels.add_argument("--class-labels-file", type=Path, help="one label a line")
    server.add_argument("--logging-level", default="warning", choices=LOG_LEVELS, type=str.lower)
    server.add_argument(
        "--max-workers", type=_positive_int, default=1, help="workers (gunicorn, fastapi)"
    )
    server.add_argument(
        "--with-error-server",
        action="store_true",
        help="if the model fails to load, keep serving and answer 513 with the error",
    )
    server.add_argument(
        "--listen-fd", type=_fd, help="serve an inherited listening socket (used by DrumServerRun)"
    )
    server.add_argument(
        "--lifeline-fd", type=_fd, help="stop when this pipe closes (used by DrumServerRun)"
    )
    return parser


def build_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Validate arguments and environment together into one frozen Settings."""
    target = TargetType(args.target_type)
    host, port = parse_address(args.address)
    class_labels: tuple[str, ...] | None = None
    if args.class_labels_file is not None:
        try:
            text = args.class_labels_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"cannot read --class-labels-file: {exc.strerror}") from None
        class_labels = tuple(line.strip() for line in text.splitlines() if line.strip())
    elif args.class_labels:
        class_labels = tuple(args.class_labels)
    if target is TargetType.BINARY:
        if args.positive_class_label is None or args.negative_class_label is None:
            raise SettingsError(
                "a binary model needs --positive-class-label and --negative-class-label"
            )
        if args.positive_class_label == args.negative_class_label:
            raise SettingsError("the positive and negative class labels must differ")
    if target is TargetType.MULTICLASS:
        if not class_labels or len(class_labels) < 2:
            raise SettingsError(
                "a multiclass model needs --class-labels (two or more) or --class-labels-file"
            )
        if len(set(class_labels)) != len(class_labels):
            raise SettingsError("--class-labels has a label twice")
    return Settings(
        code_dir=args.code_dir.resolve(),
        target_type=target,
        host=host,
        port=port,
        positive_class_label=args.positive_class_label,
        negative_class_label=args.negative_class_label,
        class_labels=class_labels,
        logging_level=args.logging_level.upper(),
        max_workers=args.max_workers,
        with_error_server=args.with_error_server,
        listen_fd=args.listen_fd,
        lifeline_fd=args.lifeline_fd,
        **settings_from_env(environ),  # type: ignore[arg-type]
    )


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
    from .model import check_code_dir
    from .servers import AVAILABLE

    if settings.server_type not in AVAILABLE:
        names = ", ".join(sorted(t.value for t in AVAILABLE))
        return _fail(f"the {settings.server_type.value} server type is not available yet ({names})")
    try:
        check_code_dir(settings.code_dir)
    except ModelLoadError as exc:
        return _fail(str(exc))
    return serve(settings)


def serve(settings: Settings) -> int:
    """Listen, load the model, and serve with the chosen server type until stopped."""
    from .core import PredictionCore
    from .lifeline import watch_lifeline
    from .listen import ListenError, open_listener
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
    try:
        core = PredictionCore.load(settings)
    except Exception as exc:
        sock.close()
        traceback.print_exc()
        return _fail(f"the model in {settings.code_dir} failed to load: {exc!r}", LOAD_ERROR)
    return serve_with(core, sock, settings.server_type)
