"""Is a server ready? One ``GET /ping/`` and a verdict on its answer; and asking until it is.

Ready means what our server answers once its model is loaded: 200, the body
``{"message": "OK"}`` and the ``X-Drum-Version`` header; or what the error server
(``--with-error-server``) answers when the model failed to load: 513 with that header, which
DRUM's own wait counts as ready too. Anything else (a refused
connection, a timeout while the model loads and the request waits in the backlog, another
program on the port) is not ready, and the verdict says why, for the error message::

    ready, why = probe_ping("127.0.0.1", 8080, "/ping/", timeout=0.5)

:func:`wait_until_ready` asks again until the answer is yes, the server exits, or the time
is up, and says which.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import time
from collections.abc import Callable
from typing import NamedTuple

VERSION_HEADER = "X-Drum-Version"
ERROR_SERVER_STATUS = 513
"""DRUM's "pipeline error": the error server is up and says why the model did not load."""
PING_TIMEOUT = 0.5
"""Per readiness request: a server that is loading its model keeps the request queued."""
PING_INTERVAL = 0.05
"""Pause after a failed attempt that returned at once (e.g. a 503), so polling isn't a spin."""


class Readiness(NamedTuple):
    """How waiting ended: ready; or not, with the exit status (None: the time was up) and
    the last answer, for the error message."""

    ready: bool
    returncode: int | None = None
    last: str = "ready"


def probe_ping(host: str, port: int, path: str, timeout: float) -> tuple[bool, str]:
    """``(True, "ready")``, or ``(False, what was wrong)``, after one request to ``path``."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    if response.status not in (200, ERROR_SERVER_STATUS):
        return False, f"HTTP {response.status}"
    if response.getheader(VERSION_HEADER) is None:
        return False, f"no {VERSION_HEADER} header"
    if response.status == ERROR_SERVER_STATUS:
        return True, "ready"  # the error server, up with the load error (as DRUM's wait)
    try:
        payload = json.loads(body)
    except ValueError:
        return False, f"body is not JSON: {body[:100]!r}"
    if not isinstance(payload, dict) or payload.get("message") != "OK":
        return False, f'body is not {{"message": "OK"}}: {body[:100]!r}'
    return True, "ready"


def wait_until_ready(
    process: subprocess.Popen[bytes], ping: Callable[[float], tuple[bool, str]], timeout: float
) -> Readiness:
    """Call ``ping`` (its argument: the seconds it may take) until it says ready, ``process``
    exits, or ``timeout`` seconds have passed; an exit is seen at once, even between pings."""
    deadline = time.monotonic() + timeout
    last = "no attempt"
    while True:
        code = process.poll()
        if code is not None:
            return Readiness(False, code, last)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Readiness(False, None, last)
        ready, last = ping(min(PING_TIMEOUT, remaining))
        if ready:
            return Readiness(True)
        # Wait before the next attempt, but wake at once if the server exits.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, min(PING_INTERVAL, deadline - time.monotonic())))
