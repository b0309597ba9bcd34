"""``DrumServerRun(..., runtime="drum")``: real DRUM (``drum server``) with the kit's guarantees.

::

    with DrumServerRun("regression", None, model_dir, runtime="drum",
                       server_type="gunicorn") as run:
        requests.post(run.url_server_address + "/predict/", files={"X": csv})

What differs from our server, and how each guarantee is kept:

* **The program**: ``drum`` next to ``sys.executable``, else on ``PATH``
  (:func:`find_drum`; :class:`DrumNotFoundError` names the ``pip install`` otherwise).
* **The server type**: DRUM 1.18.1 reads it only from
  :data:`~drum_testing.config.settings.SERVER_TYPE_ENV` as runtime-parameter JSON; ``flask`` is
  its ``werkzeug`` type and ``gunicorn`` its ``gunicorn`` type. It has no FastAPI type.
* **The port**: DRUM binds ``--address`` itself and cannot take a socket, so a free port is
  chosen and may be taken by another process before DRUM binds it. Readiness therefore
  proves ownership (:meth:`RealDrum.claim`): on Linux the socket listening on the port must
  be an open file of a process in the run's process group (its inode in
  ``/proc/net/tcp{,6}``, matched against ``/proc/PID/fd``); another listener means the port
  is someone else's. DRUM's own "in use" messages in the log (werkzeug's "Port N is in use",
  gunicorn's "Connection in use") mean the same. Either way :class:`PortTaken` is raised and
  the run starts again on a new port, :data:`PORT_ATTEMPTS` times at most (an explicit
  ``port=`` is never changed). Without ``/proc``, ownership falls back to: the process is
  alive, the log shows no collision, and (gunicorn) the log says it listens on the port.
* **Gunicorn's control socket**: gunicorn 25.1+ opens one at a fixed path per user
  (``$XDG_RUNTIME_DIR/gunicorn.ctl``, else ``~/.gunicorn/gunicorn.ctl``); a second gunicorn
  unlinks the first one's, and the first, stopping, unlinks the second's. DRUM's
  ``gunicorn.conf.py`` cannot disable it, so each run gets a private ``XDG_RUNTIME_DIR``
  (older gunicorn ignores it), removed after the run.
* **Orphans**: :mod:`~drum_testing.launch.guard` stops the group if the test process
  dies.
"""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from drum_testing.config.settings import SERVER_TYPE_ENV

from .ports import listening_socket
from .process import group_pids

RUNTIMES = ("drum_testing", "drum")
"""``runtime=`` values: our server (the default) or real DRUM."""
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
    command: Sequence[str], lifeline_fd: int, grace: float, remove: str | None = None
) -> list[str]:
    """``command`` run under :mod:`~drum_testing.launch.guard`, watching ``lifeline_fd``.

    ::

        >>> guarded_command(["drum", "server"], 7, 5.0)[-5:]
        ['--grace', '5', '--', 'drum', 'server']
    """
    guard = [sys.executable, "-m", GUARD_MODULE, "--lifeline-fd", str(lifeline_fd)]
    guard += ["--grace", f"{grace:g}", *(["--remove", remove] if remove else [])]
    return [*guard, "--", *command]


class DrumNotFoundError(FileNotFoundError):
    """``runtime="drum"`` but no ``drum`` program; the message says what to install."""


class PortTaken(Exception):
    """Another process has the run's port: stop ours and start again on a new one."""


def check_runtime(runtime: str) -> str:
    """``runtime`` if it is one of :data:`RUNTIMES`, else ValueError."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; accepted: {', '.join(RUNTIMES)}")
    return runtime


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


def pick_port(host: str, requested: int | None) -> int:
    """``requested`` if it is free now, else :class:`~.ports.PortInUseError`; or a free port.

    A free port is one the kernel gave to a socket bound to port 0, closed again at once:
    free when chosen, not reserved after (which :meth:`RealDrum.claim` makes up for).
    """
    with listening_socket(host, requested or 0) as probe:
        return int(probe.getsockname()[1])


class Owner(enum.Enum):
    """Who listens on a port, as far as ``/proc`` tells."""

    NOBODY = "nobody"
    US = "us"
    OTHER = "another process"
    UNKNOWN = "unknown (no /proc)"


def listening_inodes(port: int) -> list[int] | None:
    """The inodes of the TCP sockets listening on ``port`` (any address), None without /proc."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return None
    inodes = []
    for table in tables:
        try:
            lines = table.read_text(encoding="ascii", errors="replace").splitlines()[1:]
        except OSError:
            continue  # no IPv6
        for line in lines:
            # "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1][-4:], 16) == port:
                inodes.append(int(fields[9]))
    return inodes


def group_socket_inodes(pgid: int) -> set[int]:
    """The inodes of the sockets the processes of group ``pgid`` have open."""
    inodes = set()
    for pid in group_pids(pgid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # exited meanwhile
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def port_owner(port: int, pgid: int) -> Owner:
    """Whether the socket listening on ``port`` belongs to process group ``pgid``.

    Any listener on the port that is not the group's (inode 0, a socket whose process is
    gone, included) makes it :attr:`Owner.OTHER`, whatever the group also has.
    """
    listeners = listening_inodes(port)
    if listeners is None:
        return Owner.UNKNOWN
    if not listeners:
        return Owner.NOBODY
    ours = group_socket_inodes(pgid)
    return Owner.US if all(inode in ours for inode in listeners) else Owner.OTHER


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


class RealDrum:
    """The DRUM-specific half of one ``DrumServerRun(..., runtime="drum")``.

    ::

        drum = RealDrum("gunicorn")
        env = drum.server_env(os.environ)      # the type's JSON, a private control dir
        why = drum.claim(pgid, port, log_path)  # None once the group listens on the port
        drum.cleanup()
    """

    def __init__(self, server_type: str) -> None:
        self.server_type_param = drum_server_type_param(server_type)
        self.executable = find_drum()
        self.server_type = server_type
        self.clean_stop_codes = {0} | ({WERKZEUG_STOP_CODE} if server_type == "flask" else set())
        """Exit statuses of a DRUM that stopped cleanly when asked to (SIGTERM)."""
        self._control_dir: str | None = None
        self._log_start = 0  # where this attempt's output begins in the log
        self._log_seen = 0  # bytes of the log already searched for a collision

    def command(self) -> list[str]:
        """The start of the command: ``[".../drum", "server"]``; the options follow."""
        return [self.executable, "server"]

    def server_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """``env`` with the server type as DRUM reads it, and gunicorn's private control dir."""
        child = dict(env)
        child[SERVER_TYPE_ENV] = self.server_type_param
        if self._control_dir is not None:
            child[CONTROL_DIR_ENV] = self._control_dir
        return child

    def restart(self, log_path: Path) -> None:
        """A new attempt is about to write to the log (search only its part) and, with
        gunicorn, to open a control socket (in a directory of this run's)."""
        self._log_start = self._log_seen = log_path.stat().st_size
        if self.server_type == "gunicorn" and self._control_dir is None:
            self._control_dir = tempfile.mkdtemp(prefix="drum-ctl-")

    def guarded(self, command: Sequence[str], lifeline_fd: int, grace: float) -> list[str]:
        """``command`` under the watchdog, which also removes the control dir if it must."""
        return guarded_command(command, lifeline_fd, grace, self._control_dir)

    def check_log(self, log_path: Path, port: int) -> None:
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
        self.check_log(log_path, port)
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
