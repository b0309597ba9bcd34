"""What differs between the servers a ``DrumServerRun`` can start: the :class:`Launcher`.

A launcher launches a run. The run (:class:`~drum_testing.launch.run.DrumServerRun`) keeps
the lifecycle, the same for every server: the arguments, the log, the lifeline, starting
the process group, waiting for ``/ping/``, stopping, the errors. It asks its launcher for
what differs:

* how an attempt gets its port (:meth:`Launcher.port`): bound here and inherited, or only
  chosen here and bound by the server;
* the command (:meth:`Launcher.command`), what is actually started for it
  (:meth:`Launcher.launch`), and the server's environment (:meth:`Launcher.server_env`);
* when the server counts as having its port (:meth:`Launcher.claim`, :meth:`Launcher.check_exit`),
  and how often to start again on another port (:attr:`Launcher.port_attempts`);
* which exit statuses are a clean stop, and what to remove after the run.

Two launchers, one per ``runtime=``: :class:`~drum_testing.launch.ours.OurLauncher`
(``python -m drum_testing server``) and :class:`~drum_testing.launch.drum.DrumLauncher`
(real DRUM's ``drum server``).
"""

from __future__ import annotations

import abc
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import ClassVar, NamedTuple


class PortTaken(Exception):
    """Another process has the run's port: stop ours and start again on a new one."""


class Port(NamedTuple):
    """The port of one attempt: its number, and the descriptors the server inherits for it
    (a listening socket bound here; none when the server binds the number itself)."""

    number: int
    fds: tuple[int, ...] = ()


class Launcher(abc.ABC):
    """How one kind of server is started, and what its run must know about it.

    A launcher serves one run, and may keep state across that run's attempts (what it
    made and must remove in :meth:`cleanup`). Constructing it checks what can be checked
    before anything starts (the server type, the program).
    """

    runtime: ClassVar[str]
    """The ``runtime=`` value that selects this launcher."""
    title: ClassVar[str]
    """What error messages call the server: ``"real DRUM (flask, regression) exited ..."``."""
    log_prefix: ClassVar[str]
    """The start of the log file's name, before the server type, target type and port."""
    ready_timeout: ClassVar[float]
    """The default ``wait_for_server_timeout``, for each attempt."""
    port_attempts: ClassVar[int]
    """How many ports a run tries when :class:`PortTaken` is raised (1: it never is)."""
    clean_stop_codes: frozenset[int]
    """Exit statuses of a server that stopped cleanly when asked to (SIGTERM)."""

    def __init__(self, server_type: str, program: str | os.PathLike[str] | None = None) -> None:
        """``server_type``: the canonical type; ``program``: the program to run, where the
        caller may choose it (``drum_program=``)."""
        self.server_type = server_type

    @abc.abstractmethod
    def reserve(self, host: str, requested: int | None, choose: Callable[[], int]) -> int:
        """The port of the first attempt, chosen when the run is made (as DRUM's is), so a
        test knows ``run.port`` and ``run.url_server_address`` before starting it.

        :raises ~drum_testing.launch.ports.PortInUseError: ``requested`` is taken.
        """

    @abc.abstractmethod
    def port(
        self, host: str, requested: int | None, choose: Callable[[], int]
    ) -> AbstractContextManager[Port]:
        """The port of one attempt, from entering until the server is started: the
        reserved one first (:meth:`reserve`), a new one for a later attempt.

        ``requested`` is the run's ``port=`` (None: any free port); ``choose`` is the run's
        ``_choose_port`` hook, for a server that binds the port it is told.

        :raises ~drum_testing.launch.ports.PortInUseError: ``requested`` is taken.
        """

    @abc.abstractmethod
    def command(self, options: Sequence[str], port: Port, lifeline_fd: int) -> list[str]:
        """The server's command with ``options`` (``--code-dir ...``), and, if the server
        takes them, the descriptors it inherits: ``port.fds`` and the lifeline's read end."""

    @abc.abstractmethod
    def launch(
        self, command: Sequence[str], *, log_path: Path, lifeline_fd: int, grace: float
    ) -> list[str]:
        """What is started for ``command``, an attempt that is about to write to
        ``log_path`` (the command itself, or the command under a watchdog)."""

    @abc.abstractmethod
    def server_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """The server's environment, made from the run's ``env`` (which has the server type
        as it was given)."""

    @abc.abstractmethod
    def claim(self, pgid: int, port: int, log_path: Path) -> str | None:
        """None when the server (process group ``pgid``) has ``port`` as far as can be told
        before ``/ping/`` is asked; else why not yet, for the error message.

        :raises PortTaken: another process has the port.
        """

    @abc.abstractmethod
    def check_exit(self, log_path: Path, port: int) -> None:
        """The server exited before it was ready; raise :class:`PortTaken` if that was
        because ``port`` was taken (the run then starts again), else return."""

    @abc.abstractmethod
    def cleanup(self) -> None:
        """Remove what the launcher made for the run, once the server is stopped. Idempotent."""
