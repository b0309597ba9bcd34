"""One frozen :class:`~.settings.Settings` from a parsed command line and the environment.

::

    args = parser.parse_args(argv)              # a subcommand's parser (cli.build_parser)
    settings = build_settings(args, os.environ)

A variable stands in only for an option of the subcommand's own (as in DRUM, which adds a
variable to the command line only when the subcommand has its option): ``score`` has no
``--address``, so neither needs nor reads ``ADDRESS``. An option whose ``dest`` is a Settings
field goes there as it is; the few that need each other (the address, the class labels,
the runtime parameters file) are put together here.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .environment import apply_env_options, read_variables
from .options import SERVER, SETTINGS_DEFAULTS, Kind, Option, option, options_for
from .runtime_params import RuntimeParameterException
from .runtime_params_file import load_runtime_params_file
from .server_params import read_server_params
from .settings import (
    DEFAULT_SOURCE,
    DRUM_DEFAULT_SERVER_TYPE,
    SERVER_TYPE_ENV,
    Settings,
    SettingsError,
    TargetType,
    UnknownServerType,
    parse_address,
)

DRUM_DEFAULT_NOTICE = (
    "Default DRUM server changed from 'werkzeug' to 'gunicorn' as of DRUM 1.17.19. "
    "Set DRUM_SERVER_TYPE='werkzeug' to keep previous behavior."
)
"""DRUM 1.18.1's warning when the server type is unset, word for word (users grep for it)."""

_COMBINED = frozenset({"class_labels"})
"""Settings fields with a default that are made below from several options, not copied from
one (``code_dir``, ``target_type``, the address's ``host`` and ``port`` and ``runtime_params``
are made below too; they have no default of their own, or no row of their own)."""


def command_options(args: argparse.Namespace) -> list[Option]:
    """The rows of the subcommand ``args`` was parsed for (its ``command``)."""
    return [row for row in options_for(args.command) if row.kind is not Kind.REFUSED]


def build_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Validate arguments and environment together into one frozen Settings."""
    rows = command_options(args)
    args, from_env = apply_env_options(args, environ, rows)
    missing = [row for row in rows if row.required and getattr(args, row.dest, None) is None]
    if missing:
        raise SettingsError(
            f"the following arguments are required: {', '.join(r.flag for r in missing)} "
            f"(or the environment variables {', '.join(str(r.variable) for r in missing)})"
        )

    def named(row_dest: str, flag: str) -> str:
        """How an error names an option: by the variable it came from, if it did."""
        return from_env.get(row_dest, flag)

    # Every option that is a Settings field (with its default there) goes to it as given.
    fields: dict[str, Any] = {
        row.dest: getattr(args, row.dest)
        for row in rows
        if row.flags
        and row.dest in SETTINGS_DEFAULTS
        and row.dest not in _COMBINED
        and getattr(args, row.dest, None) is not None
    }
    target = TargetType(args.target_type)
    if getattr(args, "address", None) is not None:
        fields["host"], fields["port"] = parse_address(args.address, named("address", "--address"))
    fields["class_labels"] = _class_labels(args, target, named)
    code_dir = Path(args.code_dir).resolve()
    runtime_params: dict[str, str] = {}
    if args.runtime_params_file is not None:
        name = named("runtime_params_file", "--runtime-params-file")
        try:
            runtime_params = load_runtime_params_file(args.runtime_params_file, code_dir)
        except RuntimeParameterException as exc:
            raise SettingsError(f"{name}: {exc}") from None
    sources = {row.dest: from_env.get(row.dest, row.flag) for row in rows if row.dest in fields}
    # The file's parameters replace the environment's, as in DRUM, where the server type is
    # read after the file was loaded: the file may choose it too.
    params_env = {**environ, **runtime_params}
    notices: list[str] = []
    variables = _read_variables(params_env, rows, args.command, notices)
    fields.update(variables)
    sources.update((dest, str(option(dest, args.command).variable)) for dest in variables)
    if args.command == SERVER and "server_type" not in fields:
        fields["server_type"] = DRUM_DEFAULT_SERVER_TYPE
        sources["server_type"] = DEFAULT_SOURCE
        if not notices:  # unset, not unknown: DRUM's notice of its new default
            notices.append(DRUM_DEFAULT_NOTICE)
    params = read_server_params(rows, params_env, sources)
    notices += params.notices
    sources.update(params.sources)
    fields.update((k, v) for k, v in params.values.items() if k in SETTINGS_DEFAULTS)
    settings = Settings(
        code_dir=code_dir,
        target_type=target,
        runtime_params=runtime_params,
        sources=sources,
        notices=tuple(notices),
        **fields,
    )
    budget = settings.body_budget_bytes
    if budget and budget < settings.max_body_bytes:
        # Such a body would be refused 503 for ever: retrying could never make it fit.
        raise SettingsError(
            f"{named('body_budget_bytes', '--body-budget-bytes')} ({budget}) is below "
            f"{named('max_body_bytes', '--max-body-bytes')} ({settings.max_body_bytes}): a "
            "body the limit allows could never fit; raise the budget or lower the limit"
        )
    if settings.deployment_config is not None:
        name = named("deployment_config", "--deployment-config")
        try:
            settings.deployment_config.check(target.value, settings.labels)
        except ValueError as exc:
            raise SettingsError(f"{name} {settings.deployment_config.path}: {exc}") from None
    return settings


def _read_variables(
    environ: Mapping[str, str], rows: list[Option], command: str, notices: list[str]
) -> dict[str, object]:
    """The variable-only options; on ``server``, an unknown server type is DRUM's warning
    and the default (DRUM: "Falling back to gunicorn"), elsewhere an error."""
    try:
        return read_variables(environ, rows)
    except UnknownServerType as exc:
        if command != SERVER:
            raise
        notices.append(
            f"Server type {exc.word.lower()!r} is not supported. Supported types: "
            f"['gunicorn', 'werkzeug'] (and here flask, fastapi, uvicorn). Falling back to "
            f"{DRUM_DEFAULT_SERVER_TYPE.value}."
        )
        return read_variables({k: v for k, v in environ.items() if k != SERVER_TYPE_ENV}, rows)


def _class_labels(
    args: argparse.Namespace, target: TargetType, named: Any
) -> tuple[str, ...] | None:
    """The labels, from ``--class-labels-file`` or ``--class-labels``, checked against the
    target type (a binary model's two labels are checked here too)."""
    labels: tuple[str, ...] | None = None
    if args.class_labels_file is not None:
        try:
            text = Path(args.class_labels_file).read_text(encoding="utf-8")
        except OSError as exc:
            name = named("class_labels_file", "--class-labels-file")
            raise SettingsError(f"cannot read {name}: {exc.strerror}") from None
        labels = tuple(line.strip() for line in text.splitlines() if line.strip())
    elif args.class_labels:
        labels = tuple(args.class_labels)
    if target is TargetType.BINARY:
        if args.positive_class_label is None or args.negative_class_label is None:
            positive, negative = option("positive_class_label"), option("negative_class_label")
            raise SettingsError(
                f"a binary model needs {positive.flag} and {negative.flag} "
                f"(or {positive.variable} and {negative.variable})"
            )
        if args.positive_class_label == args.negative_class_label:
            raise SettingsError("the positive and negative class labels must differ")
    if target.has_class_labels:
        if not labels or len(labels) < 2:
            listed, listed_in_file = option("class_labels"), option("class_labels_file")
            raise SettingsError(
                f"a {target.value} model needs {listed.flag} (two or more) or "
                f"{listed_in_file.flag} (or {listed.variable} or {listed_in_file.variable})"
            )
        if len(set(labels)) != len(labels):
            raise SettingsError(f"{named('class_labels', '--class-labels')} has a label twice")
    return labels
