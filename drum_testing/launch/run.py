"""``DrumServerRun``: start a model server for a test, wait until it answers, stop it after.

::

    with DrumServerRun("binary", ("no", "yes"), "tests/fixtures/models/binary") as run:
        response = requests.post(run.url_server_address + "/predict/", files={"X": csv})

The server type is the ``server_type`` argument, else :data:`~drum_testing.config.settings.
SERVER_TYPE_ENV`, else Flask; it is set in the server's environment only. Failures say what
happened: a server that exits while starting raises :class:`ServerStartError`, one that never
answers raises :class:`TimeoutError`, both with the command, the log's path and its tail. The
log is removed after a clean run unless it is in a ``log_dir`` of yours or ``keep_logs`` is
set (:mod:`~drum_testing.launch.logs`); after a failure it is kept and a warning names it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from drum_testing.config.options import ARGUMENT_VARIABLES, option
from drum_testing.config.settings import SERVER_TYPE_ENV, parse_url_prefix

from .drum import (
    DRUM_READY_TIMEOUT,
    PORT_ATTEMPTS,
    PortTaken,
    RealDrum,
    check_runtime,
    pick_port,
)
from .logs import RunLog
from .parameters import (
    Option,
    check_drum_options,
    check_labels,
    refuse_both,
    resolve_server_type,
    server_options,
    target_type_value,
)
from .ports import format_address, listening_socket
from .process import Lifeline, describe_returncode, start_process_group, stop_process_group
from .process import tail_lines as _tail_lines
from .readiness import probe_ping

LOG_TAIL_LINES = 40
READY_TIMEOUT = 30.0
"""The default ``wait_for_server_timeout`` (DRUM's own), for our server."""
PING_TIMEOUT = 0.5
"""Per readiness request: a server that is loading its model keeps the request queued."""
PING_INTERVAL = 0.05
"""Pause after a failed attempt that returned at once (e.g. a 503), so polling isn't a spin."""

_Run = TypeVar("_Run", bound="DrumServerRun")


class ServerStartError(RuntimeError):
    """The server exited before it was ready; the message has the command and the log tail."""

    def __init__(
        self, message: str, *, returncode: int, command: Sequence[str], log_path: Path
    ) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.command = list(command)
        self.log_path = log_path


class DrumServerRun:
    """A server process for one test: ``with`` starts it and waits for ``/ping/``, then stops it.

    The signature is DRUM's own ``DrumServerRun(target_type, labels, custom_model_dir, ...)``,
    so a DRUM test suite runs on it unchanged. ``labels`` are DRUM's: ``(negative,
    positive)`` for a binary model, every label in prediction-column order for a multiclass
    one, None for the other target types::

        with DrumServerRun("binary", ["no", "yes"], model_dir,
                           server_type="fastapi", max_workers=2) as run:
            requests.get(run.url_server_address + "/ping/")

    ``class_labels=`` and ``code_dir=`` are accepted for ``labels`` and ``custom_model_dir``,
    with the same meaning. DRUM's other parameters are described in
    :mod:`drum_testing.launch.parameters`.

    The server inherits a socket this object bound (``--listen-fd``), so the port is never
    free between being chosen and being served, and an explicit ``port`` that is taken fails
    at once. It also inherits the read end of a pipe (``--lifeline-fd``) and stops itself
    when this process dies. Output goes to a log file under ``log_dir`` (default: a new
    ``drum-server-*`` temporary directory, removed after a clean stop unless ``keep_logs``;
    a ``log_dir`` of yours is never cleaned up). ``env`` adds variables for
    the server only; this process's environment is never changed, and the variables that
    stand for server options (``TARGET_TYPE``, ``MAX_WORKERS``, ...) are not passed on from
    it, so a developer's shell cannot configure the server behind the test's back.

    ``runtime="drum"`` starts real DRUM (``drum server``) instead, with the same guarantees
    kept another way (:mod:`~drum_testing.launch.drum`): DRUM binds a port it is
    told, proven to be its own before the run counts as ready, and a watchdog in its group
    stops it if this process dies.
    """

    def __init__(
        self,
        target_type: str,
        labels: Sequence[str] | None = None,
        custom_model_dir: str | os.PathLike[str] | None = None,
        *,
        server_type: str | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        with_error_server: bool = False,
        max_workers: int | None = None,
        logging_level: str | None = None,
        target_name: str | None = None,
        pass_args_as_env_vars: bool = False,
        append_cmd: str | None = None,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        wait_for_server_timeout: float | None = None,
        stop_timeout: float = 10.0,
        log_dir: str | os.PathLike[str] | None = None,
        keep_logs: bool = False,
        class_labels: Sequence[str] | None = None,
        code_dir: str | os.PathLike[str] | None = None,
        runtime: str = "drum_testing",
        **drum_options: object,
    ) -> None:
        check_drum_options(drum_options)
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
        self.runtime = check_runtime(runtime)
        self._drum = RealDrum(self.server_type) if runtime == "drum" else None
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
        default = READY_TIMEOUT if self._drum is None else DRUM_READY_TIMEOUT
        self.wait_for_server_timeout = (
            default if wait_for_server_timeout is None else wait_for_server_timeout
        )
        self.stop_timeout = stop_timeout
        self._requested_port = port
        self._log = RunLog(log_dir, keep=keep_logs)
        self._lifeline: Lifeline | None = None
        self._fds: tuple[int, ...] | None = None  # passed: (listen, lifeline); drum: (lifeline,)
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._command: list[str] = []  # what was run, for error messages
        self._started = False

    @property
    def class_labels(self) -> tuple[str, ...] | None:
        """The labels as given (DRUM's order); the earlier name of :attr:`labels`."""
        return self.labels

    # --- what the server gets ----------------------------------------------------------------
    def _options(self) -> list[Option]:
        if self._port is None:
            raise RuntimeError("not started: the command names descriptors bound by start()")
        address = format_address(self.host, self._port)
        return server_options(self, address)

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
        if self._fds is None:
            raise RuntimeError("not started: the command names descriptors bound by start()")
        if self._drum is None:
            command = [sys.executable, "-m", "drum_testing", "server"]
        else:
            command = self._drum.command()
        for flag, variable, values in self._options():
            if variable is None or not self.pass_args_as_env_vars:
                command += [flag, *values]
        if self._drum is None:
            command += ["--listen-fd", str(self._fds[0]), "--lifeline-fd", str(self._fds[1])]
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
        return child if self._drum is None else self._drum.server_env(child)

    def _spawn_command(self, command: list[str]) -> list[str]:
        """What is actually run for ``command``; tests override this to run a stand-in."""
        return command

    def _choose_port(self) -> int:
        """The port real DRUM is told to bind; tests override this to force a collision."""
        return pick_port(self.host, self._requested_port)

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self: _Run) -> _Run:
        """Start the server and wait until it is ready; on any failure it is stopped again."""
        if self._started:
            raise RuntimeError("a DrumServerRun starts once; make a new one")
        self._started = True
        try:
            for attempt in range(1, PORT_ATTEMPTS + 1):
                self._spawn(append=attempt > 1)
                try:
                    self._wait_until_ready()
                    break
                except PortTaken as taken:  # only with runtime="drum"
                    self._retry_or_raise(taken, attempt)
        except BaseException:  # KeyboardInterrupt too: never leave the server behind
            self._log.fail("it did not start")
            self.stop()
            raise
        return self

    def stop(self) -> int | None:
        """Stop the process group (SIGTERM, ``stop_timeout``, SIGKILL). Idempotent.

        The first stop also settles the log: removed after a clean run, else kept (see
        :mod:`~drum_testing.launch.logs`).
        """
        try:
            if self._process is not None and (code := self._process.poll()) is not None:
                self._log.fail(f"the server exited by itself ({describe_returncode(code)})")
            self._stop_group()
        finally:
            if self._process is None or self._process.returncode is not None:
                _LIVE.discard(self)
            if self._drum is not None:
                self._drum.cleanup()
            code = self.returncode
            clean = self._drum is not None and code in self._drum.clean_stop_codes
            self._log.finish(0 if clean else code)
        return self.returncode

    def _stop_group(self) -> None:
        try:
            if self._process is not None:
                stop_process_group(self._process, grace=self.stop_timeout)
        finally:
            # After the group is gone, not before: EOF on the lifeline would make the server
            # send itself a second SIGTERM, which some servers treat as "quit now".
            if self._lifeline is not None:
                self._lifeline.close()

    def __enter__(self: _Run) -> _Run:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._log.fail(f"the with block raised {exc_type.__name__}")
        self.stop()

    def _spawn(self, append: bool = False) -> None:
        """Start one attempt; ``append``: a later one, after the log tells why it is needed."""
        with contextlib.ExitStack() as stack:
            if self._drum is None:
                # The server gets its own copy. Closing ours once it has it means that if it
                # dies, clients are refused at once instead of hanging in a backlog nobody
                # accepts from, and the port is free the moment the server is gone.
                sock = stack.enter_context(listening_socket(self.host, self._requested_port or 0))
                self._port = sock.getsockname()[1]
                fds: tuple[int, ...] = (sock.fileno(),)
            else:
                self._port, fds = self._choose_port(), ()
            self._lifeline = Lifeline()
            self._fds = (*fds, self._lifeline.read_fd)
            if not append:
                kind = "" if self._drum is None else "drum-"
                self._log.create(f"{kind}{self.server_type}-{self.target_type}-{self._port}-")
            self._command = self._spawn_command(self.get_command())
            launch = self._command
            if self._drum is not None:
                self._drum.restart(self.log_path)
                launch = self._drum.guarded(launch, self._lifeline.read_fd, self.stop_timeout)
            _LIVE.add(self)
            env, fds = self.get_env(), self._fds
            self._process = start_process_group(
                launch, log_path=self.log_path, env=env, pass_fds=fds, append=append
            )
        self._lifeline.close_read_end()

    def _retry_or_raise(self, taken: PortTaken, attempt: int) -> None:
        """Stop the attempt whose port was taken; let the next one start, or give up."""
        self._stop_group()
        if self._requested_port is None and attempt < PORT_ATTEMPTS:
            self._log.note(f"drum_testing: {taken}; starting again on another port")
            return
        what = "the port asked for" if self._requested_port else f"a port in {attempt} attempts"
        raise ServerStartError(
            self._report(f"could not get {what} ({taken})"),
            returncode=-signal.SIGKILL if self.returncode is None else self.returncode,
            command=self._command,
            log_path=self.log_path,
        )

    def _wait_until_ready(self) -> None:
        process = self.process
        deadline = time.monotonic() + self.wait_for_server_timeout
        last = "no attempt"
        while True:
            code = process.poll()
            if code is not None:
                if self._drum is not None:
                    self._drum.check_log(self.log_path, self.port)  # PortTaken: not a failure
                raise ServerStartError(
                    self._report(f"exited ({describe_returncode(code)}) before it was ready"),
                    returncode=code,
                    command=self._command,
                    log_path=self.log_path,
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, last = self._ping(min(PING_TIMEOUT, remaining))
            if ready:
                return
            # Wait before the next attempt, but wake at once if the server exits.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, min(PING_INTERVAL, deadline - time.monotonic())))
        self._log.fail("it did not answer in time")  # so stop() keeps the log
        self.stop()  # before reading the log, so the server's last words are in it
        raise TimeoutError(
            self._report(
                f"did not answer GET {self.url_prefix}/ping/ "
                f"within {self.wait_for_server_timeout:g} s "
                f"(last attempt: {last}); stopped it ({describe_returncode(self.returncode)})"
            )
        )

    def _ping(self, timeout: float) -> tuple[bool, str]:
        """One readiness request (:func:`~drum_testing.launch.readiness.probe_ping`), made
        with real DRUM once its process group is proven to have the port."""
        if self._drum is not None:
            why = self._drum.claim(self.process.pid, self.port, self.log_path)
            if why is not None:
                return False, why
        return probe_ping(self.host, self.port, self.url_prefix + "/ping/", timeout)

    def _report(self, what: str) -> str:
        who = "the DRUM server" if self._drum is None else "real DRUM"
        return (
            f"{who} ({self.server_type}, {self.target_type}) {what}\n"
            f"command: {shlex.join(self._command)}\n"
            f"log {self.log_path} (last {LOG_TAIL_LINES} lines):\n{self.log_tail()}"
        )

    # --- what tests read ---------------------------------------------------------------------
    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("not started")
        return self._process

    @property
    def returncode(self) -> int | None:
        """The server's exit status once it exited (negative: the signal), else None."""
        return None if self._process is None else self._process.poll()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("not started: the port is chosen by start()")
        return self._port

    @property
    def server_address(self) -> str:
        """``"127.0.0.1:PORT"``."""
        return format_address(self.host, self.port)

    @property
    def url_server_address(self) -> str:
        """``"http://127.0.0.1:PORT"``, without a trailing slash."""
        return f"http://{self.server_address}"

    @property
    def log_path(self) -> Path:
        """The server's log; after a clean stop it is gone, unless kept (see the class)."""
        if self._log.path is None:
            raise RuntimeError("not started: no log yet")
        return self._log.path

    def log_text(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _tail_lines(self.log_path, lines)

    def __repr__(self) -> str:
        where = self.url_server_address if self._port is not None else "not started"
        state = describe_returncode(self.returncode) if self._process else "no process"
        return f"<DrumServerRun {self.server_type} {self.target_type} {where} {state}>"


_LIVE: set[DrumServerRun] = set()
"""Started, not yet stopped runs: stopped at interpreter exit, as a last resort."""


@atexit.register
def _stop_live_runs() -> None:
    for run in list(_LIVE):  # a copy: stop() removes the run
        with contextlib.suppress(Exception):
            run.stop()
