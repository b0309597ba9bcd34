"""``DrumServerRun``: start a model server for a test, wait until it answers, stop it after.

::

    with DrumServerRun("binary", ("no", "yes"), "tests/fixtures/models/binary") as run:
        response = requests.post(run.url_server_address + "/predict/", files={"X": csv})

The server type is the ``server_type`` argument, else :data:`~drum_testing.config.settings.
SERVER_TYPE_ENV`, else Flask; it is set in the server's environment only. Failures say what
happened, as DRUM's ``TimeoutError("Server failed to start: ...")``: a server that exits
while starting (at once) or never answers (after ``wait_for_server_timeout``) raises
:class:`ServerStartError`, a ``TimeoutError`` whose message goes on with the command, the
log's path and its tail. The log is removed after a clean run unless it is in a ``log_dir``
of yours or ``keep_logs`` is set (:mod:`~drum_testing.launch.logs`); after a failure it is
kept and a warning names it. The server's stdout and stderr are also kept apart, as DRUM's
``run.process.out_stream`` and ``run.process.err_stream`` (:mod:`~.output`).

The run is the lifecycle, the same for every server. What differs between our server and
real DRUM it asks of its launcher (:mod:`~drum_testing.launch.launcher`); its arguments, and
the command and environment they make, are its base class's (:mod:`~.arguments`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from .arguments import RunArguments
from .launcher import PortTaken
from .output import ServerOutput, ServerProcess
from .ports import format_address
from .process import KILL_TIMEOUT, Lifeline, describe_returncode, stop_process_group
from .process import tail_lines as _tail_lines
from .readiness import probe_ping, wait_until_ready

LOG_TAIL_LINES = 40
START_FAILED = "Server failed to start"
"""How DRUM's ``TimeoutError`` begins, which DRUM's tests match; ours begins the same."""
SHUTDOWN_FAILED = "Server failed to shutdown gracefully in allotted time"
"""DRUM's ``TimeoutError`` when the server outlives its stop (``fail_on_shutdown_error``)."""
OUTPUT_END_TIMEOUT = KILL_TIMEOUT
"""How long the server's output may stay open after its process group stopped."""

logger = logging.getLogger(__name__)

_Run = TypeVar("_Run", bound="DrumServerRun")


class ServerStartError(TimeoutError, RuntimeError):
    """The server exited before it was ready, or never answered: DRUM's ``TimeoutError(
    "Server failed to start: ...")``, with the command and the log tail in the message.

    ``returncode`` is the exit status (None: it could not be stopped)."""

    def __init__(
        self, message: str, *, returncode: int | None, command: Sequence[str], log_path: Path
    ) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.command = list(command)
        self.log_path = log_path


class DrumServerRun(RunArguments):
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
    :mod:`drum_testing.launch.drum_signature`.

    The server inherits a socket bound here (``--listen-fd``), so the port is never free
    between being chosen and being served, and an explicit ``port`` that is taken fails at
    once. It also inherits the read end of a pipe (``--lifeline-fd``) and stops itself when
    this process dies (:mod:`~drum_testing.launch.ours`). Output goes to a log file under
    ``log_dir`` (default: a new ``drum-server-*`` temporary directory, removed after a clean
    stop unless ``keep_logs``; a ``log_dir`` of yours is never cleaned up). ``env`` adds
    variables for the server only; this process's environment is never changed, and the
    variables that stand for server options (``TARGET_TYPE``, ``MAX_WORKERS``, ...) are not
    passed on from it, so a developer's shell cannot configure the server behind the test's
    back.

    ``runtime="drum"`` starts real DRUM (``drum server``; ``drum_program=`` names the
    program, else it is found next to ``sys.executable`` or on ``PATH``) instead, with the
    same guarantees kept another way (:mod:`~drum_testing.launch.drum`): DRUM binds a port
    it is told, proven to be its own before the run counts as ready, and a watchdog in its
    group stops it if this process dies.
    """

    # The lifecycle's state (the arguments are RunArguments'); set by start().
    _process: ServerProcess | None = None
    _output: ServerOutput | None = None
    _command: Sequence[str] = ()  # what was run, for error messages
    _started = False
    shutdown_error: str | None = None
    """Why the last stop was not clean (the group outlived SIGKILL, or its output stayed
    open), else None; ``with`` raises it when ``fail_on_shutdown_error``, as DRUM does."""

    def _spawn_command(self, command: list[str]) -> list[str]:
        """What is actually run for ``command``; tests override this to run a stand-in."""
        return command

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self: _Run) -> _Run:
        """Start the server and wait until it is ready; on any failure it is stopped again."""
        if self._started:
            raise RuntimeError("a DrumServerRun starts once; make a new one")
        self._started = True
        try:
            for attempt in range(1, self._launcher.port_attempts + 1):
                self._spawn(append=attempt > 1)
                try:
                    self._wait_until_ready()
                    break
                except PortTaken as taken:
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
            self._launcher.cleanup()
            code = self.returncode
            self._log.finish(0 if code in self._launcher.clean_stop_codes else code)
        return self.returncode

    def _stop_group(self) -> None:
        try:
            if self._process is not None:
                stop_process_group(self._process, grace=self.stop_timeout)
                if self._process.poll() is None:
                    self.shutdown_error = "its process group outlived SIGKILL"
        finally:
            # After the group is gone, not before: EOF on the lifeline would make the server
            # send itself a second SIGTERM, which some servers treat as "quit now".
            if self._lifeline is not None:
                self._lifeline.close()
            self._end_output()

    def _end_output(self) -> None:
        """Wait for the server's output to end, then read the rest and close it."""
        if self._output is not None and not self._output.closed:
            why = self._output.finish(OUTPUT_END_TIMEOUT)
            self.shutdown_error = self.shutdown_error or why

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
        if self.shutdown_error is not None:
            if self.fail_on_shutdown_error:
                raise TimeoutError(f"{SHUTDOWN_FAILED}: the server {self.shutdown_error}")
            logger.warning("server shutdown failure: %s", self.shutdown_error)

    def _spawn(self, append: bool = False) -> None:
        """Start one attempt; ``append``: a later one, after the log tells why it is needed."""
        launcher = self._launcher
        with launcher.port(self.host, self._requested_port, self._choose_port) as port:
            self._attempt, self._lifeline = port, Lifeline()
            lifeline_fd, grace = self._lifeline.read_fd, self.stop_timeout
            if not append:
                kind = f"{launcher.log_prefix}{self.server_type}-{self.target_type}"
                self._log.create(f"{kind}-{port.number}-")
            self._command = self._spawn_command(self.get_command())
            launch = launcher.launch(
                self._command, log_path=self.log_path, lifeline_fd=lifeline_fd, grace=grace
            )
            echo = _echo if self.stream_output else None
            self._output = output = ServerOutput(self.log_path, append=append, echo=echo)
            _LIVE.add(self)
            try:
                self._process = ServerProcess(
                    launch, output, env=self.get_env(), pass_fds=(*port.fds, lifeline_fd)
                )
            finally:
                output.close_child_fds()
        self._lifeline.close_read_end()
        # DRUM's thread reads the server's output until it ends; so does ours.
        output.start_reading(self.thread_class)

    def _retry_or_raise(self, taken: PortTaken, attempt: int) -> None:
        """Stop the attempt whose port was taken; let the next one start, or give up."""
        self._stop_group()
        if self._requested_port is None and attempt < self._launcher.port_attempts:
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
        waited = wait_until_ready(self.process, self._ping, self.wait_for_server_timeout)
        if waited.ready:
            return
        if (code := waited.returncode) is not None:
            self._sync_output()  # its last words, for the collision check and the report
            self._launcher.check_exit(self.log_path, self.port)  # PortTaken: not a failure
            raise ServerStartError(
                self._report(f"exited ({describe_returncode(code)}) before it was ready"),
                returncode=code,
                command=self._command,
                log_path=self.log_path,
            )
        self._log.fail("it did not answer in time")  # so stop() keeps the log
        self.stop()  # before reading the log, so the server's last words are in it
        raise ServerStartError(
            self._report(
                f"did not answer GET {self.url_prefix}/ping/ "
                f"within {self.wait_for_server_timeout:g} s (last attempt: {waited.last}); "
                f"stopped it ({describe_returncode(self.returncode)})"
            ),
            returncode=self.returncode,
            command=self._command,
            log_path=self.log_path,
        )

    def _ping(self, timeout: float) -> tuple[bool, str]:
        """One readiness request (:func:`~drum_testing.launch.readiness.probe_ping`), made
        once the launcher says the server has the port (:meth:`~.launcher.Launcher.claim`)."""
        self._sync_output()
        why = self._launcher.claim(self.process.pid, self.port, self.log_path)
        if why is not None:
            return False, why
        return probe_ping(self.host, self.port, self.url_prefix + "/ping/", timeout)

    def _sync_output(self) -> None:
        """Read what the server wrote so far into the log, before the log is read."""
        if self._output is not None:
            self._output.drain()

    def _report(self, what: str) -> str:
        return (
            f"{START_FAILED}: {self._launcher.title} ({self.server_type}, {self.target_type}) "
            f"{what}\n"
            f"command: {shlex.join(self._command)}\n"
            f"log {self.log_path} (last {LOG_TAIL_LINES} lines):\n{self.log_tail()}"
        )

    # --- what tests read ---------------------------------------------------------------------
    @property
    def process(self) -> ServerProcess:
        """The server's process: a ``Popen`` with DRUM's ``out_stream`` and ``err_stream``
        (what the server wrote to stdout and stderr so far; all of it once stopped)."""
        if self._process is None:
            raise RuntimeError("not started")
        return self._process

    @property
    def server_thread(self) -> threading.Thread | None:
        """The thread that reads the server's output (``thread_class``), as DRUM's: alive
        until the server's output ends; None before the start."""
        return None if self._output is None else self._output.thread

    @property
    def returncode(self) -> int | None:
        """The server's exit status once it exited (negative: the signal), else None."""
        return None if self._process is None else self._process.poll()

    @property
    def port(self) -> int:
        """The port, chosen when the run is made (as DRUM's); real DRUM's may change if
        another process takes it first (:mod:`~drum_testing.launch.drum`)."""
        return self._planned_port if self._attempt is None else self._attempt.number

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
        self._sync_output()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        self._sync_output()
        return _tail_lines(self.log_path, lines)

    def __repr__(self) -> str:
        where = self.url_server_address if self._process is not None else "not started"
        state = describe_returncode(self.returncode) if self._process else "no process"
        return f"<DrumServerRun {self.server_type} {self.target_type} {where} {state}>"


def _echo(text: str) -> None:
    """``stream_output``: the server's output to this process's stdout, as it comes."""
    sys.stdout.write(text)
    sys.stdout.flush()


_LIVE: set[DrumServerRun] = set()
"""Started, not yet stopped runs: stopped at interpreter exit, as a last resort."""


@atexit.register
def _stop_live_runs() -> None:
    for run in list(_LIVE):  # a copy: stop() removes the run
        with contextlib.suppress(Exception):
            run.stop()
