"""Parity of the access log: the same requests give the same access lines on every type.

Each type serves the chat fixture with ``--access-log``; the same requests (each with its own
``X-Request-ID``), a streamed answer, a redirect, a 404 and a HEAD among them, go to each.
Once the server has stopped, its access lines (its only ones: no server's own), without
their time stamp and duration, must be the lines flask wrote. Sorted by request id: a
streamed answer is logged when its stream is closed, which may come after the next
request's line.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from drum_testing.config.settings import ServerType
from drum_testing.telemetry.access import ACCESS_LOGGER
from drum_testing.testing import DrumServerRun
from tests.contract.models import server_options
from tests.helpers.models import MODELS

SERVER_TYPES = tuple(t.value for t in ServerType)
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
CSV = {"Content-Type": "text/csv"}
REQUESTS: tuple[tuple[str, str, bytes | None, dict[str, str]], ...] = (
    ("GET", "/ping/", None, {}),
    ("GET", "/info", None, {}),  # the trailing-slash redirect
    ("HEAD", "/ping/", None, {}),
    ("GET", "/nowhere/?a=1&b=%22", None, {}),
    ("POST", "/predict/", b"a\nx\ny\n", CSV),
    ("POST", "/predict/", b"\xff\xfe", CSV),
    ("POST", "/chat/completions", json.dumps(CHAT).encode(), {}),
    ("POST", "/chat/completions", json.dumps({**CHAT, "stream": True}).encode(), {}),
    ("DELETE", "/predict/", None, {}),
)
# "2026-12-06 03:40:00,123 INFO drum_testing.access [request_id=...]: <line> 1.2ms"
_STAMP = re.compile(r"^\S+ \S+ ")
_DURATION = re.compile(r" \d+\.\dms$")


def access_lines(server_type: str) -> list[str]:
    with DrumServerRun(
        "textgeneration",
        None,
        MODELS / "chat",
        server_type=server_type,
        extra_args=["--access-log"],
        **server_options("chat"),
    ) as run:
        for number, (method, path, body, headers) in enumerate(REQUESTS):
            sent = {**headers, "X-Request-ID": f"parity-{number:02d}"}
            answer = requests.request(
                method,
                run.url_server_address + path,
                data=body,
                headers=sent,
                timeout=30,
                allow_redirects=False,
            )
            answer.close()
    log = run.process.err_stream + run.process.out_stream
    # Ours is the only access log: werkzeug's, gunicorn's and uvicorn's write none.
    mentions = [line for line in log.splitlines() if "/nowhere/" in line]
    assert len(mentions) == 1, "\n".join(mentions)
    lines = [
        _DURATION.sub(" <ms>", _STAMP.sub("", line))
        for line in run.process.err_stream.splitlines()
        # The test kit's own /ping/ while it waits for the start have no id of ours.
        if f" {ACCESS_LOGGER} " in line and "request_id=parity-" in line
    ]
    # Sorted by request id: a stream is logged when closed, maybe after the next request.
    return sorted(lines, key=lambda line: line.split("request_id=")[1])


@pytest.mark.timeout(300)
def test_every_type_writes_the_same_access_lines() -> None:
    lines = {server_type: access_lines(server_type) for server_type in SERVER_TYPES}
    reference = lines[ServerType.FLASK.value]
    assert len(reference) == len(REQUESTS), "\n".join(reference)
    assert (
        reference[0]
        == 'INFO drum_testing.access [request_id=parity-00]: 127.0.0.1 "GET /ping/" 200 16 <ms>'
    )
    for server_type, found in lines.items():
        assert found == reference, f"{server_type}:\n" + "\n".join(found)
