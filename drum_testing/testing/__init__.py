"""The test kit: start a model server for a test and stop it, whatever happens.

::

    from drum_testing.testing import DrumServerRun

    with DrumServerRun("regression", None, "tests/fixtures/models/regression") as run:
        requests.get(run.url_server_address + "/ping/")

``runtime="drum"`` starts real DRUM (``drum server``) the same way
(:mod:`drum_testing.launch.drum`). With the package installed, pytest also gets the
``drum_server`` and ``drum_server_type`` fixtures, and the session-wide ``drum_shared_server``
(:mod:`drum_testing.testing.plugin`). :func:`check_model` (and the ``drum_check`` fixture)
runs ``drum-testing check``'s checks and fails a test with the report
(:mod:`drum_testing.testing.model_check`). :class:`OTLPReceiver` (and the ``otlp_receiver``
fixture) receives what a server exports over OTLP/HTTP (:mod:`drum_testing.testing.otlp`).

This package is the kit's face; the launch machinery is :mod:`drum_testing.launch`, below
``drum-testing check``, which both this kit and the command use.
"""

from __future__ import annotations

from drum_testing.launch.drum_signature import resolve_server_type
from drum_testing.launch.ports import listening_socket
from drum_testing.launch.run import DrumServerRun, ServerStartError

from .model_check import ModelCheckFailed, check_model
from .otlp import OTLPReceiver

__all__ = [
    "DrumServerRun",
    "ModelCheckFailed",
    "OTLPReceiver",
    "ServerStartError",
    "check_model",
    "listening_socket",
    "resolve_server_type",
]
