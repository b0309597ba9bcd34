"""Gunicorn's log through the log's one handler: its error log propagates, its access log is
off, and both stay so on a reload (which runs the logger's setup again)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.wsgi.gunicorn import DrumGunicorn
from drum_testing.servers.wsgi.gunicorn_log import DrumGunicornLogger
from drum_testing.testing import listening_socket
from tests.helpers.models import MODELS


@pytest.fixture
def cfg() -> Iterator[object]:
    error_log = logging.getLogger("gunicorn.error")
    saved = (list(error_log.handlers), error_log.propagate, error_log.level)
    settings = Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)
    sock: socket.socket
    with listening_socket() as sock:
        try:
            yield DrumGunicorn(settings, sock).cfg
        finally:
            error_log.handlers[:], error_log.propagate = saved[0], saved[1]
            error_log.setLevel(saved[2])


def test_the_logger_class_is_ours(cfg: object) -> None:
    assert cfg.logger_class is DrumGunicornLogger  # type: ignore[attr-defined]
    assert cfg.settings["accesslog"].value is None  # type: ignore[attr-defined]


def test_gunicorns_lines_go_to_the_roots_handler_at_its_level(cfg: object) -> None:
    log = DrumGunicornLogger(cfg)
    log.setup(cfg)  # a reload runs it again: still no handler of gunicorn's own
    assert log.error_log.handlers == []
    assert log.error_log.propagate is True
    assert log.error_log.level == logging.WARNING  # loglevel: --logging-level's
    assert log.access_log.handlers == []  # accesslog unset: gunicorn's access log is off
