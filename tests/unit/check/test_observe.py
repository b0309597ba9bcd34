"""check/observe.py: an Answer from whatever a server does, against a stdlib stand-in server.

The stand-in answers by the first part of the path: ``/ok`` 200 JSON, ``/refuse`` 422 JSON
with a message, ``/fail`` 500 after appending a traceback to its log, ``/silent`` 404 with no
body, ``/text`` 200 text, ``/redirect`` 302, ``/close`` closes the connection unanswered and
``/hang`` answers nothing until the test ends.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from drum_testing.check.observe import (
    COMPARED_HEADERS,
    REQUEST_ID,
    TRACEBACK,
    TRACEBACK_LINES,
    Answer,
    LogCursor,
    decode_body,
    describe,
    send,
)
from drum_testing.check.probes import CSV, Kind, Probe

PROBE = Probe("batch (1 rows)", Kind.PARITY, "/predict/", b"a,b\n1.50,2\n", CSV, 1)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, log_path: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.log_path = log_path
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.errors: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.errors.append(str(client_address))  # a client that went away: not a test failure

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def traceback_text(detail: str) -> str:
    return (
        f"{TRACEBACK}\n"
        '  File "custom.py", line 3, in score_unstructured\n'
        f"    raise ValueError({detail!r})\n"
        f"ValueError: {detail}\n"
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandIn

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(
        self, status: int, body: bytes, content_type: str | None, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, **headers: str) -> None:
        self._reply(status, json.dumps(data).encode(), "application/json", headers)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append(Seen(self.path, dict(self.headers.items()), body))
        mode = self.path.split("/")[1]
        if mode == "ok":
            request_id = self.headers.get("X-Request-ID", "")
            self._json(
                200,
                {"predictions": [1.5, 2.25]},
                **{"x-drum-version": "9.9.9", "X-Request-ID": request_id, "X-Other": "no"},
            )
        elif mode == "refuse":
            self._json(422, {"message": "ERROR: column b is missing"})
        elif mode == "fail":
            with self.server.log_path.open("a", encoding="utf-8") as log:
                log.write("INFO scoring\n" + traceback_text(body.decode()))
            self._json(500, {"message": "ERROR: ValueError: bad input"})
        elif mode == "silent":
            self._reply(404, b"", None, {})
        elif mode == "text":
            self._reply(200, "plain é".encode(), "text/plain; charset=utf-8", {})
        elif mode == "redirect":
            self._reply(302, b"", None, {"Location": "/ok/predict/"})
        elif mode == "close":
            self.close_connection = True  # no status line: the client sees the socket close
        elif mode == "hang":
            self.server.release.wait(10)
            self.close_connection = True


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[StandIn]:
    server = StandIn(tmp_path / "server.log")
    server.log_path.write_text("", encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


# --- send -------------------------------------------------------------------------------------


def test_a_json_answer(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/ok", PROBE, timeout=5)
    assert answer.status == 200
    assert answer.content_type == "application/json"
    assert answer.body == {"predictions": [1.5, 2.25]}
    # Ours only, under our spelling, whatever case the server used; not Server, Date, X-Other.
    assert answer.headers == {"X-Drum-Version": "9.9.9", "X-Request-ID": REQUEST_ID}
    assert answer.error is None
    assert answer.log == ""
    assert answer.seconds > 0
    [seen] = stand_in.seen
    assert seen.path == "/ok/predict/"
    assert seen.body == PROBE.body
    assert seen.headers["Content-Type"] == CSV
    assert seen.headers["X-Request-ID"] == REQUEST_ID


def test_a_refusal_with_a_message(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/refuse", PROBE, timeout=5)
    assert (answer.status, answer.body) == (422, {"message": "ERROR: column b is missing"})
    assert answer.message == "ERROR: column b is missing"
    assert answer.summary() == "422 ERROR: column b is missing"
    assert answer.log == ""  # only a 5xx reads the log


def test_a_5xx_keeps_the_traceback_logged_meanwhile(
    stand_in: StandIn, session: requests.Session
) -> None:
    stand_in.log_path.write_text("old line\n" + traceback_text("earlier failure"), encoding="utf-8")
    cursor = LogCursor(stand_in.log_path)
    answer = send(session, stand_in.url + "/fail", PROBE, timeout=5, log=cursor)
    assert answer.status == 500
    assert answer.message == "ERROR: ValueError: bad input"
    assert answer.log.startswith(TRACEBACK)
    assert "ValueError: a,b\n1.50,2" in answer.log
    assert "earlier failure" not in answer.log
    assert "INFO scoring" not in answer.log  # the log from the traceback on
    assert answer.to_dict()["log"] == answer.log


def test_a_5xx_without_a_cursor_has_no_log(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/fail", PROBE, timeout=5)
    assert answer.status == 500
    assert answer.log == ""
    assert "log" not in answer.to_dict()


def test_a_success_does_not_read_the_log(stand_in: StandIn, session: requests.Session) -> None:
    cursor = LogCursor(stand_in.log_path)
    stand_in.log_path.write_text(traceback_text("unrelated"), encoding="utf-8")
    answer = send(session, stand_in.url + "/ok", PROBE, timeout=5, log=cursor)
    assert answer.status == 200
    assert answer.log == ""


def test_a_4xx_without_a_body(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/silent", PROBE, timeout=5)
    assert (answer.status, answer.content_type, answer.body) == (404, "", "")
    assert answer.message is None
    assert answer.summary() == "404"


def test_a_text_answer(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/text", PROBE, timeout=5)
    assert (answer.status, answer.body) == (200, "plain é")


def test_a_redirect_is_not_followed(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/redirect", PROBE, timeout=5)
    assert answer.status == 302
    assert [seen.path for seen in stand_in.seen] == ["/redirect/predict/"]


def test_a_closed_connection_is_an_answer(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/close", PROBE, timeout=5)
    assert answer.status is None
    assert answer.error is not None
    assert answer.error.startswith("the connection failed (")
    assert answer.error.endswith("): is the server still running?")
    assert answer.summary() == f"no answer: {answer.error}"
    assert answer.comparable()["error"] == answer.error


def test_a_refused_connection_is_an_answer(session: requests.Session) -> None:
    with socket.socket() as bound:  # bound, not listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        answer = send(session, url, PROBE, timeout=5)
    assert answer.status is None
    assert answer.error is not None
    assert answer.error.startswith("the connection failed (")


def test_no_answer_within_the_timeout(stand_in: StandIn, session: requests.Session) -> None:
    answer = send(session, stand_in.url + "/hang", PROBE, timeout=0.2)
    assert answer.status is None
    assert answer.error == "no answer within the request timeout"
    assert answer.seconds >= 0.2


# --- Answer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "ERROR: bad"}, "ERROR: bad"),
        ({"error": "bad"}, "bad"),
        ({"message": "first", "error": "second"}, "first"),
        ({"message": 3, "error": "second"}, "second"),
        ({"message": None}, None),
        (["message"], None),
        ("message", None),
        (None, None),
    ],
)
def test_message(body: Any, message: str | None) -> None:
    assert Answer(400, body=body).message == message


def test_comparable_and_to_dict() -> None:
    answer = Answer(
        200, "application/json", {"X-Drum-Version": "1"}, {"p": [1]}, 0.1234567891, log="tb"
    )
    assert answer.comparable() == {
        "status": 200,
        "content_type": "application/json",
        "body": {"p": [1]},
        "headers": {"X-Drum-Version": "1"},
    }
    assert "headers" not in answer.comparable(headers=False)
    assert answer.to_dict() == {**answer.comparable(), "seconds": 0.123457, "log": "tb"}
    failed = Answer(None, error="gone")
    assert failed.comparable()["error"] == "gone"
    assert "log" not in failed.to_dict()


@pytest.mark.parametrize(
    ("answer", "summary"),
    [
        (Answer(200, body={"message": "ignored on success"}), "200"),
        (Answer(422, body={"message": "why"}), "422 why"),
        (Answer(500, body="text"), "500"),
        (Answer(None, error="the connection failed"), "no answer: the connection failed"),
    ],
)
def test_summary(answer: Answer, summary: str) -> None:
    assert answer.summary() == summary


def test_compared_headers_are_ours() -> None:
    assert "X-Request-ID" in COMPARED_HEADERS
    assert not {"Date", "Server", "Content-Length"} & set(COMPARED_HEADERS)


# --- decode_body ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "raw", "decoded"),
    [
        ("application/json", b'{"a": 1.5}', {"a": 1.5}),
        ("application/json; charset=utf-8", b"[1, 2]", [1, 2]),
        ("application/json", b"{not json", "{not json"),
        ("application/json", b"", ""),
        ("text/plain", b"1.50", "1.50"),
        ("text/csv", b'{"a": 1}', '{"a": 1}'),
        ("application/octet-stream", b"a\xffb", "a\\xffb"),
    ],
)
def test_decode_body(content_type: str, raw: bytes, decoded: Any) -> None:
    assert decode_body(content_type, raw) == decoded


# --- LogCursor --------------------------------------------------------------------------------


def test_cursor_without_a_log() -> None:
    cursor = LogCursor(None)
    cursor.mark()
    assert cursor.since() == ""
    assert cursor.traceback(wait=0) == ""


def test_cursor_on_a_missing_file(tmp_path: Path) -> None:
    cursor = LogCursor(tmp_path / "not-yet.log")
    cursor.mark()
    assert cursor.offset == 0
    assert cursor.since() == ""


def test_cursor_reads_what_was_added_since_the_mark(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("before\n", encoding="utf-8")
    cursor = LogCursor(log)
    cursor.mark()
    with log.open("a", encoding="utf-8") as file:
        file.write("after é\n")
    assert cursor.since() == "after é\n"
    cursor.mark()
    assert cursor.since() == ""


def test_traceback_is_the_last_one_and_at_most_its_first_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    cursor = LogCursor(log)
    deep = "".join(f"  frame {n}\n" for n in range(TRACEBACK_LINES + 10))
    log.write_text(
        traceback_text("first") + "noise\n" + TRACEBACK + "\n" + deep + "Error: last\n",
        encoding="utf-8",
    )
    lines = cursor.traceback(wait=0).splitlines()
    assert len(lines) == TRACEBACK_LINES
    assert lines[0] == TRACEBACK
    assert lines[1] == "  frame 0"
    assert "first" not in "\n".join(lines)


def test_without_a_traceback_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    cursor = LogCursor(log)
    log.write_text("".join(f"line {n}\n" for n in range(TRACEBACK_LINES + 5)), encoding="utf-8")
    lines = cursor.traceback(wait=0).splitlines()
    assert lines == [f"line {n}" for n in range(5, TRACEBACK_LINES + 5)]


# --- describe ---------------------------------------------------------------------------------


def test_describe_a_timeout() -> None:
    assert describe(requests.ReadTimeout("slow")) == "no answer within the request timeout"
    assert describe(requests.ConnectTimeout("slow")) == "no answer within the request timeout"


def test_describe_a_connection_error_names_its_cause() -> None:
    try:
        try:
            raise ConnectionResetError(104, "reset")
        except ConnectionResetError:
            raise requests.ConnectionError("failed") from None
    except requests.ConnectionError as exc:
        caught = exc
    # ``from None`` keeps __context__ (only suppresses its display).
    assert describe(caught) == (
        "the connection failed (ConnectionResetError): is the server still running?"
    )
    assert describe(requests.ConnectionError("x")) == (
        "the connection failed (ConnectionError): is the server still running?"
    )


def test_describe_another_failure() -> None:
    assert describe(requests.TooManyRedirects("loop")) == "TooManyRedirects: loop"
