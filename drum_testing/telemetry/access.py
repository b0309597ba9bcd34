"""The access log: one line for each answered request, the same on every server type.

Made once, from the core's :class:`~drum_testing.http.messages.Request` and what it answered,
so a request gets the same line whichever type served it (werkzeug's, gunicorn's and
uvicorn's own access logs stay off). Off by default, as in DRUM; ``--access-log`` turns it
on. The line (its request id and trace id come from the record's request scope, as on every
line of the request, and sit in the log line's prefix or in the JSON object's fields)::

    127.0.0.1 "POST /predict/?debug=1" 200 37 12.4ms

is the client's address (``-`` when the server type does not give it), the method and the
path with its query, the status, the body bytes sent and the time taken, from the request
reaching the core to the last byte of the answer handed to the server (a streamed answer is
logged when its stream ends). A JSON line also has them as fields, in its ``http`` object.
"""

from __future__ import annotations

import logging

from drum_testing.http.messages import Request

from .logs import HTTP_FIELD

ACCESS_LOGGER = "drum_testing.access"
logger = logging.getLogger(ACCESS_LOGGER)
# At INFO whatever --logging-level says: the switch decides whether there are access lines
# (as gunicorn's accesslog is apart from its loglevel), and a server logging at "warning"
# (the default) with --access-log must still write them.
logger.setLevel(logging.INFO)

# A path or query may hold quotes, backslashes or control characters (a "%0A" decoded):
# escaped, so one request is one line and the quoted part cannot be closed early.
_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"'} | {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)
}


def target(request: Request) -> str:
    """The request's path and query, as the client sent them (decoded)."""
    return request.path + (f"?{request.query_string}" if request.query_string else "")


def access_line(request: Request, status: int, sent: int, seconds: float) -> str:
    """The access line of ``request``, answered ``status`` with ``sent`` body bytes."""
    quoted = f"{request.method} {target(request)}".translate(_ESCAPES)
    client = (request.client or "-").translate(_ESCAPES)
    return f'{client} "{quoted}" {status} {sent} {seconds * 1000:.1f}ms'


def log_access(request: Request, status: int, sent: int, seconds: float) -> None:
    """Write the access line of ``request`` (in its request scope, for the ids)."""
    fields = {
        "client": request.client,
        "method": request.method,
        "target": target(request),
        "status": status,
        "bytes": sent,
        "duration_ms": round(seconds * 1000, 3),
    }
    logger.info("%s", access_line(request, status, sent, seconds), extra={HTTP_FIELD: fields})
