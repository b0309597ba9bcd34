"""A server run's log file: where it goes, and whether it is removed when the run is over.

The rule: only what was created here is removed, and only after a clean run.

* Without a ``log_dir``, the log goes to a new ``drum-server-*`` directory under the temp dir.
  After a clean run (no failure was reported, the server exited with status 0 when it was
  stopped) that directory is removed with the log in it, unless ``keep`` is set.
* A ``log_dir`` the caller gave is the caller's: neither it nor the log file made in it is
  ever removed (pytest's temporary directories, which the plugin uses, clean up after
  themselves).
* After a failure the log is kept, and a warning says where it is.

::

    log = RunLog(None, keep=False)
    path = log.create("flask-binary-8080-")   # .../drum-server-XXXX/flask-binary-8080-YYYY.log
    ...                                       # the server writes to path
    log.fail("it did not start")              # only on failure: the log is kept
    log.finish(returncode)                    # removes the directory after a clean run
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from .process import describe_returncode

logger = logging.getLogger(__name__)

DIR_PREFIX = "drum-server-"
"""The prefix of the directories made when no ``log_dir`` is given."""


class RunLog:
    """The log file of one server run (see the module for what is removed when)."""

    def __init__(self, log_dir: str | os.PathLike[str] | None, *, keep: bool = False) -> None:
        self.given_dir = None if log_dir is None else Path(log_dir)
        self.keep = keep
        self.path: Path | None = None
        self.own_dir: Path | None = None
        """The directory :meth:`create` made, if it made one (no ``log_dir`` given)."""
        self.failure: str | None = None
        self.finished = False

    def create(self, prefix: str) -> Path:
        """Make a new, empty log file whose name starts with ``prefix``; return its path."""
        if self.path is not None:
            raise RuntimeError(f"the log is already created: {self.path}")
        if self.given_dir is None:
            self.own_dir = directory = Path(tempfile.mkdtemp(prefix=DIR_PREFIX))
        else:
            directory = self.given_dir
            directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=".log", dir=directory)
        os.close(handle)
        self.path = Path(name)
        return self.path

    def note(self, line: str) -> None:
        """Add a line of ours to the log, when no server is writing to it (between attempts)."""
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as file:
                file.write(f"\n{line}\n")

    def fail(self, reason: str) -> None:
        """The run failed: keep the log. The first reason is the one reported."""
        if self.failure is None:
            self.failure = reason

    def finish(self, returncode: int | None) -> None:
        """The server is gone (``returncode``: its exit status, None if it could not be reaped).

        After a clean run, remove the directory made by :meth:`create`, unless ``keep``; after
        a failure, log a warning that names the log. Only the first call decides; later ones,
        and calls before :meth:`create`, do nothing.
        """
        if self.path is None or self.finished:
            return
        self.finished = True
        if returncode is None:
            self.fail("the server could not be stopped")
        elif returncode != 0:
            self.fail(f"the server stopped with {describe_returncode(returncode)}")
        if self.failure is not None:
            logger.warning("DRUM server log kept at %s: %s", self.path, self.failure)
        elif self.own_dir is not None and not self.keep:
            shutil.rmtree(self.own_dir, ignore_errors=True)
