"""Is a server ready? One ``GET /ping/`` and a verdict on its answer.

Ready means what our server answers once its model is loaded: 200, the body
``{"message": "OK"}`` and the ``X-Drum-Version`` header. Anything else (a refused
connection, a timeout while the model loads and the request waits in the backlog, another
program on the port) is not ready, and the verdict says why, for the error message::

    ready, why = probe_ping("127.0.0.1", 8080, "/ping/", timeout=0.5)
"""

from __future__ import annotations

import http.client
import json

VERSION_HEADER = "X-Drum-Version"


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
    if response.status != 200:
        return False, f"HTTP {response.status}"
    if response.getheader(VERSION_HEADER) is None:
        return False, f"no {VERSION_HEADER} header"
    try:
        payload = json.loads(body)
    except ValueError:
        return False, f"body is not JSON: {body[:100]!r}"
    if not isinstance(payload, dict) or payload.get("message") != "OK":
        return False, f'body is not {{"message": "OK"}}: {body[:100]!r}'
    return True, "ready"
