"""The WSGI adapter, :class:`CoreWSGI`, called with a WSGI environ: how it reads a body.

It reads one only for a route that takes it (the core's ``wants_body``), as much as the
Content-Length says, to the end of a chunked one (``wsgi.input_terminated``), and nothing
when there is neither.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.model.model import Model
from drum_testing.servers.wsgi.adapter import CoreWSGI
from tests.helpers.models import MODELS, settings_for

CSV = b"a,b\n1,2\n3,4\n"


class RecordingInput(io.BytesIO):
    """``wsgi.input``: a body that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


@pytest.fixture(scope="module")
def app() -> CoreWSGI:
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    return CoreWSGI(PredictionCore(settings, Model.load(settings), server_type="flask"))


def call(app: CoreWSGI, method: str, path: str, body: RecordingInput, **environ: Any) -> Any:
    """``(status line, JSON body)`` of one request."""
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "text/csv",
        "wsgi.input": body,
        **environ,
    }
    chunks = app(environ, start_response)
    return started[0], json.loads(b"".join(chunks))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/ping/", "200 OK"), ("POST", "/ping/", "405"), ("POST", "/nope", "404")],
)
def test_a_body_is_not_read_where_the_route_takes_none(
    app: CoreWSGI, method: str, path: str, status: str
) -> None:
    body = RecordingInput(CSV)
    started, _ = call(app, method, path, body, CONTENT_LENGTH=str(len(CSV)))
    assert started.startswith(status)
    assert body.taken == 0


def test_a_body_is_read_to_its_content_length(app: CoreWSGI) -> None:
    body = RecordingInput(CSV + b"5,6\n")  # more than declared: never read
    started, answer = call(app, "POST", "/predict/", body, CONTENT_LENGTH=str(len(CSV)))
    assert (started, answer) == ("200 OK", {"predictions": [3.0, 7.0]})
    assert body.taken == len(CSV)


def test_a_chunked_body_is_read_to_its_end(app: CoreWSGI) -> None:
    body = RecordingInput(CSV)
    started, answer = call(app, "POST", "/predict/", body, **{"wsgi.input_terminated": True})
    assert (started, answer) == ("200 OK", {"predictions": [3.0, 7.0]})
    assert body.taken == len(CSV)


def test_without_a_length_or_chunks_there_is_no_body(app: CoreWSGI) -> None:
    body = RecordingInput(CSV)
    started, answer = call(app, "POST", "/predict/", body)
    assert started.startswith("422")
    assert "no data" in answer["detail"]
    assert body.taken == 0
