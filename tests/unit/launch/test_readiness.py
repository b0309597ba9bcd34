"""launch/readiness.py: wait_until_ready, asking until yes, an exit, or the deadline."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from drum_testing.launch.readiness import PING_TIMEOUT, Readiness, probe_ping, wait_until_ready


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_ready_once_the_ping_says_so(sleeper: subprocess.Popen[bytes]) -> None:
    answers = iter([(False, "HTTP 503"), (False, "HTTP 503"), (True, "ready")])
    timeouts: list[float] = []

    def ping(timeout: float) -> tuple[bool, str]:
        timeouts.append(timeout)
        return next(answers)

    assert wait_until_ready(sleeper, ping, 10) == Readiness(True)
    assert timeouts == [PING_TIMEOUT] * 3  # each ping is bounded


def test_an_exit_is_seen_at_once_with_the_last_answer() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3); exit(3)"])
    began = time.monotonic()
    waited = wait_until_ready(process, lambda timeout: (False, "refused"), 30)
    assert waited == Readiness(False, 3, "refused")
    assert time.monotonic() - began < 10


def test_the_deadline_ends_the_wait_and_bounds_the_last_ping(
    sleeper: subprocess.Popen[bytes],
) -> None:
    timeouts: list[float] = []

    def ping(timeout: float) -> tuple[bool, str]:
        timeouts.append(timeout)
        return False, "no X-Drum-Version header"

    began = time.monotonic()
    waited = wait_until_ready(sleeper, ping, 0.3)
    assert waited == Readiness(False, None, "no X-Drum-Version header")
    assert 0.3 <= time.monotonic() - began < 5
    assert timeouts
    assert all(0 < timeout <= 0.3 for timeout in timeouts)  # never past the deadline


class _Answers(http.server.BaseHTTPRequestHandler):
    """Answers GET with the server's ``answer``: (status, body)."""

    def do_GET(self) -> None:
        status, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("X-Drum-Version", "1.18.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "body", "ready"),
    [
        (200, b'{"message": "OK"}', True),
        # DRUM's error server (and ours): the model failed to load, the server is up.
        (513, b'{"message": "ERROR: the model failed"}', True),
        (503, b'{"message": "OK"}', False),
    ],
)
def test_probe_ping_counts_the_error_server_as_up(status: int, body: bytes, ready: bool) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answers)
    server.answer = (status, body)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        verdict = probe_ping("127.0.0.1", server.server_address[1], "/ping/", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert verdict[0] is ready, verdict
