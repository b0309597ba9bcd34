"""Server types: thin adapters that run the core. Each imports only its own framework."""

from __future__ import annotations

import socket

from drum_testing.core import PredictionCore
from drum_testing.settings import ServerType

AVAILABLE = frozenset(ServerType)
"""The server types this build can run."""


def serve(core: PredictionCore, sock: socket.socket, server_type: ServerType) -> int:
    """Run ``core`` on ``sock`` with the chosen server type until it is stopped."""
    if server_type is ServerType.FLASK:
        from .flask import serve as serve_flask

        return serve_flask(core, sock)
    if server_type is ServerType.GUNICORN:
        from drum_testing.servers.gunicorn import serve as serve_gunicorn

        return serve_gunicorn(core, sock)
    from drum_testing.servers.fastapi import serve as serve_fastapi

    return serve_fastapi(core, sock)
