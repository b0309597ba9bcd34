"""The model folder's server extension: ``custom_flask.py`` (DRUM's) or ``custom_fastapi.py``.

DRUM 1.18.1 looks for ``custom_flask.py`` anywhere under the model folder and, after the
model loaded, calls its ``init_app(app)`` with the Flask app (before the first request):
the model may add ``before_request`` checks (authentication), routes, or Flask extensions.
The flask and gunicorn types do the same (:mod:`.wsgi.extension`); the fastapi type calls
``custom_fastapi.py``'s ``init_app(app)`` with its FastAPI app (:mod:`.asgi.extension`).

A folder whose extension the chosen type cannot run (``custom_flask.py`` alone on fastapi,
``custom_fastapi.py`` alone on flask or gunicorn) does not start: the extension may guard
every route, and serving without it would serve something else. A folder with both files
runs on every type, each type taking its own.

This module only finds and imports the file; it imports no web framework.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from drum_testing.config.settings import ServerType

FLASK_EXTENSION = "custom_flask"
FASTAPI_EXTENSION = "custom_fastapi"
EXTENSIONS = {
    ServerType.FLASK: FLASK_EXTENSION,
    ServerType.GUNICORN: FLASK_EXTENSION,
    ServerType.FASTAPI: FASTAPI_EXTENSION,
}
"""The extension file (without ``.py``) each server type runs."""


class ExtensionError(Exception):
    """The folder's extension cannot be used; the message says why."""


def find_extension(code_dir: Path, name: str) -> Path | None:
    """``name``.py anywhere under ``code_dir`` (DRUM's search), or None; two are an error."""
    found = sorted(code_dir.rglob(f"{name}.py"))
    if len(found) > 1:
        raise ExtensionError(f"Found too many custom hook files: {[str(p) for p in found]}")
    return found[0] if found else None


def check_extensions(code_dir: Path, server_type: ServerType) -> Path | None:
    """The extension file ``server_type`` will run, or None; an ExtensionError when the
    folder has only the other framework's."""
    own = EXTENSIONS[server_type]
    path = find_extension(code_dir, own)
    if path is not None:
        return path
    other = FASTAPI_EXTENSION if own == FLASK_EXTENSION else FLASK_EXTENSION
    stranger = find_extension(code_dir, other)
    if stranger is not None:
        framework = "FastAPI" if own == FASTAPI_EXTENSION else "Flask"
        raise ExtensionError(
            f"{stranger} extends the server, but the {server_type.value} server type runs "
            f"{framework} and cannot run it; add {own}.py with init_app(app) for "
            f"{framework}, or serve with a type that runs {stranger.name}"
        )
    return None


def import_extension(path: Path) -> ModuleType:
    """Import the extension file as DRUM does: its folder first on ``sys.path`` (so it can
    import its neighbours), under its own module name. An ImportError is an
    ExtensionError with DRUM's words."""
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        del sys.modules[path.stem]
        framework = "Flask" if path.stem == FLASK_EXTENSION else "FastAPI"
        raise ExtensionError(f"Failed to extend {framework} app from [{path}] : {exc}") from exc
    if not callable(getattr(module, "init_app", None)):
        raise ExtensionError(f"{path} has no init_app(app) function")
    return module
