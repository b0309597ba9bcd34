"""What ours makes of the parameters of DRUM's own ``DrumServerRun``.

A test suite written for ``datarobot_drum``'s ``DrumServerRun(target_type, labels,
custom_model_dir, ...)`` runs unchanged on ours: the parameters that mean something here
mean the same (``labels``, ``custom_model_dir``, ``with_error_server``, ``max_workers``,
``port``, ``wait_for_server_timeout``, ``logging_level``, ``target_name``,
``pass_args_as_env_vars``, ``append_cmd``); those whose effect ours always has or never
needs are accepted with any value; the rest (a Docker image, GPU predictors, ...) are
accepted at DRUM's defaults only, so that a test relying on them fails loudly, not silently.

::

    >>> check_drum_options({"verbose": False, "docker": None})
    >>> check_drum_options({"docker": "python:3.11"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: DrumServerRun(docker='python:3.11'): DRUM's docker option is not supported ...
"""

from __future__ import annotations

from collections.abc import Mapping

ALWAYS_SO: Mapping[str, str] = {
    "show_stacktrace": "a server that fails to start always shows its log tail",
    "fail_on_shutdown_error": "stopping never fails: SIGTERM, then SIGKILL",
    "verbose": "the server's output always goes to run.log_path",
    "thread_class": "the server is a process group, watched without a thread",
}
"""DRUM options accepted with any value, and why they change nothing here."""

DEFAULT_ONLY: Mapping[str, object] = {
    "docker": None,
    "production": False,
    "memory": None,
    "user_secrets_mount_path": None,
    "gpu_predictor": None,
    "sidecar": False,
    "cmd_override": None,
    "stream_output": False,
}
"""DRUM options ours cannot honour, with DRUM's defaults, the only values accepted."""


def check_drum_options(options: Mapping[str, object]) -> None:
    """Refuse an unknown keyword, and a DRUM option set to what ours cannot do."""
    for name, value in options.items():
        if name in ALWAYS_SO:
            continue
        if name not in DEFAULT_ONLY:
            raise TypeError(f"DrumServerRun() got an unexpected keyword argument {name!r}")
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
