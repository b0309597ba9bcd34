"""The launcher of our server, ``python -m drum_testing server`` (``runtime="drum_testing"``).

Our server can take what makes a run safe, so every guarantee is kept by construction:

* **The port**: the launcher binds a listening socket and the server inherits it
  (``--listen-fd``), so the port is never free between being chosen and being served, an
  explicit ``port`` that is taken fails at once, and a port is never taken by someone else.
* **Orphans**: the server inherits the read end of the run's lifeline
  (``--lifeline-fd``) and stops itself when it ends, that is when the test process dies.
* **The server type** goes to the server's environment as it was given.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from .launcher import Launcher, Port
from .ports import listening_socket

READY_TIMEOUT = 30.0
"""The default ``wait_for_server_timeout`` (DRUM's own), for our server."""


class OurLauncher(Launcher):
    """Starts ``python -m drum_testing server`` on a socket bound here, with a lifeline."""

    runtime = "drum_testing"
    title = "the DRUM server"
    log_prefix = ""
    ready_timeout = READY_TIMEOUT
    port_attempts = 1  # the port is ours before the server starts: never taken
    clean_stop_codes = frozenset({0})

    def __init__(self, server_type: str, program: str | os.PathLike[str] | None = None) -> None:
        if program is not None:
            raise ValueError(
                "drum_program= is for runtime='drum'; our server runs as "
                f"{sys.executable} -m drum_testing server"
            )
        super().__init__(server_type)
        self._reserved: socket.socket | None = None

    def reserve(self, host: str, requested: int | None, choose: Callable[[], int]) -> int:
        """Bind and listen on ``requested`` (or a free port) now; the server inherits this
        socket when it starts. Closed by :meth:`cleanup`, or when the launcher is collected
        (a run made and never started)."""
        self._reserved = sock = listening_socket(host, requested or 0)
        weakref.finalize(self, sock.close)
        return int(sock.getsockname()[1])

    @contextlib.contextmanager
    def port(self, host: str, requested: int | None, choose: Callable[[], int]) -> Iterator[Port]:
        """The reserved socket (else a new one on ``requested`` or a free port), closed
        here once the server has its copy."""
        # Closing ours once the server has it means that if the server dies, clients are
        # refused at once instead of hanging in a backlog nobody accepts from, and the port
        # is free the moment the server is gone.
        sock, self._reserved = self._reserved, None
        with sock if sock is not None else listening_socket(host, requested or 0) as sock:
            yield Port(sock.getsockname()[1], (sock.fileno(),))

    def command(self, options: Sequence[str], port: Port, lifeline_fd: int) -> list[str]:
        (listen_fd,) = port.fds
        return [
            sys.executable,
            *("-m", "drum_testing", "server"),
            *options,
            *("--listen-fd", str(listen_fd), "--lifeline-fd", str(lifeline_fd)),
        ]

    def launch(
        self, command: Sequence[str], *, log_path: Path, lifeline_fd: int, grace: float
    ) -> list[str]:
        """The command itself: the server watches its lifeline without help."""
        return list(command)

    def server_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """``env`` as it is: our server reads the server type in any form it was given."""
        return dict(env)

    def claim(self, pgid: int, port: int, log_path: Path) -> str | None:
        """Always None: the server serves the socket bound here, so the port is its own."""
        return None

    def check_exit(self, log_path: Path, port: int) -> None:
        """Nothing: an exit is never about the port (the server never binds one itself)."""

    def cleanup(self) -> None:
        """Close the reserved socket of a run that was never started. Idempotent."""
        sock, self._reserved = self._reserved, None
        if sock is not None:
            sock.close()
