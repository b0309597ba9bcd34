"""Uvicorn's supervisor (``--max-workers`` > 1, or ``--max-requests``), made to start slow
workers, answer a stop at once, and run workers that stop as ours do.

Uvicorn's own supervisor checks each worker with a health ping that blocks for up to
``timeout_worker_healthcheck`` (5 s) per worker, from the same loop that handles signals: a
SIGTERM waits behind it, and a worker that has not answered within 5 s (one still importing
its modules on a busy machine: measured, a replica of a rolling restart never came up) is
killed and replaced, over and over. Here the ping is never waited for: each turn of the
loop (every 0.5 s) reads the answer to the last ping if it came and sends the next one, and
a worker is declared hung only when a ping has gone unanswered for the health-check time,
or for :data:`START_ALLOWANCE` before its first answer.

Its workers serve with :class:`~.uvicorn_server.DrainingServer`, as a process serving alone
does. Workers an operator adds with SIGTTIN or SIGHUP are uvicorn's own (they stop as
uvicorn's do); nothing here sends those signals.
"""

from __future__ import annotations

import pickle
import time
from typing import Any

from uvicorn.config import STARTUP_FAILURE
from uvicorn.server import Server
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from .uvicorn_server import DrainingServer

START_ALLOWANCE = 60.0
"""Seconds a new worker has to answer its first health ping. It answers once its
interpreter has imported what the config needs (the model loads after, while it answers);
seconds on a loaded machine, more without compiled bytecode."""


class DrumProcess(Process):
    """A worker: serves with :class:`DrainingServer`, health-checked without waiting."""

    _ping_sent: float | None = None
    """When the ping still unanswered was sent (monotonic), or None."""
    _answered = False
    """Whether the worker ever answered (it is past its start)."""

    @property
    def server(self) -> Server:
        if self._server is None:
            self._server = DrainingServer(config=self.config)
        return self._server

    def responsive(self, now: float, timeout: float) -> bool:
        """Whether the worker runs and answers health pings; never blocks.

        False when it exited, when its pipe broke, or when a ping has waited longer than
        ``timeout`` for its answer (:data:`START_ALLOWANCE`, if longer, before the first).
        """
        if not self.process.is_alive():
            return False
        try:
            if self._ping_sent is not None and self.parent_conn.poll(0):
                self.parent_conn.recv()
                self._ping_sent = None
                self._answered = True
            if self._ping_sent is None:
                self.parent_conn.send(b"ping")
                self._ping_sent = now
                return True
        except (OSError, EOFError, pickle.UnpicklingError):
            return False
        allowance = timeout if self._answered else max(timeout, START_ALLOWANCE)
        return now - self._ping_sent < allowance


class DrumMultiprocess(Multiprocess):
    """Uvicorn's supervisor, with :class:`DrumProcess` workers, noting which were running
    when it began to stop (their exit statuses are the stop's)."""

    stopped: tuple[Any, ...] = ()

    def _spawn(self) -> DrumProcess:
        process = DrumProcess(self.config, self.sockets)
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._spawn() for _ in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        now = time.monotonic()
        timeout = self.config.timeout_worker_healthcheck
        for index, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if not isinstance(process, DrumProcess) or process.responsive(now, timeout):
                continue  # an operator's (SIGTTIN, SIGHUP): uvicorn's own, left to it
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # As uvicorn: an app that fails before serving fails the same way each time.
                self.should_exit.set()
                return
            self.processes[index] = self._spawn()

    def terminate_all(self) -> None:
        self.stopped = tuple(p for p in self.processes if p.exitcode is None)
        super().terminate_all()
