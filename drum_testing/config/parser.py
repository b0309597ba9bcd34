"""The argparse parser of each subcommand, made from the options table.

Each row of :data:`~.options.OPTIONS` that a subcommand takes becomes one argument, in a group
of its section; its help names its variable and its default. An absent option that has a
variable parses as None (False for a switch): the variable and the default are applied after
parsing, by :mod:`.environment` and :mod:`.build`, so that a flag, its variable and its
default are told apart; one without a variable parses as its default. A DRUM option we do
not serve fails the parse with one line saying why::

    $ drum-testing server --code-dir m --target-type regression --address :8080 --docker img
    drum-testing server: error: --docker is a DRUM option drum-testing does not support: \\
it runs the model in this Python environment (see --help)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from .console import USAGE_ERROR
from .options import Kind, Option, Section, options_for


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line naming the problem, not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see --help)\n")


class _Refuse(argparse.Action):
    """Fails the parse with one line naming the option and why it is not served."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        flag = option_string or self.option_strings[0]
        parser.error(f"{flag} is a DRUM option drum-testing does not support: {self.const}")


def help_text(row: Option) -> str:
    """A row's ``--help`` line: its help, its default when it has one, and its variable."""
    text = row.help
    if row.shown_default is not None:
        text += f"; default {row.shown_default}"
    if row.variable is not None:
        text += f" (env: {row.variable})"
    return text


def add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add every option ``command`` takes to ``parser``, grouped by section."""
    groups: dict[Section, argparse._ArgumentGroup] = {}
    exclusive: dict[str, argparse._MutuallyExclusiveGroup] = {}
    for row in options_for(command):
        if not row.flags:
            continue  # a variable-only setting
        if row.kind is Kind.REFUSED:
            # Not in --help: they are DRUM's, not ours. The reason rides in ``const``.
            parser.add_argument(
                *row.flags,
                dest=row.dest,
                action=_Refuse,
                nargs="?",
                const=row.help,
                help=argparse.SUPPRESS,
            )
            continue
        if row.section not in groups:
            groups[row.section] = parser.add_argument_group(row.section.value)
        target: Any = groups[row.section]
        if row.exclusive is not None:
            if row.exclusive not in exclusive:
                exclusive[row.exclusive] = groups[row.section].add_mutually_exclusive_group()
            target = exclusive[row.exclusive]
        kwargs: dict[str, Any] = {"dest": row.dest, "help": help_text(row)}
        if row.required and row.variable is None:
            kwargs["required"] = True  # nothing else can give it; with a variable, build checks
        if row.kind is Kind.SWITCH:
            kwargs["action"] = "store_true"
        else:
            kwargs.update(type=row.convert, metavar=row.metavar)
            if row.variable is None:  # nothing may stand in for it: its default is final
                kwargs["default"] = row.value_default
            if row.kind is Kind.LIST:
                kwargs["nargs"] = "+"
        target.add_argument(*row.flags, **kwargs)
