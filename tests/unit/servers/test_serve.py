"""serve.py: the server type DRUM defaults to, and flask where gunicorn is not installed."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from drum_testing.config.settings import DEFAULT_SOURCE, ServerType, Settings, TargetType
from drum_testing.install import install_command
from drum_testing.servers import serve
from tests.helpers.models import MODELS

DEFAULTED = Settings(
    MODELS / "regression",
    TargetType.REGRESSION,
    server_type=ServerType.GUNICORN,
    sources={"server_type": DEFAULT_SOURCE},
)


def test_the_default_stays_gunicorn_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "missing_modules", lambda server_type: [])
    assert serve.with_default_server_type(DEFAULTED) is DEFAULTED


def test_without_gunicorn_the_default_is_flask_with_one_line_saying_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = {ServerType.GUNICORN: ["gunicorn"], ServerType.FLASK: [], ServerType.FASTAPI: []}
    monkeypatch.setattr(serve, "missing_modules", missing.__getitem__)
    settings = serve.with_default_server_type(DEFAULTED)
    assert settings.server_type is ServerType.FLASK
    assert settings.notices == (
        "serving with flask: the default server type, gunicorn (DRUM's), needs gunicorn, which "
        f"is not installed ({install_command('gunicorn')})",
    )


def test_with_neither_gunicorn_nor_flask_the_default_is_fastapi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = {ServerType.GUNICORN: ["flask"], ServerType.FLASK: ["flask"], ServerType.FASTAPI: []}
    monkeypatch.setattr(serve, "missing_modules", missing.__getitem__)
    settings = serve.with_default_server_type(DEFAULTED)
    assert settings.server_type is ServerType.FASTAPI
    assert settings.notices[-1].startswith("serving with fastapi: the default server type")


def test_with_no_type_installed_gunicorn_stays_for_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serve, "missing_modules", lambda server_type: ["something"])
    assert serve.with_default_server_type(DEFAULTED) is DEFAULTED


def test_a_chosen_type_is_never_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "missing_modules", lambda server_type: ["gunicorn"])
    chosen = dataclasses.replace(DEFAULTED, sources={"server_type": "MLOPS_RUNTIME_PARAM_X"})
    assert serve.with_default_server_type(chosen) is chosen


def test_notices_and_unhonoured_options_are_logged_one_line_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = dataclasses.replace(
        DEFAULTED,
        server_type=ServerType.FLASK,
        max_workers=3,
        sources={"max_workers": "MLOPS_RUNTIME_PARAM_CUSTOM_MODEL_WORKERS"},
        notices=("a notice",),
    )
    with caplog.at_level(logging.WARNING, logger=serve.__name__):
        serve.log_notices(settings)
    assert [record.getMessage() for record in caplog.records] == [
        "a notice",
        "MLOPS_RUNTIME_PARAM_CUSTOM_MODEL_WORKERS is not honoured by the flask server type: "
        "the flask type serves from one process",
    ]
