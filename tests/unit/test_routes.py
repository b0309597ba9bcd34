"""The answers of routes.py that DRUM 1.18.1 gives in its own shape: /health/ with a
readiness probe, and OpenAI's model list."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from drum_testing.core import PredictionCore
from drum_testing.model import LLM_ID_CREATED, Model
from drum_testing.servers.flask import CoreFlask
from drum_testing.settings import TargetType
from tests.conftest import settings_for


def client_for(
    code_dir: Path, custom: str, target: TargetType = TargetType.REGRESSION
) -> FlaskClient:
    (code_dir / "custom.py").write_text(textwrap.dedent(custom), encoding="utf-8")
    settings = settings_for(code_dir, target)
    return CoreFlask(
        PredictionCore(settings, Model.load(settings), server_type="flask")
    ).test_client()


SCORE = """
import pandas as pd

def score(data, model, **kwargs):
    return pd.DataFrame({"Predictions": [0.0] * len(data)})
"""


@pytest.mark.parametrize(
    ("probe", "status", "body"),
    [
        ("return {'message': 'warming up'}, 503", 503, {"message": "warming up"}),
        ("return {'message': 'ready'}, 200", 200, {"message": "ready"}),
        ("return {'ready': True}", 200, {"ready": True}),
    ],
)
def test_health_answers_the_models_readiness_probe(
    tmp_path: Path, probe: str, status: int, body: dict[str, object]
) -> None:
    custom = (
        SCORE
        + f"""
class Loaded:
    def readiness_probe(self):
        {probe}

def load_model(code_dir):
    return Loaded()
"""
    )
    response = client_for(tmp_path, custom).get("/health/")
    assert (response.status_code, response.get_json()) == (status, body)


def test_health_is_ok_without_a_probe(tmp_path: Path) -> None:
    custom = SCORE + "\ndef load_model(code_dir):\n    return 'model'\n"
    response = client_for(tmp_path, custom).get("/health/")
    assert (response.status_code, response.get_json()) == (200, {"message": "OK"})


def test_a_probe_that_answers_nonsense_is_the_models_500(tmp_path: Path) -> None:
    custom = (
        SCORE
        + """
class Loaded:
    def readiness_probe(self):
        return "yes"

def load_model(code_dir):
    return Loaded()
"""
    )
    client = client_for(tmp_path, custom)
    response = client.get("/health/")
    assert response.status_code == 500
    assert "readiness_probe" in response.get_json()["message"]
    assert client.get("/ping/").status_code == 200


CHAT = """
def load_model(code_dir):
    return "llm"

def chat(params, model):
    return {"object": "chat.completion", "choices": []}
"""


def test_models_is_empty_without_hook_or_llm_id(tmp_path: Path) -> None:
    response = client_for(tmp_path, CHAT, TargetType.TEXT_GENERATION).get("/v1/models")
    assert response.get_json() == {"object": "list", "data": []}


def test_models_names_the_llm_id_runtime_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_RUNTIME_PARAM_LLM_ID", '{"type": "string", "payload": "my-llm"}')
    response = client_for(tmp_path, CHAT, TargetType.TEXT_GENERATION).get("/models")
    assert response.get_json()["data"] == [
        {"id": "my-llm", "object": "model", "created": LLM_ID_CREATED, "owned_by": "DataRobot"}
    ]


def test_models_lists_what_the_hook_returns(tmp_path: Path) -> None:
    custom = (
        CHAT
        + """
class Entry:
    def to_dict(self):
        return {"id": "from-object", "object": "model"}

def get_supported_llm_models(model):
    return [Entry(), {"id": model, "object": "model"}]
"""
    )
    response = client_for(tmp_path, custom, TargetType.TEXT_GENERATION).get("/models")
    assert response.get_json()["data"] == [
        {"id": "from-object", "object": "model"},
        {"id": "llm", "object": "model"},
    ]


def test_models_is_404_for_other_target_types(tmp_path: Path) -> None:
    custom = SCORE + "\ndef load_model(code_dir):\n    return 'model'\n"
    response = client_for(tmp_path, custom).get("/models")
    assert response.status_code == 404
    assert "textgeneration" in response.get_json()["message"]
