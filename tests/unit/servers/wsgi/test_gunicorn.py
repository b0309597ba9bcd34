"""The Gunicorn server type's configuration and its per-worker context, without forking."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.wsgi.gunicorn import DrumGunicorn, GunicornWorkerCtx
from drum_testing.servers.wsgi.gunicorn_worker import TimedThreadWorker
from drum_testing.testing import listening_socket
from tests.helpers.models import MODELS


@pytest.fixture
def sock() -> Iterator[socket.socket]:
    with listening_socket() as bound:
        yield bound


@pytest.fixture
def application(sock: socket.socket) -> DrumGunicorn:
    settings = Settings(
        code_dir=MODELS / "regression", target_type=TargetType.REGRESSION, max_workers=3
    )
    return DrumGunicorn(settings, sock)


def test_config_serves_the_inherited_socket_with_the_asked_workers(
    application: DrumGunicorn, sock: socket.socket
) -> None:
    settings = application.cfg.settings
    assert settings["bind"].value == [f"fd://{sock.fileno()}"]
    assert settings["workers"].value == 3
    assert (
        settings["worker_class"].value
        == "drum_testing.servers.wsgi.gunicorn_worker.TimedThreadWorker"
    )
    assert application.cfg.worker_class is TimedThreadWorker
    if "control_socket_disable" in settings:  # gunicorn 25+
        assert settings["control_socket_disable"].value is True
    assert application.app is None  # nothing is loaded in the master


def test_config_takes_the_tunables_from_the_settings(sock: socket.socket) -> None:
    settings = Settings(
        code_dir=MODELS / "regression",
        target_type=TargetType.REGRESSION,
        threads=7,
        keepalive_timeout=2.5,
        drain_timeout=4,
        worker_timeout=9,
        backlog=33,
        read_timeout=1.5,
        max_requests=20,
        max_requests_jitter=5,
        gunicorn_log_level="error",
    )
    cfg = DrumGunicorn(settings, sock).cfg
    values = {name: cfg.settings[name].value for name in cfg.settings}
    assert {k: values[k] for k in ("threads", "keepalive", "graceful_timeout", "timeout")} == {
        "threads": 7,
        "keepalive": 3,  # whole seconds, rounded up
        "graceful_timeout": 4,
        "timeout": 9,
    }
    assert values["backlog"] == 33
    assert (values["max_requests"], values["max_requests_jitter"]) == (20, 5)
    assert values["loglevel"] == "error"  # DRUM_GUNICORN_LOG_LEVEL over --logging-level
    assert cfg.drum_read_timeout == 1.5


def test_each_worker_loads_its_own_model(application: DrumGunicorn) -> None:
    first, second = application.load(), application.load()
    assert application.app is second
    assert first.core.model is not None
    assert first.core is not second.core  # a load per worker, after the fork


def test_a_model_that_fails_to_load_fails_the_worker_boot(sock: socket.socket) -> None:
    settings = Settings(code_dir=MODELS / "import_error", target_type=TargetType.REGRESSION)
    with pytest.raises(Exception, match="fails on import"):
        DrumGunicorn(settings, sock).load()


def test_each_worker_gets_a_context_that_owns_its_flusher(application: DrumGunicorn) -> None:
    application.load()
    worker = SimpleNamespace()
    application.cfg.post_worker_init(worker)
    ctx = worker.drum_worker_ctx
    assert application.app is not None
    flusher = application.flusher
    assert isinstance(ctx, GunicornWorkerCtx)
    assert flusher is not None
    assert ctx.running()
    assert flusher.thread.is_alive()
    assert flusher.start() is False  # the context started it; it starts once
    flushes = flusher.flush_count
    application.cfg.worker_exit(None, worker)
    assert not ctx.running()
    assert not flusher.thread.is_alive()
    assert flusher.flush_count == flushes + 1  # the final flush
    assert ctx.failures == []
