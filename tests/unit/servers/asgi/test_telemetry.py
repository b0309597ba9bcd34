"""The fastapi type's spans are the core's and no others (FastAPI's own OpenTelemetry is
off), and a worker's exporters start with its app and stop with its lifespan."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.asgi.fastapi import PredictionServer
from drum_testing.telemetry import setup
from tests.helpers.models import MODELS

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def settings() -> Settings:
    return Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)


def test_only_the_cores_spans_are_made(spans: InMemorySpanExporter) -> None:
    with TestClient(PredictionServer(settings()).materialize()) as client:
        assert client.get("/ping/").status_code == 200
        headers = {"Content-Type": "text/csv", "traceparent": TRACEPARENT}
        assert client.post("/predict/", content=b"a,b\n1,2\n", headers=headers).status_code == 200
    (span,) = spans.get_finished_spans()
    assert span.name == "drum.invocations"
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"


class FakeTelemetry:
    def __init__(self) -> None:
        self.stops = 0

    def stop(self) -> None:
        self.stops += 1


def test_a_workers_exporters_start_with_its_app_and_stop_with_its_lifespan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    telemetry = FakeTelemetry()
    monkeypatch.setattr(setup, "start", lambda: telemetry)
    server = PredictionServer(settings())
    app = server.materialize()
    assert vars(server)["telemetry"] is telemetry  # started for this worker
    with TestClient(app) as client:
        assert client.get("/ping/").status_code == 200
        assert telemetry.stops == 0
    assert telemetry.stops == 1
