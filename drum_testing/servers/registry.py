"""The server types: what each needs installed, and where each loads the model.

Light on purpose: the command line and ``drum-testing check`` ask which types can run here
without importing any framework.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

from drum_testing.config.settings import ServerType

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
