"""The WSGI adapter, :class:`CoreWSGI`, called with a WSGI environ: how it reads a body.

It reads one only for a route that takes it (the core's ``wants_body``), as much as the
Content-Length says, to the end of a chunked one (``wsgi.input_terminated``), and nothing
when there is neither; within the core's body budget, given back once the answer is done
with the body (a stream: when the server closes it).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
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


# --- the body budget: taken while a body is held, given back however the request ends --------


def budgeted_app(model: str = "regression", target: str = "regression") -> CoreWSGI:
    settings = settings_for(
        MODELS / model, TargetType(target), max_body_bytes=1024, body_budget_bytes=1024
    )
    return CoreWSGI(PredictionCore(settings, Model.load(settings), server_type="flask"))


def start(
    app: CoreWSGI, path: str, body: bytes, length: int | None = None, **environ: Any
) -> tuple[list[tuple[str, list[tuple[str, str]]]], Any, RecordingInput]:
    """The answer's status and headers, its iterable (not consumed), and the input."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))

    stream = RecordingInput(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "text/csv",
        "CONTENT_LENGTH": str(len(body) if length is None else length),
        "wsgi.input": stream,
        **environ,
    }
    return started, app(environ, start_response), stream


@pytest.mark.parametrize(
    ("body", "length", "status"),
    [
        (CSV, None, "200"),  # scored
        (b"fail\n1\n", None, "500"),  # the model raised
        (b"a,b\n\xff\xfe\n", None, "422"),  # does not decode
        (CSV, 100, "400"),  # shorter than its Content-Length
        (CSV * 200, None, "413"),  # over max_body_bytes
    ],
)
def test_the_budget_is_given_back_after_an_answer(
    body: bytes, length: int | None, status: str
) -> None:
    app = budgeted_app()
    started, answer, _ = start(app, "/predict/", body, length)
    b"".join(answer)
    assert started[0][0].startswith(status)
    assert app.core.body_budget.held == 0


def test_a_body_over_what_is_free_is_503_with_retry_after_and_never_read() -> None:
    app = budgeted_app()
    budget = app.core.body_budget
    assert budget.take(1020)  # other bodies, being read: 4 bytes free
    started, answer, stream = start(app, "/predict/", CSV)
    status, headers = started[0]
    assert status == "503 Service Unavailable"
    assert dict(headers)["Retry-After"] == "1"
    assert "retry after 1 s" in json.loads(b"".join(answer))["message"]
    assert stream.taken == 0
    assert budget.held == 1020  # only what the others hold
    budget.give(1020)
    # Room again: the same request is answered.
    started, answer, _ = start(app, "/predict/", CSV)
    assert started[0][0] == "200 OK"


def chat_request(tmp_path: Path, **params: Any) -> tuple[bytes, Path]:
    closed = tmp_path / "closed"
    messages = [{"role": "user", "content": "abcdef"}]
    body = {"messages": messages, "stream": True, "closed_file": str(closed), **params}
    return json.dumps(body).encode(), closed


def test_a_streamed_answer_holds_its_body_until_the_server_closes_it(tmp_path: Path) -> None:
    app = budgeted_app("chat", "textgeneration")
    body, _ = chat_request(tmp_path)
    started, answer, _ = start(app, "/chat/completions", body, CONTENT_TYPE="application/json")
    assert started[0][0] == "200 OK"
    chunks = list(answer)
    assert chunks[-1].endswith(b"data: [DONE]\n\n")
    assert app.core.body_budget.held == len(body)  # iterated, not closed yet
    answer.close()  # what the server does once the answer is sent
    assert app.core.body_budget.held == 0


def test_a_client_that_leaves_mid_stream_gives_the_body_back(tmp_path: Path) -> None:
    app = budgeted_app("chat", "textgeneration")
    body, closed = chat_request(tmp_path)
    _, answer, _ = start(app, "/chat/completions", body, CONTENT_TYPE="application/json")
    next(iter(answer))
    answer.close()  # the server's close when the client has gone
    assert int(closed.read_text()) < 6  # the model's generator stopped early
    assert app.core.body_budget.held == 0


def test_a_stream_that_fails_gives_the_body_back(tmp_path: Path) -> None:
    app = budgeted_app("chat", "textgeneration")
    body, _ = chat_request(tmp_path, fail_after=1)
    _, answer, _ = start(app, "/chat/completions", body, CONTENT_TYPE="application/json")
    b"".join(answer)
    answer.close()
    assert app.core.body_budget.held == 0
