"""``drum-testing check``: the command line of a check.

::

    drum-testing check --code-dir model/ --target-type regression --input data.csv \\
        [--types flask,gunicorn,fastapi] [--drum] [--json out.json] [--junit-xml out.xml]

The table goes to stdout, the progress line to stderr. Exit status: 0 when no problem was
found, 1 when one was (a difference between server types, a 5xx, ...), 2 for a usage
error (a bad argument, an unreadable input, a server type that is not installed), 130 when
interrupted (every server is stopped first).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from drum_testing.config.settings import (
    RUNTIME_PARAMS_FILE_ENV,
    SERVER_TYPE_ALIASES,
    ServerType,
    Settings,
    TargetType,
)
from drum_testing.config.tunables import positive_int, positive_seconds

from .defaults import (
    DEFAULT_LATENCY_REQUESTS,
    DEFAULT_LATENCY_SECONDS,
    DEFAULT_ROBUSTNESS_ROWS,
    DEFAULT_SINGLE_ROWS,
)

if TYPE_CHECKING:  # the parser is built on every server start: imported where used
    from .options import CheckOptions

USAGE_ERROR = 2
TEST_KIT_HINT = "pip install 'drum-testing[testing]'"
INTERRUPTED = 130
"""Ctrl-C, as a shell reports it (128 + SIGINT)."""


def server_types(text: str) -> tuple[ServerType, ...]:
    """``--types``: server types separated by commas, each once."""
    chosen: list[ServerType] = []
    for word in (part.strip().lower() for part in text.split(",")):
        if word not in SERVER_TYPE_ALIASES:
            choices = ", ".join(t.value for t in ServerType)
            raise argparse.ArgumentTypeError(
                f"unknown server type {word!r} (choose from {choices})"
            )
        if SERVER_TYPE_ALIASES[word] not in chosen:
            chosen.append(SERVER_TYPE_ALIASES[word])
    return tuple(chosen)


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``check`` beside the model options every subcommand has."""
    parser.add_argument("--input", type=Path, required=True, help="the data to score (CSV)")
    parser.add_argument(
        "--types",
        type=server_types,
        help="server types to check, separated by commas (default: every installed one)",
    )
    parser.add_argument(
        "--drum",
        action="store_true",
        help="also check against real DRUM (needs datarobot-drum installed beside us)",
    )
    parser.add_argument("--json", type=Path, help="write the report as JSON to this file")
    parser.add_argument(
        "--junit-xml", type=Path, help="write the report as JUnit XML to this file (for CI)"
    )
    parser.add_argument(
        "--single-rows",
        type=_non_negative,
        default=DEFAULT_SINGLE_ROWS,
        help="the input's first N rows are also sent one at a time "
        f"(default {DEFAULT_SINGLE_ROWS})",
    )
    parser.add_argument(
        "--robustness-rows",
        type=positive_int,
        default=DEFAULT_ROBUSTNESS_ROWS,
        help="the robustness variants are made of the input's first N rows "
        f"(default {DEFAULT_ROBUSTNESS_ROWS})",
    )
    parser.add_argument(
        "--latency-requests",
        type=positive_int,
        default=DEFAULT_LATENCY_REQUESTS,
        help=f"timed requests per batch size and server (default {DEFAULT_LATENCY_REQUESTS})",
    )
    parser.add_argument(
        "--latency-seconds",
        type=positive_seconds,
        default=DEFAULT_LATENCY_SECONDS,
        help=f"at most this long per batch size and server (default {DEFAULT_LATENCY_SECONDS:g})",
    )
    parser.add_argument(
        "--start-timeout",
        type=positive_seconds,
        help="seconds each server may take to start (default 30; 120 for DRUM)",
    )
    parser.add_argument(
        "--log-dir", type=Path, help="keep the servers' logs here (default: removed when clean)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress line, no table: only the exit status"
    )


def drum_labels(settings: Settings) -> tuple[str, ...] | None:
    """The labels as ``DrumServerRun`` takes them: a binary model's are (negative, positive)."""
    if settings.target_type is TargetType.BINARY:
        assert settings.negative_class_label is not None
        assert settings.positive_class_label is not None
        return (settings.negative_class_label, settings.positive_class_label)
    return settings.labels


class UsageError(ValueError):
    """A mistake in the command line; the message says which."""


def build_options(
    settings: Settings, args: argparse.Namespace, environ: Mapping[str, str]
) -> CheckOptions:
    from drum_testing.errors import ModelLoadError
    from drum_testing.model.folder import check_code_dir
    from drum_testing.servers.registry import install_hint, missing_modules

    from .options import CheckOptions, installed_types

    if importlib.util.find_spec("requests") is None:
        raise UsageError(f"check needs the test kit, which is not installed: {TEST_KIT_HINT}")
    try:
        check_code_dir(settings.code_dir)
    except ModelLoadError as exc:
        raise UsageError(str(exc)) from None
    if args.types is None:
        types = installed_types()
        if not types:
            raise UsageError(
                "no server type is installed: pip install 'drum-testing[flask]' (or "
                "[gunicorn], [fastapi])"
            )
    else:
        types = args.types
        for server_type in types:
            if missing_modules(server_type):
                raise UsageError(
                    f"--types names {server_type.value}, which is not installed: "
                    f"{install_hint(server_type)}"
                )
    if args.drum:
        from drum_testing.launch.drum import DrumNotFoundError, find_drum

        try:
            find_drum()
        except DrumNotFoundError as exc:
            raise UsageError(f"--drum: {exc}") from None
    for flag, path in (("--json", args.json), ("--junit-xml", args.junit_xml)):
        if path is None:
            continue
        if path.is_dir():
            raise UsageError(f"cannot write {flag} {path}: it is a folder; name a file")
        if not path.parent.is_dir():
            raise UsageError(f"cannot write {flag} {path}: {path.parent} is not a folder")
        if not os.access(path.parent, os.W_OK):
            raise UsageError(f"cannot write {flag} {path}: {path.parent} is not writable")
    # The option, else its variable (as build_settings read it, DRUM's rule): the servers
    # get the file, since DrumServerRun passes on none of our option variables.
    params_file = args.runtime_params_file or environ.get(RUNTIME_PARAMS_FILE_ENV) or None
    return CheckOptions(
        code_dir=settings.code_dir,
        target_type=settings.target_type,
        input=args.input,
        labels=drum_labels(settings),
        server_types=types,
        drum=args.drum,
        target_name=settings.target_name,
        runtime_params_file=Path(params_file) if params_file is not None else None,
        logging_level=args.logging_level,
        single_rows=args.single_rows,
        robustness_rows=args.robustness_rows,
        latency_requests=args.latency_requests,
        latency_seconds=args.latency_seconds,
        start_timeout=args.start_timeout,
        log_dir=args.log_dir,
    )


def run(settings: Settings, args: argparse.Namespace, environ: Mapping[str, str], prog: str) -> int:
    """Run ``check`` from parsed arguments; the exit status."""
    from .junit import to_junit
    from .probes import InputError
    from .progress import ProgressLine
    from .runner import run_check
    from .table import render

    def fail(message: str) -> int:
        print(f"{prog} check: error: {message}", file=sys.stderr, flush=True)
        return USAGE_ERROR

    try:
        options = build_options(settings, args, environ)
    except UsageError as exc:
        return fail(str(exc))
    progress = ProgressLine()
    try:
        report = run_check(options, progress=(lambda _: None) if args.quiet else progress)
    except InputError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:  # the servers are stopped by then: run_check always stops them
        progress.close()
        print(f"{prog} check: interrupted; every server was stopped", file=sys.stderr)
        return INTERRUPTED
    finally:
        progress.close()
    if args.json is not None:
        args.json.write_text(report.to_json(), encoding="utf-8")
    if args.junit_xml is not None:
        args.junit_xml.write_text(to_junit(report), encoding="utf-8")
    if not args.quiet:
        print(render(report), end="", flush=True)
    return report.exit_status
