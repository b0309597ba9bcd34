"""``DrumServerRun``'s arguments: DRUM's own signature, checked, and what the server gets.

:class:`RunArguments` is the base of :class:`~drum_testing.launch.run.DrumServerRun`, which
adds starting, waiting and stopping. Its constructor is the run's: DRUM's
``DrumServerRun(target_type, labels, custom_model_dir, ...)`` with ours added
(:mod:`~drum_testing.launch.drum_signature` says what each of DRUM's means here). It checks them
before anything starts, so a mistake fails at once and not in a server's log; keeps them as
the run's attributes; makes what they choose (the launcher of ``runtime=``, :data:`LAUNCHERS`,
with its default readiness deadline; the log of ``log_dir=``); and makes of them the
server's command and environment (:meth:`RunArguments.get_command`,
:meth:`RunArguments.get_env`), once a start has given the port and the descriptors.
"""

from __future__ import annotations

import os
import shlex
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from drum_testing.config.options import ARGUMENT_VARIABLES, option
from drum_testing.config.settings import SERVER_TYPE_ENV, parse_url_prefix

from .drum import DrumLauncher
from .drum_signature import (
    Option,
    check_drum_options,
    check_labels,
    refuse_both,
    resolve_server_type,
    server_options,
    target_type_value,
)
from .launcher import Launcher, Port
from .logs import RunLog
from .ours import OurLauncher
from .ports import format_address, pick_port
from .process import Lifeline

LAUNCHERS: Mapping[str, type[Launcher]] = {
    launcher.runtime: launcher for launcher in (OurLauncher, DrumLauncher)
}
"""``runtime=`` -> what starts the server: ours (the default) or real DRUM."""
RUNTIMES = tuple(LAUNCHERS)


def make_launcher(
    runtime: str, server_type: str, program: str | os.PathLike[str] | None = None
) -> Launcher:
    """The launcher of ``runtime`` for one run; ValueError names the runtimes accepted."""
    if runtime not in LAUNCHERS:
        raise ValueError(f"unknown runtime {runtime!r}; accepted: {', '.join(LAUNCHERS)}")
    return LAUNCHERS[runtime](server_type, program)


class RunArguments:
    """What a run was asked for, checked (see :class:`~drum_testing.launch.run.DrumServerRun`),
    and the command and environment the server gets of it."""

    # Set by each start (DrumServerRun._spawn): what the command names.
    _attempt: Port | None = None
    """The port of the latest attempt, and the descriptors the server inherits for it."""
    _lifeline: Lifeline | None = None

    def __init__(
        self,
        target_type: str,
        labels: Sequence[str] | None = None,
        custom_model_dir: str | os.PathLike[str] | None = None,
        # DRUM's other 20 parameters, in DRUM's order (drum_signature says what each means).
        docker: str | None = None,
        with_error_server: bool = False,
        show_stacktrace: bool = True,
        production: bool = False,
        memory: str | None = None,
        fail_on_shutdown_error: bool = True,
        pass_args_as_env_vars: bool = False,
        verbose: bool = True,
        logging_level: str | None = None,
        append_cmd: str | None = None,
        user_secrets_mount_path: str | None = None,
        thread_class: Callable[..., threading.Thread] = threading.Thread,
        gpu_predictor: str | None = None,
        sidecar: bool = False,
        target_name: str | None = None,
        wait_for_server_timeout: float | None = None,
        max_workers: int | None = None,
        cmd_override: str | None = None,
        port: int | None = None,
        stream_output: bool | None = False,
        *,
        server_type: str | None = None,
        host: str = "127.0.0.1",
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        stop_timeout: float = 10.0,
        log_dir: str | os.PathLike[str] | None = None,
        keep_logs: bool = False,
        class_labels: Sequence[str] | None = None,
        code_dir: str | os.PathLike[str] | None = None,
        runtime: str = "drum_testing",
        drum_program: str | os.PathLike[str] | None = None,
    ) -> None:
        check_drum_options(
            {
                "docker": docker,
                "production": production,
                "memory": memory,
                "user_secrets_mount_path": user_secrets_mount_path,
                "gpu_predictor": gpu_predictor,
                "sidecar": sidecar,
                "cmd_override": cmd_override,
            }
        )
        refuse_both("custom_model_dir", custom_model_dir, "code_dir", code_dir)
        refuse_both("labels", labels, "class_labels", class_labels)
        model_dir = custom_model_dir if custom_model_dir is not None else code_dir
        if model_dir is None:
            raise TypeError("DrumServerRun() needs the model folder: custom_model_dir=")
        self.target_type = target_type_value(target_type)
        self.labels = check_labels(self.target_type, labels if labels is not None else class_labels)
        self.code_dir = Path(model_dir)
        # As given (JSON form included) for the server; canonical for tests to compare with.
        self._server_type_value = server_type or os.environ.get(SERVER_TYPE_ENV) or "flask"
        self.server_type = resolve_server_type(self._server_type_value)
        self._launcher = make_launcher(runtime, self.server_type, drum_program)
        self.runtime = runtime
        if env is not None and SERVER_TYPE_ENV in env:
            raise ValueError(f"pass server_type=... instead of {SERVER_TYPE_ENV} in env")
        if isinstance(extra_args, str):
            raise TypeError("extra_args must be a sequence of arguments, not one string")
        self.host = host
        self.with_error_server = with_error_server
        self.max_workers = max_workers
        self.logging_level = logging_level
        self.target_name = target_name
        self.pass_args_as_env_vars = pass_args_as_env_vars
        self.extra_env = dict(env or {})
        # The server puts every route, /ping/ included, under URL_PREFIX.
        prefix = str(option("url_prefix").variable)
        self.url_prefix = parse_url_prefix(self.extra_env.get(prefix, os.environ.get(prefix)))
        # DRUM's append_cmd is one string of arguments; it is split, never run by a shell.
        self.extra_args = [*extra_args, *(shlex.split(append_cmd) if append_cmd else [])]
        self.wait_for_server_timeout = (
            self._launcher.ready_timeout
            if wait_for_server_timeout is None
            else wait_for_server_timeout
        )
        self.stop_timeout = stop_timeout
        self.fail_on_shutdown_error = fail_on_shutdown_error
        self.show_stacktrace, self.verbose = show_stacktrace, verbose  # see ALWAYS_SO
        self.stream_output = bool(stream_output)
        self.thread_class = thread_class
        self._requested_port = port
        self._log = RunLog(log_dir, keep=keep_logs)
        # Chosen now, as DRUM's: a test may build URLs before the server starts.
        self._planned_port = self._launcher.reserve(host, port, self._choose_port)

    def _choose_port(self) -> int:
        """The port real DRUM is told to bind; tests override this to force a collision."""
        return pick_port(self.host, self._requested_port)

    @property
    def class_labels(self) -> tuple[str, ...] | None:
        """The labels as given (DRUM's order); the earlier name of :attr:`labels`."""
        return self.labels

    # --- what the server gets ----------------------------------------------------------------
    def _options(self) -> list[Option]:
        if self._attempt is None:
            raise RuntimeError("not started: the options name the port chosen by start()")
        return server_options(self, format_address(self.host, self._attempt.number))

    def get_command(self) -> list[str]:
        """The server command, once started: it names the descriptors the server inherits.

        ::

            [sys.executable, "-m", "drum_testing", "server", "--code-dir", "/abs/model",
             "--target-type", "binary", "--address", "127.0.0.1:PORT",
             "--positive-class-label", "yes", "--negative-class-label", "no",
             "--listen-fd", "7", "--lifeline-fd", "8"]

        With ``pass_args_as_env_vars`` the options that have a variable are in
        :meth:`get_env` instead, as DataRobot starts DRUM.
        With ``runtime="drum"`` it is DRUM's: ``[".../drum", "server", "--code-dir", ...]``,
        without the descriptors.
        """
        if self._attempt is None or self._lifeline is None:
            raise RuntimeError("not started: the command names descriptors bound by start()")
        options = [
            argument
            for flag, variable, values in self._options()
            if variable is None or not self.pass_args_as_env_vars
            for argument in (flag, *values)
        ]
        command = self._launcher.command(options, self._attempt, self._lifeline.read_fd)
        return command + self.extra_args

    def get_env(self) -> dict[str, str]:
        """The server's environment: a copy of ``os.environ`` without the variables that stand
        for server options, plus ``env``, the options given as variables, and the type."""
        # stdout stays buffered as in production: keeping it flushed is the server's job
        # (StdoutFlusher), and tests check it does. Its own log lines go to stderr.
        child = {k: v for k, v in os.environ.items() if k not in ARGUMENT_VARIABLES}
        child.update(self.extra_env)
        if self.pass_args_as_env_vars:
            for _, variable, values in self._options():
                if variable is not None:
                    child[variable] = " ".join(values) if values else "1"
        if self.target_name is not None:
            child[str(option("target_name").variable)] = self.target_name
        child[SERVER_TYPE_ENV] = self._server_type_value
        return self._launcher.server_env(child)
