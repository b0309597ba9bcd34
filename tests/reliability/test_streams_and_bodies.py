"""Streams whose client leaves; bodies that are short, unwanted or refused."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import requests

from tests.helpers.clients import connect, raw_request
from tests.helpers.servers import Start
from tests.helpers.waiting import wait_for


def test_a_client_that_leaves_a_stream_stops_the_models_generator(
    start: Start, tmp_path: Path
) -> None:
    run = start("chat", target_name="answer")
    closed = tmp_path / f"closed-{uuid.uuid4().hex}"
    question = {
        "messages": [{"role": "user", "content": "abcdefghij"}],
        "stream": True,
        "repeat": 1000,  # 10,000 chunks of 20 ms: 200 s if nobody stops it
        "chunk_seconds": 0.02,
        "closed_file": str(closed),
    }
    body = json.dumps(question).encode()
    head = (
        b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    with connect(run) as sock:
        sock.sendall(head + body)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    wait_for(closed.exists, 15, "the model's generator to be closed")
    assert int(closed.read_text()) < 5000  # stopped early, not run to its end
    assert requests.get(run.url_server_address + "/ping/", timeout=5).status_code == 200


def test_a_body_shorter_than_its_content_length_is_400_and_not_scored(start: Start) -> None:
    run = start()
    head = (
        b"POST /predict/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
        b"Content-Length: 1000\r\nConnection: close\r\n\r\n"
    )
    answer = raw_request(run, head, b"a\n1\n2\n", shut_write=True)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"ended before its Content-Length of 1000 bytes" in answer
    assert "regression fixture scored" not in run.log_text()


def test_ping_with_a_large_declared_body_answers_without_reading_it(start: Start) -> None:
    run = start()
    head = (
        b"GET /ping/ HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\nConnection: close\r\n\r\n"
    )
    with connect(run, timeout=10) as sock:
        sock.sendall(head)  # and not one byte of the 100 MiB
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]


def test_an_unknown_route_with_a_body_answers_404_without_reading_it(start: Start) -> None:
    run = start()
    head = b"POST /nowhere/ HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"
    with connect(run, timeout=10) as sock:
        sock.sendall(head)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 404"), answer[:300]
