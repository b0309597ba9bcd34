"""The fastapi type's stop: a supervised worker's uvicorn server empties its backlog first."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import uvicorn

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.asgi.fastapi import DrainingServer, DrumUvicornConfig, _drain_like_ours
from tests.helpers.models import MODELS


@pytest.fixture
def sigterm_handler() -> Iterator[None]:
    """SIGTERM's handler as it was, put back when the test ends."""
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


def uvicorn_server() -> uvicorn.Server:
    settings = Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)
    return uvicorn.Server(DrumUvicornConfig(settings, None))


@pytest.mark.usefixtures("sigterm_handler")
def test_the_server_that_handles_sigterm_drains_like_ours() -> None:
    server = uvicorn_server()
    signal.signal(signal.SIGTERM, server.handle_exit)  # as uvicorn's capture_signals does
    _drain_like_ours()
    assert type(server) is DrainingServer


@pytest.mark.usefixtures("sigterm_handler")
def test_another_handler_is_left_alone() -> None:
    server = uvicorn_server()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _drain_like_ours()
    assert type(server) is uvicorn.Server
