"""The FastAPI app a model's custom_fastapi.py extends, with Starlette's TestClient."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.model.model import Model
from drum_testing.servers.asgi.fastapi import PredictionServer
from tests.helpers.models import MODELS, settings_for

CSV = b"a,b\n1,2\n3,4\n"
TOKEN = {"Authorization": "Bearer let-me-in"}


def server(folder: Path, **overrides: object) -> PredictionServer:
    settings = settings_for(folder, TargetType.REGRESSION, **overrides)
    return PredictionServer(
        settings, PredictionCore(settings, Model.load(settings), server_type="fastapi")
    )


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(server(MODELS / "extended").materialize()) as test_client:
        yield test_client
    sys.modules.pop("custom_fastapi", None)


def test_liveness_passes_and_the_rest_needs_the_token(client: TestClient) -> None:
    assert client.get("/ping/").json() == {"message": "OK"}
    refused = client.get("/info/", headers={"X-Request-ID": "abc"})
    assert (refused.status_code, refused.json()) == (
        401,
        {"message": "ERROR: no Authorization header"},
    )
    assert refused.headers["X-Drum-Version"]
    assert (refused.headers["X-Request-ID"], refused.headers["X_Request_ID"]) == ("abc", "abc")
    assert client.get("/info/", headers=TOKEN).json()["targetType"] == "regression"


def test_the_model_gets_the_body_the_extension_read(client: TestClient) -> None:
    answer = client.post("/predict/", content=CSV, headers={**TOKEN, "Content-Type": "text/csv"})
    assert answer.json() == {"predictions": [3.0, 7.0]}


def test_the_extensions_route_comes_before_the_cores(client: TestClient) -> None:
    answer = client.get("/extension/", headers=TOKEN)
    assert answer.json() == {"extended": True}
    assert answer.headers["X_Request_ID"]
    assert client.get("/nope", headers=TOKEN).status_code == 404  # still the core's


def extended_with(tmp_path: Path, code: str) -> TestClient:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "custom.py").write_text((MODELS / "extended" / "custom.py").read_text())
    (folder / "custom_fastapi.py").write_text(code)
    return TestClient(server(folder).materialize(), raise_server_exceptions=False)


RAISING = """
from starlette.exceptions import HTTPException

def init_app(app):
    @app.middleware("http")
    async def check(request, call_next):
        if request.url.path == "/info/":
            raise HTTPException(403, "not you")
        if request.url.path == "/health/":
            raise ValueError("broken check")
        return await call_next(request)
"""


def test_exceptions_of_the_extensions_middleware_are_json(tmp_path: Path) -> None:
    with extended_with(tmp_path, RAISING) as client:
        forbidden = client.get("/info/")
        assert (forbidden.status_code, forbidden.json()) == (
            403,
            {"message": "ERROR: 403 Forbidden: not you"},
        )
        broken = client.get("/health/")
        assert (broken.status_code, broken.json()) == (500, {"message": "ERROR: broken check"})
        assert broken.headers["X-Drum-Version"]
    sys.modules.pop("custom_fastapi", None)


def test_with_the_error_server_a_failing_extension_answers_513(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "custom.py").write_text((MODELS / "extended" / "custom.py").read_text())
    (folder / "custom_fastapi.py").write_text("def init_app(app):\n    raise RuntimeError('no')\n")
    with TestClient(server(folder, with_error_server=True).materialize()) as client:
        # DRUM's error server: liveness and scoring answer 513 with the error, /info/ 404
        assert client.get("/info/").status_code == 404
        answer = client.get("/ping/")
        assert answer.status_code == 513
        assert "RuntimeError('no')" in answer.json()["message"]
    with pytest.raises(RuntimeError, match="no"):
        server(folder).materialize()
    sys.modules.pop("custom_fastapi", None)


def test_without_an_extension_no_guard() -> None:
    app: FastAPI = server(MODELS / "regression").materialize()
    assert len(app.user_middleware) == 1  # the flusher's only
