"""Command-line options given as environment variables, with DRUM's precedence.

DataRobot starts DRUM with its arguments in the environment (``TARGET_TYPE``, ``CODE_DIR``,
``ADDRESS``, ...) and no flags. DRUM (``CMRunnerArgsRegistry.extend_sys_argv_with_env_vars``)
appends each set variable to the command line unless its option is there already; we apply
the same rules to the parsed arguments::

    args = parser.parse_args(argv)
    args, from_env = apply_env_options(args, os.environ, options_for("server"))

- The command line wins: a variable is read only when its option was not given. (DRUM looks
  for the option's exact word in argv, so ``--address=H:P`` loses to ``ADDRESS`` there; here
  the option wins however it is spelled.)
- An empty variable counts as unset.
- A list option's variable is split on whitespace (``CLASS_LABELS="a b c"``).
- Within an exclusive group (``--class-labels`` / ``--class-labels-file``) any option on the
  command line disables every variable of the group, and of several variables set, the first
  in the table wins (DRUM: ``CLASS_LABELS_FILE`` over ``CLASS_LABELS``).
- An on/off flag's variable turns it on with ``t``, ``true``, ``y``, ``yes``, ``on``, ``1``,
  ``1.0`` and leaves it off with ``false``, ``n``, ``no``, ``off``, ``0``, ``none``, ``0.0``
  (any case, around spaces ignored): DRUM's (trafaret's) words, where ``f`` is not one of
  them. Anything else is an error naming the variable (DRUM crashes with a traceback).

A variable with no option (``URL_PREFIX``, the server type) is read by :func:`read_variables`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping

from .options import Kind, Option
from .settings import SettingsError
from .values import switch


def _given(value: object) -> bool:
    """Whether an option was on the command line: defaults are None (False for switches)."""
    return value is not None and value is not False


def read_variable(option: Option, raw: str) -> object:
    """The value of ``option`` that its variable's text ``raw`` gives; a SettingsError naming
    the variable when it cannot be read."""
    assert option.variable is not None, option
    convert: Callable[[str], object]
    if option.kind is Kind.SWITCH:
        convert = switch
        words = [raw]
    else:
        convert = option.convert
        words = raw.split() if option.kind is Kind.LIST else [raw]
        if not words:
            raise SettingsError(f"{option.variable} has no values")
    try:
        converted = [convert(word) for word in words]
    except SettingsError:
        raise  # it names the variable itself
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise SettingsError(f"{option.variable}: {exc}") from None
    return converted if option.kind is Kind.LIST else converted[0]


def apply_env_options(
    args: argparse.Namespace, environ: Mapping[str, str], options: Iterable[Option]
) -> tuple[argparse.Namespace, dict[str, str]]:
    """``args`` with the options it lacks taken from their variables in ``environ``, and
    ``{dest: variable}`` for each option a variable gave (so errors can name the variable).

    Only ``options`` with both a flag and a variable take part. ``args`` itself is not
    changed.
    """
    rows = [row for row in options if row.is_argument_variable]
    merged = argparse.Namespace(**vars(args))
    from_env: dict[str, str] = {}
    for row in rows:
        raw = environ.get(str(row.variable))
        if not raw or _given(getattr(args, row.dest, None)):
            continue
        group = {r.dest for r in rows if row.exclusive and r.exclusive == row.exclusive}
        if any(_given(getattr(args, dest, None)) or dest in from_env for dest in group):
            continue
        value = read_variable(row, raw)
        if value is not False:  # an off switch leaves the default
            setattr(merged, row.dest, value)
            from_env[row.dest] = str(row.variable)
    return merged, from_env


def read_variables(environ: Mapping[str, str], options: Iterable[Option]) -> dict[str, object]:
    """``{dest: value}`` of the variable-only ``options`` set (non-empty) in ``environ``."""
    found: dict[str, object] = {}
    for row in options:
        if row.flags or row.variable is None:
            continue
        raw = environ.get(row.variable)
        if raw and raw.strip():
            found[row.dest] = read_variable(row, raw)
    return found
