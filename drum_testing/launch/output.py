"""A server's stdout and stderr: into the run's log, kept apart in memory, echoed if asked.

DRUM's ``DrumServerRun`` reads the server's two pipes in a thread and hands them to tests as
``run.process.out_stream`` and ``run.process.err_stream`` (its tests look in ``err_stream``
for a model's load error). Ours keeps its log file as well: one thread reads both pipes
and writes each chunk, as it arrives, to the log (both streams, in arrival order), to the
stream's own buffer, and, with ``stream_output``, to this process's stdout.

Reading never lags behind what a caller can see: :meth:`ServerOutput.drain` reads whatever
the pipes hold before the log is read (``run.log_text()``), so output the server wrote
before answering a request is in the log once the answer is in.

::

    output = ServerOutput(log_path, echo=None)
    proc = ServerProcess(command, output, env=env, pass_fds=fds)
    output.close_child_fds()
    output.start_reading(threading.Thread)
    ...
    print(proc.err_stream)        # what the server wrote to stderr so far
    ...                           # stop the server, then:
    output.finish(timeout=5)      # its output to the end

Nothing here blocks on a full pipe: the thread reads as long as the server writes.
"""

from __future__ import annotations

import codecs
import os
import selectors
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

CHUNK = 64 * 1024


class _Stream:
    """One pipe: the read end (non-blocking), what came through it, and whether it ended."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.data = bytearray()
        self.ended = False
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")


class ServerOutput:
    """Reads a server's stdout and stderr (see the module); ``echo`` gets the text as it
    comes (``stream_output``), ``append`` adds to the log instead of truncating it."""

    def __init__(
        self,
        log_path: Path,
        *,
        append: bool = False,
        echo: Callable[[str], object] | None = None,
    ) -> None:
        self.stdout, self.stderr = _Stream(), _Stream()
        self._echo = echo
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        self._closed = False
        self.thread: threading.Thread | None = None
        self._log = open(log_path, "ab" if append else "wb", buffering=0)  # noqa: SIM115

    @property
    def child_fds(self) -> tuple[int, int]:
        """The write ends, the child's stdout and stderr."""
        return self.stdout.write_fd, self.stderr.write_fd

    def close_child_fds(self) -> None:
        """Close this process's copies of the write ends (once the child has its own), so
        the pipes end when the server's processes are gone."""
        for stream in (self.stdout, self.stderr):
            if stream.write_fd >= 0:
                os.close(stream.write_fd)
                stream.write_fd = -1

    @property
    def closed(self) -> bool:
        """:meth:`close` was called: the buffers are final."""
        return self._closed

    @property
    def ended(self) -> bool:
        """Both pipes reached end of file: every process that could write has exited."""
        return self.stdout.ended and self.stderr.ended

    def text(self, stream: _Stream) -> str:
        """What came through ``stream`` so far, as text (undecodable bytes replaced)."""
        self.drain()
        return stream.data.decode("utf-8", errors="replace")

    def drain(self) -> None:
        """Read everything the pipes hold now, into the log and the buffers."""
        with self._lock:
            if self._closed:
                return
            for stream in (self.stdout, self.stderr):
                while not stream.ended:
                    try:
                        chunk = os.read(stream.read_fd, CHUNK)
                    except BlockingIOError:
                        break
                    if not chunk:
                        stream.ended = True
                        break
                    self._take(stream, chunk)

    def _take(self, stream: _Stream, chunk: bytes) -> None:
        stream.data += chunk
        self._log.write(chunk)
        if self._echo is not None:
            self._echo(stream.decoder.decode(chunk))

    def pump(self) -> None:
        """Read until both pipes end or :meth:`close` is called: the reading thread's target."""
        with selectors.DefaultSelector() as selector:
            for stream in (self.stdout, self.stderr):
                selector.register(stream.read_fd, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self.ended:
                ready = {key.fd for key, _ in selector.select()}
                if self._wake_read in ready:
                    return
                self.drain()
                for stream in (self.stdout, self.stderr):
                    if stream.ended and stream.read_fd in selector.get_map():
                        selector.unregister(stream.read_fd)

    def stop_pumping(self) -> None:
        """Make :meth:`pump` return at once, even if the pipes are still open."""
        if not self._closed:
            os.write(self._wake_write, b"x")

    def start_reading(self, thread_class: Callable[..., threading.Thread]) -> threading.Thread:
        """Start the thread (of ``thread_class``, DRUM's parameter) that runs :meth:`pump`."""
        self.thread = thread_class(name="DRUM Server", target=self.pump)
        self.thread.daemon = True
        self.thread.start()
        return self.thread

    def finish(self, timeout: float) -> str | None:
        """Wait up to ``timeout`` for the output to end, then read the rest and close.

        Returns why it did not end (a shutdown error, as DRUM's thread that outlives the
        server), else None.
        """
        why = None
        if self.thread is not None:
            self.thread.join(timeout)
            if self.thread.is_alive():
                why = (
                    f"its output stayed open {timeout:g} s after it stopped "
                    "(a process it started outside its group holds it)"
                )
                self.stop_pumping()
                self.thread.join()
        self.close()
        return why

    def close(self) -> None:
        """Read what is left, then close the pipes and the log (after the thread ended)."""
        self.drain()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self.close_child_fds()
            for fd in (self.stdout.read_fd, self.stderr.read_fd, self._wake_read, self._wake_write):
                os.close(fd)
            self._log.close()


class ServerProcess(subprocess.Popen[bytes]):
    """The server's process, as DRUM's tests read it: a ``Popen`` (``pid``, ``poll()``,
    ``returncode``, ...) that is also DRUM's ``DrumServerProcess`` (``.process``,
    ``.out_stream``, ``.err_stream``)."""

    def __init__(
        self,
        command: Iterable[str],
        output: ServerOutput,
        *,
        env: Mapping[str, str] | None,
        pass_fds: Iterable[int],
        **popen: Any,
    ) -> None:
        stdout, stderr = output.child_fds
        super().__init__(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=None if env is None else dict(env),
            pass_fds=tuple(pass_fds),
            close_fds=True,
            start_new_session=True,  # own group: one signal reaches every worker
            **popen,
        )
        self.output = output

    @property
    def process(self) -> ServerProcess:
        """Itself: DRUM's ``run.process.process`` is the ``Popen``."""
        return self

    @property
    def out_stream(self) -> str:
        """What the server wrote to stdout so far (all of it, once the run is stopped)."""
        return self.output.text(self.output.stdout)

    @property
    def err_stream(self) -> str:
        """What the server wrote to stderr so far (all of it, once the run is stopped)."""
        return self.output.text(self.output.stderr)
