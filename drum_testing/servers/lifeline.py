"""Stop the server when the process that started it is gone, however it went.

``DrumServerRun`` passes the read end of a pipe as ``--lifeline-fd`` and keeps the write
end. When the parent exits (even by SIGKILL) the kernel closes the write end, the read
here returns end-of-file, and the server stops itself with SIGTERM, gracefully. No
polling and no signal from the parent are needed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

logger = logging.getLogger(__name__)


def watch_lifeline(fd: int) -> threading.Thread:
    """Start a daemon thread that sends SIGTERM to this process when ``fd`` reaches EOF."""

    def wait_for_eof() -> None:
        try:
            while os.read(fd, 4096):
                pass  # The parent never writes; data would only be noise.
        except OSError:
            pass
        logger.warning("the parent process is gone (lifeline closed); shutting down")
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=wait_for_eof, name="lifeline", daemon=True)
    thread.start()
    return thread
