"""Command-line options given as environment variables, with DRUM's precedence.

DataRobot starts DRUM with its arguments in the environment (``TARGET_TYPE``, ``CODE_DIR``,
``ADDRESS``, ...) and no flags. DRUM (``CMRunnerArgsRegistry.extend_sys_argv_with_env_vars``)
appends each set variable to the command line unless its option is there already; we apply
the same rules to the parsed arguments::

    args = parser.parse_args(argv)
    args, from_env = apply_env_options(args, os.environ, OPTIONS, exclusive=[...])

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
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from .settings import SettingsError

TRUE_WORDS = ("t", "true", "y", "yes", "on", "1", "1.0")
FALSE_WORDS = ("false", "n", "no", "off", "0", "none", "0.0")


@dataclass(frozen=True)
class EnvOption:
    """An option that a variable may give: ``dest`` is the option's argparse destination."""

    variable: str
    dest: str
    convert: Callable[[str], object] | None = None
    """Turns one word of the variable into the option's value; None for an on/off flag."""
    is_list: bool = False
    """The option takes several values: the variable is split on whitespace."""


def parse_bool(variable: str, raw: str) -> bool:
    """A boolean variable, read as DRUM reads it::

    >>> parse_bool("WITH_ERROR_SERVER", " Yes ")
    True
    """
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(
        f"{variable} must be a boolean ({', '.join(TRUE_WORDS)} or {', '.join(FALSE_WORDS)}), "
        f"got {raw!r}"
    )


def _given(value: object) -> bool:
    """Whether an option was on the command line: defaults are None (False for flags)."""
    return value is not None and value is not False


def _convert(option: EnvOption, raw: str) -> object:
    if option.convert is None:
        return parse_bool(option.variable, raw) or None  # off leaves the default
    words = raw.split() if option.is_list else [raw]
    if not words:
        raise SettingsError(f"{option.variable} has no values")
    try:
        values = [option.convert(word) for word in words]
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise SettingsError(f"{option.variable}: {exc}") from None
    return values if option.is_list else values[0]


def apply_env_options(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    options: Sequence[EnvOption],
    exclusive: Collection[frozenset[str]] = (),
) -> tuple[argparse.Namespace, dict[str, str]]:
    """``args`` with the options it lacks taken from ``environ``, and ``{dest: variable}``
    for each option a variable gave (so errors can name the variable, not the flag).

    ``exclusive`` holds groups of ``dest`` names that exclude each other. ``args`` itself is
    not changed.
    """
    merged = argparse.Namespace(**vars(args))
    from_env: dict[str, str] = {}
    for option in options:
        raw = environ.get(option.variable)
        if not raw or _given(getattr(args, option.dest, None)):
            continue
        group = next((g for g in exclusive if option.dest in g), frozenset())
        if any(_given(getattr(args, dest, None)) or dest in from_env for dest in group):
            continue
        value = _convert(option, raw)
        if value is not None:
            setattr(merged, option.dest, value)
            from_env[option.dest] = option.variable
    return merged, from_env
