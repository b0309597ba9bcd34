"""The launcher of real DRUM, ``drum server`` (``DrumServerRun(..., runtime="drum")``).

::

    with DrumServerRun("regression", None, model_dir, runtime="drum",
                       server_type="gunicorn") as run:
        requests.post(run.url_server_address + "/predict/", files={"X": csv})

What differs from our server, and how each guarantee is kept:

* **The program**: ``drum_program=`` if given, else ``drum`` next to ``sys.executable``,
  else on ``PATH`` (:func:`find_drum`; :class:`DrumNotFoundError` names the ``pip
  install`` otherwise).
* **The server type**: DRUM 1.18.1 reads it only from
  :data:`~drum_testing.config.settings.SERVER_TYPE_ENV` as runtime-parameter JSON; ``flask`` is
  its ``werkzeug`` type and ``gunicorn`` its ``gunicorn`` type. It has no FastAPI type.
* **The port**: DRUM binds ``--address`` itself and cannot take a socket, so a free port is
  chosen and may be taken by another process before DRUM binds it. Readiness therefore
  proves ownership (:meth:`DrumLauncher.claim`): every socket listening on the port must be
  one of a process in the run's process group (psutil's, where it may list them all)
  (:mod:`~drum_testing.launch.listeners`); another listener means the port is someone
  else's. DRUM's own "in use" messages in the log (werkzeug's "Port N is in use",
  gunicorn's "Connection in use") mean the same. Either way :class:`PortTaken` is raised and
  the run starts again on a new port, :data:`PORT_ATTEMPTS` times at most (an explicit
  ``port=`` is never changed). Where psutil may not list other users' sockets (macOS),
  ownership falls back to: the group listens on the port, or the process is alive, the log
  shows no collision, and (gunicorn) the log says it listens on the port.
* **Gunicorn's control socket**: gunicorn 25.1+ opens one at a fixed path per user
  (``$XDG_RUNTIME_DIR/gunicorn.ctl``, else ``~/.gunicorn/gunicorn.ctl``); a second gunicorn
  unlinks the first one's, and the first, stopping, unlinks the second's. DRUM's
  ``gunicorn.conf.py`` cannot disable it, so each run gets a private ``XDG_RUNTIME_DIR``
  (older gunicorn ignores it), removed after the run.
* **Orphans**: DRUM cannot watch a lifeline; :mod:`~drum_testing.launch.guard` does, in
  DRUM's process group, and stops the group if the test process dies.
* **A clean stop**: DRUM's werkzeug mode exits with 130 on SIGTERM; that counts as clean.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from drum_testing.config.settings import SERVER_TYPE_ENV

from .launcher import Launcher, Port, PortTaken
from .listeners import Owner, port_owner

INSTALL_HINT = "pip install datarobot-drum==1.18.1"
DRUM_SERVER_TYPES: Mapping[str, str] = {"flask": "werkzeug", "gunicorn": "gunicorn"}
"""Our canonical server type -> DRUM 1.18.1's ``DRUM_SERVER_TYPE``."""
DRUM_READY_TIMEOUT = 120.0
"""The default ``wait_for_server_timeout`` with real DRUM: its imports alone take seconds
(datarobot, mlops, opentelemetry), many more on a busy machine."""
PORT_ATTEMPTS = 5
"""How many ports a run tries before giving up, when another process takes them."""
CONTROL_DIR_ENV = "XDG_RUNTIME_DIR"
GUARD_MODULE = "drum_testing.launch.guard"
"""Runs DRUM and stops its group when the test process dies; never imported here."""
WERKZEUG_STOP_CODE = 130
"""DRUM's werkzeug mode exits with 130 on SIGTERM (its handler calls ``os._exit(130)``)."""
COLLISIONS = (
    r"Port {port} is in use by another program",  # werkzeug, before it exits
    r"Connection in use: \('[^']*', {port}\)",  # gunicorn, while it retries the bind
    r"Address already in use",  # either, as the OSError itself
)


def guarded_command(
    command: Sequence[str],
    lifeline_fd: int,
    grace: float,
    remove: str | None = None,
    log: str | os.PathLike[str] | None = None,
) -> list[str]:
    """``command`` run under :mod:`~drum_testing.launch.guard`, watching ``lifeline_fd``.

    ::

        >>> guarded_command(["drum", "server"], 7, 5.0)[-5:]
        ['--grace', '5', '--', 'drum', 'server']
    """
    guard = [sys.executable, "-m", GUARD_MODULE, "--lifeline-fd", str(lifeline_fd)]
    guard += ["--grace", f"{grace:g}", *(["--remove", remove] if remove else [])]
    guard += ["--log", os.fspath(log)] if log is not None else []
    return [*guard, "--", *command]


class DrumNotFoundError(FileNotFoundError):
    """``runtime="drum"`` but no ``drum`` program; the message says what to install."""


def find_drum() -> str:
    """The ``drum`` program of this environment: next to ``sys.executable``, else on PATH.

    :raises DrumNotFoundError: neither has one.
    """
    beside = Path(sys.executable).parent / "drum"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("drum")
    if found is None:
        raise DrumNotFoundError(
            f"runtime='drum' needs real DRUM, but there is no `drum` next to {sys.executable} "
            f"nor on PATH; install it into this environment: {INSTALL_HINT}"
        )
    return found


def check_drum_program(program: str | os.PathLike[str]) -> str:
    """``program`` (``drum_program=``): a path, or a name looked up on PATH, of an executable.

    :raises DrumNotFoundError: it is not one.
    """
    found = shutil.which(os.fspath(program))
    if found is None:
        raise DrumNotFoundError(f"drum_program={os.fspath(program)!r} is not an executable")
    return found


def drum_server_type_param(server_type: str) -> str:
    """DRUM's runtime-parameter JSON for our canonical ``server_type``.

    ::

        >>> drum_server_type_param("flask")
        '{"type": "string", "payload": "werkzeug"}'
    """
    if server_type not in DRUM_SERVER_TYPES:
        raise ValueError(
            f"real DRUM (1.18.1) has no {server_type} server type; it has werkzeug "
            f"(server_type='flask') and gunicorn (server_type='gunicorn')"
        )
    return json.dumps({"type": "string", "payload": DRUM_SERVER_TYPES[server_type]})


def find_collision(text: str, port: int) -> str | None:
    """The line of ``text`` in which DRUM says ``port`` is taken, or None.

    ::

        >>> find_collision("[ERROR] Connection in use: ('127.0.0.1', 8080)", 8080)
        "[ERROR] Connection in use: ('127.0.0.1', 8080)"
    """
    for pattern in COLLISIONS:
        match = re.search(pattern.format(port=port), text)
        if match:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            return text[start : len(text) if end < 0 else end].strip()
    return None


class DrumLauncher(Launcher):
    """Starts ``drum server`` under the watchdog, on a port chosen here and proven DRUM's.

    ::

        launcher = DrumLauncher("gunicorn")
        env = launcher.server_env(os.environ)      # the type's JSON, a private control dir
        why = launcher.claim(pgid, port, log_path)  # None once the group listens on the port
        launcher.cleanup()
    """

    runtime = "drum"
    title = "real DRUM"
    log_prefix = "drum-"
    ready_timeout = DRUM_READY_TIMEOUT
    port_attempts = PORT_ATTEMPTS

    def __init__(self, server_type: str, program: str | os.PathLike[str] | None = None) -> None:
        super().__init__(server_type)
        self.server_type_param = drum_server_type_param(server_type)
        self.executable = find_drum() if program is None else check_drum_program(program)
        self.clean_stop_codes = frozenset(
            {0, *((WERKZEUG_STOP_CODE,) if server_type == "flask" else ())}
        )
        self._control_dir: str | None = None
        self._log_start = 0  # where this attempt's output begins in the log
        self._log_seen = 0  # bytes of the log already searched for a collision
        self._reserved: int | None = None

    def reserve(self, host: str, requested: int | None, choose: Callable[[], int]) -> int:
        """The port ``choose`` picks now (the run's ``_choose_port``: ``requested`` if free,
        else a free one), for the first attempt; nothing is held, since DRUM binds it."""
        self._reserved = choose()
        return self._reserved

    @contextlib.contextmanager
    def port(self, host: str, requested: int | None, choose: Callable[[], int]) -> Iterator[Port]:
        """The reserved port, then for a later attempt the one ``choose`` picks; nothing is
        held, since DRUM binds it, so :meth:`claim` checks who did."""
        number, self._reserved = self._reserved, None
        yield Port(choose() if number is None else number)

    def command(self, options: Sequence[str], port: Port, lifeline_fd: int) -> list[str]:
        """``[".../drum", "server", *options]``: DRUM takes no descriptors (the watchdog of
        :meth:`launch` watches the lifeline)."""
        return [self.executable, "server", *options]

    def launch(
        self, command: Sequence[str], *, log_path: Path, lifeline_fd: int, grace: float
    ) -> list[str]:
        """``command`` under the watchdog, which also removes the control dir if it must.

        A new attempt is about to write to the log (search only its part) and, with
        gunicorn, to open a control socket (in a directory of this run's).
        """
        self._log_start = self._log_seen = log_path.stat().st_size
        if self.server_type == "gunicorn" and self._control_dir is None:
            self._control_dir = tempfile.mkdtemp(prefix="drum-ctl-")
        return guarded_command(command, lifeline_fd, grace, self._control_dir, log_path)

    def server_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """``env`` with the server type as DRUM reads it, and gunicorn's private control dir."""
        child = dict(env)
        child[SERVER_TYPE_ENV] = self.server_type_param
        if self._control_dir is not None:
            child[CONTROL_DIR_ENV] = self._control_dir
        return child

    def check_exit(self, log_path: Path, port: int) -> None:
        """Raise :class:`PortTaken` if this attempt logged that ``port`` is in use."""
        with open(log_path, "rb") as file:
            # Back up a little, so a line that was half written last time is read whole.
            file.seek(max(self._log_start, self._log_seen - 512))
            data = file.read()
            self._log_seen = file.tell()
        line = find_collision(data.decode("utf-8", errors="replace"), port)
        if line is not None:
            raise PortTaken(f"port {port} was taken: DRUM logged {line!r}")

    def claim(self, pgid: int, port: int, log_path: Path) -> str | None:
        """None when group ``pgid`` has ``port``; else why not yet (for the error message).

        :raises PortTaken: another process listens on the port, or DRUM says it is in use.
        """
        self.check_exit(log_path, port)
        owner = port_owner(port, pgid)
        if owner is Owner.OTHER:
            raise PortTaken(f"port {port} was taken: another process listens on it")
        if owner is Owner.NOBODY:
            return f"nothing listens on port {port} yet"
        if owner is Owner.UNKNOWN and self.server_type == "gunicorn":
            text = log_path.read_text(encoding="utf-8", errors="replace")
            if not re.search(rf"Listening at: http://\S+:{port} \({pgid}\)", text):
                return f"gunicorn has not logged that it listens on port {port}"
        return None

    def cleanup(self) -> None:
        """Remove the control dir. Idempotent."""
        if self._control_dir is not None:
            shutil.rmtree(self._control_dir, ignore_errors=True)
            self._control_dir = None
