"""The Flask server type's app, :class:`CoreFlask`, through Flask's test client.

The core's routes, error rules and headers are tested without a framework in tests/unit/app;
these are what the WSGI adapter adds around it: the body read within ``max_body_bytes``, the
path and Host header werkzeug hands over, a streamed answer closed by the server, and no
answer from Flask's own machinery.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.http.body import READ_CHUNK
from drum_testing.model.model import Model
from drum_testing.servers.wsgi.flask import CappedReads, CoreFlask
from drum_testing.version import DRUM_VERSION, VERSION
from tests.helpers.core_client import assert_error
from tests.helpers.models import MODELS, settings_for

CSV = "a,b\n1,2\n3,4\n"
ClientFactory = Callable[..., FlaskClient]


@pytest.fixture
def make_client() -> ClientFactory:
    def make(
        model: str = "regression", target: str = "regression", **overrides: Any
    ) -> FlaskClient:
        settings = settings_for(MODELS / model, TargetType(target), **overrides)
        core = PredictionCore(settings, Model.load(settings), server_type="flask")
        return CoreFlask(core).test_client()

    return make


@pytest.fixture
def client(make_client: ClientFactory) -> FlaskClient:
    return make_client()


def test_it_is_a_flask_app_whose_routes_never_answer(client: FlaskClient) -> None:
    assert isinstance(client.application, flask.Flask)
    # Flask registers /static/<filename>; the core, which answers everything, has no such path.
    response = client.get("/static/x")
    assert_error(response, 404, "/static/x")
    assert response.headers["X-Drum-Version"] == DRUM_VERSION
    assert response.headers["X-Drum-Testing-Version"] == VERSION


def test_body_over_the_limit_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=16)
    assert_error(client.post("/predict/", data=CSV * 4, content_type="text/csv"), 413, "16 bytes")
    assert client.post("/predict/", data="a\n1\n", content_type="text/csv").status_code == 200


def test_a_redirect_is_absolute_with_the_host_the_server_was_asked_for(
    client: FlaskClient,
) -> None:
    # The rule is the core's (tests/unit/app/test_core.py); the Host header is the server's
    # to hand over (werkzeug's test client sends localhost).
    response = client.get("/info?x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/info/?x=1"


def test_a_utf8_path_reaches_the_core_decoded(client: FlaskClient) -> None:
    # WSGI hands the path over as latin-1; the adapter reads the client's UTF-8 back.
    assert_error(client.get("/nöpe"), 404, "no route GET /nöpe")


def test_the_server_closes_a_stream_that_failed(make_client: ClientFactory, tmp_path: Path) -> None:
    # What the stream says is the core's (tests/unit/app/test_core.py); closing it once the
    # answer is sent, which stops the model's generator, is the WSGI server's.
    client = make_client("chat", "textgeneration")
    closed = tmp_path / "closed"
    request = {
        "messages": [{"role": "user", "content": "abc"}],
        "stream": True,
        "fail_after": 1,
        "closed_file": str(closed),
    }
    body = client.post("/chat/completions", json=request).get_data(True)
    assert body.endswith("data: [DONE]\n\n")
    assert closed.read_text() == "1"


def test_reads_of_the_connection_ask_for_a_mebibyte_at_most() -> None:
    # werkzeug drains a refused body in reads of 10 MB, each its own 10 MB buffer.
    data = b"x" * (3 * READ_CHUNK) + b"\nrest\n"
    reader = CappedReads(io.BufferedReader(io.BytesIO(data)))
    assert len(reader.read(10_000_000)) == READ_CHUNK
    assert len(reader.read(10)) == 10
    assert reader.readline().endswith(b"\n")  # the rest is the reader's own
    assert reader.read(-1) == b"rest\n"
