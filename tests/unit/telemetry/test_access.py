"""The access line, and the core writing it once for each answer (with --access-log)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.http.messages import Headers, Request
from drum_testing.model.model import Model
from drum_testing.telemetry.access import ACCESS_LOGGER, access_line
from drum_testing.telemetry.logs import JsonFormatter
from tests.helpers.core_client import CoreClient
from tests.helpers.log_records import collected_records
from tests.helpers.models import MODELS, settings_for

CHAT = {"model": "m", "messages": [{"role": "user", "content": "abc"}]}


def test_the_line_has_client_request_status_bytes_and_duration() -> None:
    request = Request("POST", "/predict/", "a=1&b=2", client="10.0.0.7")
    assert (
        access_line(request, 200, 37, 0.01234) == '10.0.0.7 "POST /predict/?a=1&b=2" 200 37 12.3ms'
    )


def test_without_a_client_address_it_is_a_dash() -> None:
    assert access_line(Request("GET", "/ping/"), 200, 16, 0.0).startswith('- "GET /ping/" 200')


def test_quotes_and_control_characters_are_escaped_so_a_request_is_one_line() -> None:
    line = access_line(Request("GET", '/a"b\nc\\d'), 404, 0, 0.0)
    assert line.startswith('- "GET /a\\"b\\x0ac\\\\d" 404'), line
    assert "\n" not in line


def core(model: str = "regression", target: str = "regression", **overrides: Any) -> CoreClient:
    settings = settings_for(MODELS / model, TargetType(target), **overrides)
    return CoreClient(PredictionCore(settings, Model.load(settings), server_type="flask"))


def access_records(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.name == ACCESS_LOGGER]


def test_off_by_default_as_in_drum() -> None:
    client = core()
    with collected_records() as records:
        client.get("/ping/")
    assert access_records(records) == []


def test_one_line_for_each_answer_with_its_request_id() -> None:
    client = core(access_log=True)
    with collected_records(logging.WARNING) as records:  # whatever --logging-level says
        client.get("/ping/", headers={"X-Request-ID": "req-1"})
        client.post("/predict/?x=1", data="a,b\n1,2\n", content_type="text/csv")
        client.get("/nowhere/")
        client.head("/ping/")
    lines = access_records(records)
    messages = [re.sub(r" [\d.]+ms$", " Nms", r.getMessage()) for r in lines]
    assert messages[0] == '- "GET /ping/" 200 16 Nms'
    assert re.fullmatch(r'- "POST /predict/\?x=1" 200 \d+ Nms', messages[1]), messages
    assert messages[2].startswith('- "GET /nowhere/" 404 ')
    assert messages[3] == '- "HEAD /ping/" 200 0 Nms'  # HEAD sends no body
    assert lines[0].request_id == "req-1"  # type: ignore[attr-defined]
    assert all(len(r.request_id) == 32 for r in lines[1:])  # type: ignore[attr-defined]
    assert all(r.levelno == logging.INFO for r in lines)


def test_a_json_access_line_has_the_fields() -> None:
    client = core(access_log=True)
    with collected_records() as records:
        client.get("/ping/", headers={"X-Request-ID": "req-2"})
    parsed = json.loads(JsonFormatter().format(access_records(records)[0]))
    assert parsed["request_id"] == "req-2"
    http = parsed["http"]
    assert {k: http[k] for k in ("method", "target", "status", "bytes")} == {
        "method": "GET",
        "target": "/ping/",
        "status": 200,
        "bytes": 16,
    }
    assert http["duration_ms"] >= 0


def test_a_streamed_answer_is_logged_when_its_stream_ends() -> None:
    client = core("chat", "textgeneration", access_log=True, target_name="Predictions")
    request = Request(
        "POST",
        "/chat/completions",
        headers=Headers([("Content-Type", "application/json"), ("X-Request-ID", "req-3")]),
        body=json.dumps({**CHAT, "stream": True}).encode(),
        client="127.0.0.1",
    )
    with collected_records() as records:
        response = client.core.handle(request)
        assert access_records(records) == []  # nothing sent yet
        body = b"".join(response.body)  # type: ignore[arg-type]
        response.body.close()  # type: ignore[union-attr]
    lines = access_records(records)
    assert len(lines) == 1
    assert lines[0].getMessage().startswith(f'127.0.0.1 "POST /chat/completions" 200 {len(body)} ')
    assert lines[0].request_id == "req-3"  # type: ignore[attr-defined]


@pytest.mark.parametrize("client_address", ["127.0.0.1", None])
def test_the_client_address_is_the_requests(client_address: str | None) -> None:
    client = core(access_log=True)
    with collected_records() as records:
        client.core.handle(Request("GET", "/ping/", client=client_address))
    assert access_records(records)[0].getMessage().startswith(f'{client_address or "-"} "GET')
