"""DataRobot's runtime parameters that configure the server, read as DRUM 1.18.1 reads them.

DRUM's gunicorn configuration and its werkzeug server read ``CUSTOM_MODEL_WORKERS``,
``DRUM_CLIENT_REQUEST_TIMEOUT``, ``DRUM_GUNICORN_MAX_REQUESTS`` and more, each an
``MLOPS_RUNTIME_PARAM_<NAME>`` variable (or a value of ``--runtime-params-file``). Each is
the :attr:`~.options.Option.runtime_param` of one row of the options table, and gives that
row's value when neither its flag nor its variable does: flag, variable, runtime parameter,
default. DRUM's reading is kept:

- a numeric parameter is made a whole number as DRUM makes it (``int(payload)``: 3.7 is 3,
  ``"5"`` is 5); a payload ``int`` refuses fails the start, as it fails DRUM's;
- outside DRUM's range (:attr:`~.options.Option.param_range`) DRUM silently keeps its
  default: we keep ours, with a warning line (DRUM says nothing);
- a string parameter is one of DRUM's words, in any case (others ignored and warned);
- ``null`` is as unset, with a warning (DRUM fails on it).

A parameter that the chosen server type cannot honour is a warning line naming it
(:func:`unserved_notices`), logged once the server type is final.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .options import Option
from .runtime_params import RuntimeParameterException, param_variable, parse_param
from .settings import Settings, SettingsError


class ParamValues(NamedTuple):
    """What the runtime parameters gave: values by field, their variables, and warnings."""

    values: dict[str, Any]
    sources: dict[str, str]
    notices: list[str]


def _whole_number(variable: str, payload: object) -> int:
    try:
        number: int = int(payload)  # type: ignore[call-overload]  # DRUM's own conversion
        return number
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(f"{variable}: expected a whole number, got {payload!r}") from None


def read_param(row: Option, raw: str) -> tuple[Any, str | None]:
    """The value ``row``'s runtime parameter gives from its variable's text ``raw``, or
    ``(None, why)`` when DRUM would ignore it (``why`` is the warning line)."""
    assert row.runtime_param is not None, row
    variable = param_variable(row.runtime_param)
    try:
        payload = parse_param(row.runtime_param, raw)
    except RuntimeParameterException as exc:
        raise SettingsError(str(exc)) from None
    if payload is None:
        return None, f"{variable} is null: ignored"
    default = f"the default{'' if row.shown_default is None else ' ' + row.shown_default}"
    if row.param_words is not None:
        word = str(payload).strip().lower()
        if word not in row.param_words:
            return None, (
                f"{variable}={payload!r} is not one of DRUM's {', '.join(row.param_words)}: "
                f"ignored, as DRUM ignores it ({default} stays)"
            )
        return word, None
    number = _whole_number(variable, payload)
    if row.param_range is not None:
        low, high = row.param_range
        if not low <= number <= high:
            return None, (
                f"{variable}={number} is outside DRUM's range {low} to {high}: ignored, as "
                f"DRUM ignores it ({default} stays)"
            )
    try:
        return row.convert(str(number)), None
    except (argparse.ArgumentTypeError, ValueError) as exc:
        return None, f"{variable}={number} is not served here ({exc}): {default} stays"


def read_server_params(
    rows: Iterable[Option], environ: Mapping[str, str], given: Iterable[str]
) -> ParamValues:
    """The values the runtime parameters in ``environ`` give to ``rows`` whose field is not
    in ``given`` (set by a flag or a variable already)."""
    found = ParamValues({}, {}, [])
    already = set(given)
    for row in rows:
        if row.runtime_param is None or row.dest in already:
            continue
        variable = param_variable(row.runtime_param)
        raw = environ.get(variable)
        if not raw or not raw.strip():
            continue
        value, why = read_param(row, raw)
        if why is not None:
            found.notices.append(why)
            continue
        found.values[row.dest] = value
        found.sources[row.dest] = variable
    return found


def unserved_notices(settings: Settings, rows: Iterable[Option]) -> list[str]:
    """One warning line for each option given (by any means) that ``settings``' server type
    cannot honour; an option given its default value changes nothing and is not named."""
    notices = []
    server_type = settings.server_type.value
    for row in rows:
        source = settings.sources.get(row.dest)
        if source is None or row.served_by is None or server_type in row.served_by:
            continue
        if hasattr(settings, row.dest) and getattr(settings, row.dest) == row.value_default:
            continue
        notices.append(f"{source} is not honoured by the {server_type} server type: {row.unserved}")
    return notices
