"""Each gunicorn worker starts its own exporters as it loads (after the fork) and its stop
flushes them, through the worker context; without forking."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.wsgi.gunicorn import DrumGunicorn
from drum_testing.telemetry import setup
from drum_testing.testing import listening_socket
from tests.helpers.models import MODELS


class FakeTelemetry:
    """Stands for what :func:`setup.start` returns: notes its stops."""

    def __init__(self) -> None:
        self.stops = 0

    def stop(self) -> None:
        self.stops += 1


@pytest.fixture
def sock() -> Iterator[socket.socket]:
    with listening_socket() as bound:
        yield bound


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[FakeTelemetry]:
    """Every telemetry :func:`setup.start` gave out during the test."""
    given: list[FakeTelemetry] = []

    def start() -> FakeTelemetry:
        given.append(FakeTelemetry())
        return given[-1]

    monkeypatch.setattr(setup, "start", start)
    return given


def test_a_worker_starts_its_exporters_as_it_loads_and_its_stop_flushes_them(
    sock: socket.socket, started: list[FakeTelemetry]
) -> None:
    settings = Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)
    application = DrumGunicorn(settings, sock)
    assert started == []  # not in the master
    application.load()
    (telemetry,) = started
    worker = SimpleNamespace()
    application.cfg.post_worker_init(worker)
    assert telemetry.stops == 0
    application.cfg.worker_exit(None, worker)
    assert telemetry.stops == 1
    assert worker.drum_worker_ctx.failures == []


def test_a_worker_whose_model_fails_to_load_stops_its_exporters(
    sock: socket.socket, started: list[FakeTelemetry]
) -> None:
    settings = Settings(code_dir=MODELS / "import_error", target_type=TargetType.REGRESSION)
    with pytest.raises(Exception, match="fails on import"):
        DrumGunicorn(settings, sock).load()
    (telemetry,) = started
    assert telemetry.stops == 1
