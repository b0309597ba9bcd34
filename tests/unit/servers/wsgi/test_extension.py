"""The Flask app a model's custom_flask.py extends, through Flask's test client."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.model.model import Model
from drum_testing.servers.wsgi.extension import ExtendedFlask, ReplayableInput, extended_app
from drum_testing.servers.wsgi.flask import CoreFlask, build_app
from tests.helpers.models import MODELS, settings_for

EXTENDED = MODELS / "extended"
CSV = b"a,b\n1,2\n3,4\n"
TOKEN = {"Authorization": "Bearer let-me-in"}


def core_for(folder: str = "extended", **overrides: object) -> PredictionCore:
    settings = settings_for(MODELS / folder, TargetType.REGRESSION, **overrides)
    return PredictionCore(settings, Model.load(settings), server_type="flask")


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    app = build_app(core_for())
    assert isinstance(app, ExtendedFlask)
    yield app.test_client()
    sys.modules.pop("custom_flask", None)


def test_without_an_extension_the_core_is_the_app() -> None:
    assert type(build_app(core_for("regression"))) is CoreFlask


def test_liveness_passes_and_the_rest_needs_the_token(client: FlaskClient) -> None:
    assert client.get("/ping/").json == {"message": "OK"}
    refused = client.get("/info/")
    assert (refused.status_code, refused.json) == (
        401,
        {"message": "ERROR: no Authorization header"},
    )
    # DRUM's after_request headers, on the extension's own answer too.
    assert refused.headers["X-Drum-Version"]
    assert refused.headers["X_Request_ID"] == refused.headers["X-Request-ID"]
    info = client.get("/info/", headers=TOKEN).json
    assert info is not None
    assert info["targetType"] == "regression"


def test_the_model_gets_the_body_the_extension_read(client: FlaskClient) -> None:
    answer = client.post("/predict/", data=CSV, headers={**TOKEN, "Content-Type": "text/csv"})
    assert answer.json == {"predictions": [3.0, 7.0]}


def test_the_extensions_route_answers_with_our_headers(client: FlaskClient) -> None:
    answer = client.get("/extension/", headers={**TOKEN, "X-Request-ID": "abc"})
    assert answer.json == {"extended": True}
    assert (answer.headers["X-Request-ID"], answer.headers["X_Request_ID"]) == ("abc", "abc")


def test_what_flask_would_answer_the_core_answers(client: FlaskClient) -> None:
    assert client.get("/nope", headers=TOKEN).json == {"message": "ERROR: no route GET /nope"}
    wrong = client.post("/info/", headers=TOKEN)
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "GET, HEAD, OPTIONS")
    redirect = client.get("/info", headers=TOKEN)
    assert redirect.status_code == 308
    assert redirect.json == {"message": "Permanent Redirect: /info/"}
    assert client.options("/info/", headers=TOKEN).headers["Allow"] == "GET, HEAD, OPTIONS"


def test_drums_endpoint_names() -> None:
    app = ExtendedFlask(core_for("regression"))
    endpoints = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints["/"] == endpoints["/ping/"] == "model_api.ping"
    assert endpoints["/predict/"] == endpoints["/invocations"] == "model_api.predict"
    assert endpoints["/predictUnstructured/"] == "model_api.predict_unstructured"
    assert endpoints["/v1/models"] == "model_api.get_supported_llm_models"
    assert endpoints["/info/"] == "model_api.info"


def test_url_prefix_is_kept() -> None:
    app = ExtendedFlask(core_for("regression", url_prefix="/api"))
    assert app.test_client().get("/api/ping/").json == {"message": "OK"}


def raising_app(exc: Exception) -> FlaskClient:
    app = ExtendedFlask(core_for("regression"))

    @app.before_request
    def fail() -> None:
        raise exc

    return app.test_client()


def test_an_exception_in_the_extension_is_a_json_500() -> None:
    answer = raising_app(ValueError("broken check")).get("/info/")
    assert (answer.status_code, answer.json) == (500, {"message": "ERROR: broken check"})
    assert answer.headers["X-Drum-Version"]


def test_an_http_exception_keeps_its_status() -> None:
    from werkzeug.exceptions import Forbidden

    answer = raising_app(Forbidden("not you")).get("/info/")
    assert (answer.status_code, answer.json) == (403, {"message": "ERROR: 403 Forbidden: not you"})


def test_a_failing_extension_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "custom_flask.py"
    path.write_text("def init_app(app):\n    1 / 0\n")
    core = core_for("regression")
    with pytest.raises(ZeroDivisionError):
        extended_app(core, None, path)
    sys.modules.pop("custom_flask", None)


def test_with_the_error_server_a_failing_extension_answers_513(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drum_testing.servers.wsgi import flask as flask_module

    def broken(*args: object) -> flask.Flask:
        raise RuntimeError("extension broke")

    monkeypatch.setattr(flask_module, "extended_app", broken)
    app = flask_module.build_app(core_for(with_error_server=True))
    assert type(app) is CoreFlask
    client = app.test_client()
    # DRUM's error server: liveness and scoring answer 513 with the error, /info/ 404
    assert client.get("/info/").status_code == 404
    answer = client.get("/ping/")
    assert answer.status_code == 513
    assert "extension broke" in answer.get_data(as_text=True)
    with pytest.raises(RuntimeError, match="extension broke"):
        flask_module.build_app(core_for())


@pytest.mark.parametrize("size", [None, -1, 3, 100])
def test_replayable_input_gives_again_what_was_read(size: int | None) -> None:
    stream = ReplayableInput(io.BytesIO(b"abcdef\nghij"))
    assert stream.read(4) == b"abcd"
    stream.rewind()
    if size is None or size < 0:
        assert stream.read(size) == b"abcdef\nghij"
    else:
        assert stream.read(size) == b"abcdef\nghij"[:size]


def test_replayable_input_reads_lines_across_the_replay() -> None:
    stream = ReplayableInput(io.BytesIO(b"abcdef\nghij"))
    assert stream.readline(2) == b"ab"
    stream.rewind()
    assert stream.readline() == b"abcdef\n"
    assert stream.readline() == b"ghij"
