"""The server types: what each needs installed, and where each loads the model.

Light on purpose: the command line and ``drum-testing check`` ask which types can run here
without importing any framework.
"""

from __future__ import annotations

from collections.abc import Mapping

from drum_testing.config.settings import ServerType
from drum_testing.install import install_command, not_installed

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
    return not_installed(REQUIRED_MODULES[server_type])


def install_hint(server_type: ServerType) -> str:
    """The command that installs what ``server_type`` needs: its extra, into this
    installation (a checkout's path where it came from one)."""
    return install_command(server_type.value)
