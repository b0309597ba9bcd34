"""``drum-testing server``: listen, load the model, and serve with the chosen server type.

The socket is bound (or adopted, ``--listen-fd``) before the model loads, so a taken port
fails at once and clients that connect meanwhile wait in the backlog. Gunicorn loads the
model in its workers, after the fork; the other types load it here, before serving.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import traceback
from typing import TYPE_CHECKING

from drum_testing.config.console import fail
from drum_testing.config.deployment import UNAFFECTED
from drum_testing.config.options import options_for
from drum_testing.config.server_params import unserved_notices
from drum_testing.config.settings import DEFAULT_SOURCE, ServerType, Settings
from drum_testing.errors import ModelLoadError
from drum_testing.telemetry import setup as telemetry
from drum_testing.telemetry.logs import configure_logging

from .extensions import ExtensionError, check_extensions
from .lifeline import watch_lifeline
from .listen import ListenError, open_listener
from .registry import LOADS_IN_WORKERS, install_hint, missing_modules
from .shutdown import supervised

if TYPE_CHECKING:  # the core imports pandas: not in a gunicorn master
    from drum_testing.app.core import PredictionCore

COMMAND = "server"
LOAD_ERROR = 1
"""The exit status of a model that fails to load."""

logger = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Serve until stopped; the exit status. A usage error found before the model loads (a
    server type not installed, a folder without a model) is one line on stderr."""
    from drum_testing.model.folder import check_code_dir

    settings = with_default_server_type(settings)
    missing = missing_modules(settings.server_type)
    if missing:  # before the model loads: a one-line error, not a traceback after it
        return fail(
            COMMAND,
            f"the {settings.server_type.value} server type needs {', '.join(missing)}, "
            f"which is not installed: {install_hint(settings.server_type)}",
        )
    try:
        check_code_dir(settings.code_dir)
        # The type's own extension file, or none; the other framework's alone is an error.
        check_extensions(settings.code_dir, settings.server_type)
    except (ModelLoadError, ExtensionError) as exc:
        return fail(COMMAND, str(exc))
    return serve(settings)


DEFAULT_FALLBACKS = (ServerType.FLASK, ServerType.FASTAPI)
"""What the default runs when gunicorn is not installed: the first type that is."""


def with_default_server_type(settings: Settings) -> Settings:
    """``settings``, on flask (else fastapi) when the server type is DRUM's default (gunicorn,
    unset) and gunicorn is not installed: the reason is one notice. With none installed,
    gunicorn stays, and its missing modules are the error."""
    if settings.sources.get("server_type") != DEFAULT_SOURCE:
        return settings
    missing = missing_modules(settings.server_type)
    if not missing:
        return settings
    for fallback in DEFAULT_FALLBACKS:
        if not missing_modules(fallback):
            why = (
                f"serving with {fallback.value}: the default server type, "
                f"{settings.server_type.value} (DRUM's), needs {', '.join(missing)}, which is "
                f"not installed ({install_hint(settings.server_type)})"
            )
            return dataclasses.replace(
                settings, server_type=fallback, notices=(*settings.notices, why)
            )
    return settings


def log_notices(settings: Settings) -> None:
    """The warnings found in the settings, and each option the server type cannot honour:
    one line each."""
    for notice in (*settings.notices, *unserved_notices(settings, options_for(COMMAND))):
        logger.warning("%s", notice)


def serve(settings: Settings) -> int:
    """Listen, load the model (unless the type loads it in its workers), and serve."""
    configure_logging(settings.logging_level, settings.log_format)
    if settings.deployment_config is not None and settings.target_type.value in UNAFFECTED:
        logger.warning(
            "--deployment-config changes nothing for a %s model: only /predict/ answers in "
            "DataRobot's prediction API format",
            settings.target_type.value,
        )
    try:
        sock = open_listener(settings)
    except ListenError as exc:
        return fail(COMMAND, str(exc))
    log_notices(settings)  # a server that cannot listen is one line, as before
    telemetry.check()  # once here: each worker then serves untraced without a word
    if settings.lifeline_fd is not None:
        watch_lifeline(settings.lifeline_fd)
    if settings.server_type in LOADS_IN_WORKERS:
        from .wsgi.gunicorn import serve as serve_gunicorn

        return serve_gunicorn(settings, sock)
    from drum_testing.app.core import PredictionCore

    # This process serves the model it loads (flask; fastapi without uvicorn's supervisor):
    # its exporters start before the model loads, as DRUM's do, so what load_model traces
    # and logs goes out too, as from gunicorn's workers, which start theirs before loading.
    spawns_workers = settings.server_type is ServerType.FASTAPI and supervised(settings)
    exporters = None if spawns_workers else telemetry.start()
    try:
        core = PredictionCore.load(settings)
    except Exception as exc:
        if exporters is not None:
            exporters.stop()
        sock.close()
        traceback.print_exc()
        return fail(
            COMMAND, f"the model in {settings.code_dir} failed to load: {exc!r}", LOAD_ERROR
        )
    return _serve(core, sock, exporters)


def _serve(core: PredictionCore, sock: socket.socket, exporters: telemetry.Telemetry | None) -> int:
    if core.settings.server_type is ServerType.FLASK:
        from .wsgi.flask import serve as serve_flask

        return serve_flask(core, sock, exporters)
    from .asgi.fastapi import serve as serve_fastapi

    return serve_fastapi(core, sock, exporters)
