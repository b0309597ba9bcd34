"""Server types: thin adapters that run the core. Each imports only its own framework."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING

from drum_testing.settings import ServerType, Settings

if TYPE_CHECKING:
    from drum_testing.core import PredictionCore

AVAILABLE = frozenset(ServerType)
"""The server types this build can run."""
REQUIRED_MODULES: Mapping[ServerType, tuple[str, ...]] = {
    ServerType.FLASK: ("flask", "werkzeug"),
    ServerType.GUNICORN: ("flask", "werkzeug", "gunicorn"),
    ServerType.FASTAPI: ("fastapi", "starlette", "uvicorn", "anyio"),
}
"""What each type imports, all installed by the extra of the type's name."""
LOADS_IN_WORKERS = frozenset({ServerType.GUNICORN})
"""Types whose workers each load the model after forking, as DRUM's gunicorn does; the
others load it in the process that was started, before serving."""


def missing_modules(server_type: ServerType) -> list[str]:
    """The modules ``server_type`` needs that are not installed (none: it can run)."""
    missing = []
    for name in REQUIRED_MODULES[server_type]:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken package, or one blocked in sys.modules
            found = False
        if not found:
            missing.append(name)
    return missing


def install_hint(server_type: ServerType) -> str:
    """The command that installs what ``server_type`` needs."""
    return f"pip install 'drum-testing[{server_type.value}]'"


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
