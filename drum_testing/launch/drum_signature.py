"""What ours makes of the parameters of DRUM's own ``DrumServerRun``.

A test suite written for ``datarobot_drum``'s ``DrumServerRun(target_type, labels,
custom_model_dir, docker, ...)`` runs unchanged on ours: its 23 parameters are ours, in its
order. Those that mean something here mean the same (``labels``, ``custom_model_dir``,
``with_error_server``, ``fail_on_shutdown_error``, ``pass_args_as_env_vars``,
``logging_level``, ``append_cmd``, ``thread_class``, ``target_name``,
``wait_for_server_timeout``, ``max_workers``, ``port``, ``stream_output``); those whose
effect ours always has (:data:`ALWAYS_SO`) are accepted with any value; the rest (a Docker
image, GPU predictors, ...) are accepted at DRUM's defaults only (:data:`DEFAULT_ONLY`), so
that a test relying on them fails loudly, not silently.
The checks of the arguments (target type, labels, server type) and the server options they
become (:func:`server_options`, the same flags for our server and for DRUM) are here too.

::

    >>> check_drum_options({"sidecar": False, "docker": None})
    >>> check_drum_options({"docker": "python:3.11"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: DrumServerRun(docker='python:3.11'): DRUM's docker option is not supported ...
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from drum_testing.config.options import option
from drum_testing.config.settings import SERVER_TYPE_ENV, TargetType, parse_server_type

Option = tuple[str, "str | None", list[str]]
"""``(flag, variable, values)``: a server option as a flag, and the variable that can stand
for it (None: a flag only)."""

ALWAYS_SO: Mapping[str, str] = {
    "show_stacktrace": "a server that fails to start always shows its traceback in the log "
    "and in the error",
    "verbose": "the server's output always goes to run.log_path and run.process.out_stream / "
    ".err_stream; it is printed only with stream_output=True",
}
"""DRUM parameters accepted with any value, and why they change nothing here."""

DEFAULT_ONLY: Mapping[str, object] = {
    "docker": None,
    "production": False,
    "memory": None,
    "user_secrets_mount_path": None,
    "gpu_predictor": None,
    "sidecar": False,
    "cmd_override": None,
}
"""DRUM parameters ours cannot honour, with DRUM's defaults, the only values accepted."""


def check_drum_options(options: Mapping[str, object]) -> None:
    """Refuse a DRUM parameter set to what ours cannot do (see :data:`DEFAULT_ONLY`)."""
    for name, value in options.items():
        default = DEFAULT_ONLY[name]
        if value is not default and value != default:
            raise ValueError(
                f"DrumServerRun({name}={value!r}): DRUM's {name} option is not supported "
                f"here; leave it at {default!r}"
            )


def refuse_both(drum_name: str, drum_value: object, our_name: str, our_value: object) -> None:
    """A parameter that has DRUM's name and ours is given once, by either name."""
    if drum_value is not None and our_value is not None:
        raise TypeError(f"DrumServerRun() got both {drum_name}= and {our_name}=; pass one")


def target_type_value(value: str) -> str:
    """The canonical target type (``"Binary"`` -> ``"binary"``); ValueError names those accepted."""
    try:
        return (value if isinstance(value, TargetType) else TargetType(value.lower())).value
    except ValueError:
        accepted = ", ".join(t.value for t in TargetType)
        raise ValueError(f"unknown target type {value!r}; accepted: {accepted}") from None


def check_labels(target_type: str, labels: Sequence[str] | None) -> tuple[str, ...] | None:
    """The labels as a tuple of strings, checked against the target type (DRUM's order)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise TypeError("labels must be a sequence of labels, not one string")
    labels = tuple(str(label) for label in labels)
    target = TargetType(target_type)
    if not target.is_classification:
        raise ValueError(f"labels are for binary, multiclass and multilabel, not {target_type}")
    if target is TargetType.BINARY and len(labels) != 2:
        raise ValueError(f"binary labels are (negative, positive), as in DRUM; got {labels!r}")
    if target.has_class_labels and len(labels) < 2:
        raise ValueError(f"{target_type} needs at least two labels, got {labels!r}")
    return labels


def resolve_server_type(server_type: str | None = None) -> str:
    """The canonical server type: ``server_type``, else :data:`SERVER_TYPE_ENV`, else flask.

    Aliases and the runtime-parameter JSON form are resolved (``"uvicorn"`` -> ``"fastapi"``)::

        >>> resolve_server_type('{"type": "string", "payload": "uvicorn"}')
        'fastapi'
    """
    return parse_server_type(server_type or os.environ.get(SERVER_TYPE_ENV)).value


class RunOptions(Protocol):
    """What :func:`server_options` reads of a ``DrumServerRun``."""

    code_dir: Path
    target_type: str
    labels: tuple[str, ...] | None
    logging_level: str | None
    max_workers: int | None
    with_error_server: bool


def server_options(run: RunOptions, address: str) -> list[Option]:
    """Each server option ``run`` sets, as our server and DRUM both take it.

    A binary model's labels are DRUM's ``(negative, positive)``.
    """
    given: list[tuple[str, list[str]]] = [
        ("code_dir", [os.path.abspath(run.code_dir)]),
        ("target_type", [run.target_type]),
        ("address", [address]),
    ]
    if run.labels is not None and run.target_type == TargetType.BINARY.value:
        negative, positive = run.labels
        given += [("positive_class_label", [positive]), ("negative_class_label", [negative])]
    elif run.labels is not None:
        given.append(("class_labels", list(run.labels)))
    if run.logging_level is not None:
        given.append(("logging_level", [run.logging_level]))
    if run.max_workers is not None:
        given.append(("max_workers", [str(run.max_workers)]))
    if run.with_error_server:
        given.append(("with_error_server", []))
    # The flags and variables are the options table's: the server reads the same names.
    return [(option(dest).flag, option(dest).variable, words) for dest, words in given]
