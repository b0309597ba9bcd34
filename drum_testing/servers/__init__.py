"""Server types: thin adapters that run the core. Each imports only its own framework."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from drum_testing.settings import ServerType, Settings

if TYPE_CHECKING:
    from drum_testing.core import PredictionCore

AVAILABLE = frozenset(ServerType)
"""The server types this build can run."""
LOADS_IN_WORKERS = frozenset({ServerType.GUNICORN})
"""Types whose workers each load the model after forking, as DRUM's gunicorn does; the
others load it in the process that was started, before serving."""


def serve(settings: Settings, core: PredictionCore | None, sock: socket.socket) -> int:
    """Serve on ``sock`` with the settings' server type until stopped.

    ``core`` is the loaded model's core, or None for a type in :data:`LOADS_IN_WORKERS`.
    """
    server_type = settings.server_type
    if server_type is ServerType.GUNICORN:
        from drum_testing.servers.gunicorn import serve as serve_gunicorn

        return serve_gunicorn(settings, sock)
    if core is None:
        raise ValueError(f"the {server_type.value} server type serves a loaded model")
    if server_type is ServerType.FLASK:
        from .flask import serve as serve_flask

        return serve_flask(core, sock)
    from drum_testing.servers.fastapi import serve as serve_fastapi

    return serve_fastapi(core, sock)
