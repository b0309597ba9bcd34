"""Every log line made while the core answers a request carries its request id: the core's,
the model's own logger's, a 500's traceback, and a streamed answer's, made after handle()."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.http.messages import Headers, Request
from drum_testing.model.model import Model
from tests.helpers.core_client import CoreClient
from tests.helpers.log_records import collected_records, request_ids
from tests.helpers.models import MODELS, settings_for

LOGGING_MODEL = MODELS / "logging_model"


def client_for(code_dir: Path, target: TargetType = TargetType.REGRESSION) -> CoreClient:
    settings = settings_for(code_dir, target)
    return CoreClient(PredictionCore(settings, Model.load(settings), server_type="flask"))


def test_the_models_own_lines_carry_the_clients_request_id() -> None:
    client = client_for(LOGGING_MODEL)
    with collected_records() as records:
        answer = client.post(
            "/predict/", data="a\n1\n", content_type="text/csv", headers={"X-Request-ID": "mine"}
        )
    assert answer.status_code == 200
    assert request_ids(records, "logging_model") == ["mine"]


def test_a_500s_traceback_carries_the_request_id_the_client_got() -> None:
    client = client_for(LOGGING_MODEL)
    with collected_records() as records:
        answer = client.post("/predict/", data="a\nraise\n", content_type="text/csv")
    assert answer.status_code == 500
    sent = answer.headers["X-Request-ID"]
    failed = [r for r in records if r.exc_info is not None]
    assert len(failed) == 1
    assert failed[0].request_id == sent  # type: ignore[attr-defined]
    assert "asked to fail" in logging.Formatter().formatException(failed[0].exc_info)  # type: ignore[arg-type]
    assert request_ids(records, "logging_model") == [sent]


def test_a_new_request_id_is_the_one_answered() -> None:
    client = client_for(LOGGING_MODEL)
    with collected_records() as records:
        first = client.post("/predict/", data="a\n1\n", content_type="text/csv")
        second = client.post("/predict/", data="a\n1\n", content_type="text/csv")
    ids = request_ids(records, "logging_model")
    assert ids == [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert ids[0] != ids[1]


def test_a_4xx_warning_carries_the_request_id() -> None:
    client = client_for(LOGGING_MODEL)
    with collected_records() as records:
        client.post("/predict/", data=b"\xff\xfe", content_type="text/csv")
    core_lines = [r for r in records if r.name == "drum_testing.app.core"]
    assert core_lines, [r.getMessage() for r in records]
    assert {r.request_id for r in core_lines} != {""}  # type: ignore[attr-defined]


def test_a_streamed_answers_lines_carry_the_request_id(tmp_path: Path) -> None:
    code_dir = tmp_path / "streaming"
    code_dir.mkdir()
    (code_dir / "custom.py").write_text(
        (MODELS / "chat" / "custom.py").read_text()
        + "\n\nimport logging as _logging\n_inner = _stream\n\n"
        "def _stream(text, params):\n"
        "    for chunk in _inner(text, params):\n"
        "        _logging.getLogger('streaming').info('chunk')\n"
        "        yield chunk\n"
    )
    client = client_for(code_dir, TargetType.TEXT_GENERATION)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "abc"}]}
    request = Request(
        "POST",
        "/chat/completions",
        headers=Headers([("Content-Type", "application/json"), ("X-Request-ID", "s-1")]),
        body=json.dumps(body).encode(),
    )
    with collected_records() as records:
        response = client.core.handle(request)
        # The server reads the stream after handle() returned, outside its scope.
        list(response.body)
    assert request_ids(records, "streaming") == ["s-1"] * 3
