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
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from drum_testing.config.console import PROG, fail
from drum_testing.config.options import CHECK, option
from drum_testing.config.settings import Settings, TargetType
from drum_testing.errors import ModelLoadError
from drum_testing.install import install_command, not_installed
from drum_testing.model.folder import check_code_dir
from drum_testing.servers import registry

from .options import CheckOptions, installed_types

CHECK_EXTRA = "check"
"""The extra that installs everything check needs: its HTTP client and every server type."""
NEEDS = ("requests",)
"""What check imports beyond the runtime (besides the server types it starts)."""
INTERRUPTED = 130
"""Ctrl-C, as a shell reports it (128 + SIGINT)."""


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
    try:
        check_code_dir(settings.code_dir)
    except ModelLoadError as exc:
        raise UsageError(str(exc)) from None
    if args.types is None:
        types = installed_types()
        if not types:
            raise UsageError(
                f"no server type is installed: {install_command(CHECK_EXTRA)} installs every one"
            )
    else:
        types = args.types
        for server_type in types:
            if registry.missing_modules(server_type):
                raise UsageError(
                    f"--types names {server_type.value}, which is not installed: "
                    f"{registry.install_hint(server_type)}"
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
    variable = option("runtime_params_file", CHECK).variable
    params_file = args.runtime_params_file or environ.get(str(variable)) or None
    return CheckOptions(
        code_dir=settings.code_dir,
        target_type=settings.target_type,
        input=args.input,
        labels=drum_labels(settings),
        server_types=types,
        drum=args.drum,
        target_name=settings.target_name,
        runtime_params_file=Path(params_file) if params_file is not None else None,
        # DRUM's word for the level (the level's name in lower case is one).
        logging_level=settings.logging_level.lower() if args.logging_level else None,
        single_rows=args.single_rows,
        robustness_rows=args.robustness_rows,
        latency_requests=args.latency_requests,
        latency_seconds=args.latency_seconds,
        start_timeout=args.start_timeout,
        log_dir=args.log_dir,
    )


def run(settings: Settings, args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Run ``check`` from parsed arguments; the exit status.

    The check's machinery needs requests, imported only once it is found installed: without
    it, one line naming the extra, as for a server type that is not installed.
    """
    missing = not_installed(NEEDS)
    if missing:
        return fail(
            CHECK,
            f"checking a model needs {', '.join(missing)}, which is not installed: "
            f"{install_command(CHECK_EXTRA)}",
        )
    from .junit import to_junit
    from .probes import InputError
    from .progress import ProgressLine
    from .runner import run_check
    from .table import render

    try:
        options = build_options(settings, args, environ)
    except UsageError as exc:
        return fail(CHECK, str(exc))
    progress = ProgressLine()
    try:
        report = run_check(options, progress=(lambda _: None) if args.quiet else progress)
    except InputError as exc:
        return fail(CHECK, str(exc))
    except KeyboardInterrupt:  # the servers are stopped by then: run_check always stops them
        progress.close()
        print(f"{PROG} check: interrupted; every server was stopped", file=sys.stderr)
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
