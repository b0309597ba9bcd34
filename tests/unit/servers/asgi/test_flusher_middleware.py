"""The FastAPI flusher middleware and the app's lifespan, with Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.asgi.fastapi import FastAPIWorkerCtx, PredictionServer
from drum_testing.servers.flusher import StdoutFlusher, StdoutFlusherMiddleware
from tests.helpers.models import MODELS


class RecordingFlusher(StdoutFlusher):
    """Records activity marks in one shared event list, beside what the app records."""

    def __init__(self, events: list[str]) -> None:
        super().__init__(60.0)
        self.events = events

    def mark_activity(self) -> None:
        super().mark_activity()
        self.events.append("mark")


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def client(events: list[str]) -> Iterator[TestClient]:
    async def ok(request: Request) -> JSONResponse:
        events.append("ok")
        return JSONResponse({"message": "OK"})

    async def boom(request: Request) -> JSONResponse:
        events.append("boom")
        raise RuntimeError("the route raised")

    async def stream(request: Request) -> StreamingResponse:
        def chunks() -> Iterator[bytes]:
            for n in range(3):
                events.append(f"chunk{n}")
                yield b"x"

        return StreamingResponse(chunks())

    app = Starlette(
        routes=[Route("/ok", ok), Route("/boom", boom), Route("/stream", stream)],
        middleware=[Middleware(StdoutFlusherMiddleware, flusher=RecordingFlusher(events))],
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_activity_is_marked_after_a_successful_response(
    client: TestClient, events: list[str]
) -> None:
    assert client.get("/ok").status_code == 200
    assert events == ["ok", "mark"]


def test_activity_is_marked_after_the_route_raises(client: TestClient, events: list[str]) -> None:
    assert client.get("/boom").status_code == 500
    assert events == ["boom", "mark"]


def test_activity_is_marked_after_a_streamed_response_finishes(
    client: TestClient, events: list[str]
) -> None:
    assert client.get("/stream").content == b"xxx"
    assert events == ["chunk0", "chunk1", "chunk2", "mark"]


def test_lifespan_events_are_not_requests(client: TestClient, events: list[str]) -> None:
    assert events == []  # entering the client ran the lifespan startup


def test_the_app_lifespan_owns_a_worker_ctx_that_starts_the_flusher_once() -> None:
    settings = Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)
    server = PredictionServer(settings)
    app = server.materialize()
    flusher = server.flusher
    assert flusher.thread.ident is None  # built, not started: the lifespan starts it
    with TestClient(app) as client:
        ctx = server.worker_ctx
        assert isinstance(ctx, FastAPIWorkerCtx)
        assert ctx.running()
        assert flusher.thread.is_alive()
        assert flusher.start() is False  # already started, by the context
        assert client.get("/ping/").json() == {"message": "OK"}
        assert flusher.last_activity is not None
        flushes_before_stop = flusher.flush_count
    assert not ctx.running()
    assert not flusher.thread.is_alive()
    assert flusher.flush_count == flushes_before_stop + 1  # the final flush
    assert ctx.failures == []


def test_the_fastapi_app_serves_the_core_with_its_errors() -> None:
    settings = Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)
    with TestClient(PredictionServer(settings).materialize()) as client:
        predicted = client.post(
            "/predict/", content=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}
        )
        assert predicted.json() == {"predictions": [3.0]}
        wrong = client.get("/predict/")
        assert wrong.status_code == 405
        assert wrong.json()["message"].startswith("ERROR: GET is not allowed")
        assert client.get("/docs").status_code == 404  # FastAPI's own pages are off
