"""Functional tests start real servers, of the type the session selects, through the plugin.

No test here names a server type: ``MLOPS_RUNTIME_PARAM_DRUM_SERVER_TYPE`` (set by the nox
session) decides, and ``DrumServerRun`` picks it up.
"""

from __future__ import annotations

import pytest

from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.contract.models import MODELS as CONTRACT_MODELS
from tests.contract.models import folder, server_options
from tests.helpers.models import MODELS
from tests.helpers.servers import ModelServer


@pytest.fixture
def model_server(drum_shared_server: DrumServerFactory) -> ModelServer:
    """``model_server("binary")``: the session's shared server for a fixture model."""

    def serve(name: str) -> DrumServerRun:
        target_type, labels = CONTRACT_MODELS[name]
        return drum_shared_server(
            target_type, labels, MODELS / folder(name), **server_options(name)
        )

    return serve
