"""The log of a real server of the session's type: ``--log-format json`` and the request id.

With ``--log-format json`` every line on stderr is one JSON object, the server's own start-up
and stop lines (gunicorn's, uvicorn's) included, and a client finds its request's lines by
the ``X-Request-ID`` it sent: the model's own line, a 500's traceback, the access line.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from drum_testing.testing import DrumServerRun
from tests.helpers.models import MODELS

JSON_LOG = ["--log-format", "json", "--logging-level", "info", "--access-log"]


def predict(run: DrumServerRun, csv: str, request_id: str) -> int:
    answer = requests.post(
        run.url_server_address + "/predict/",
        data=csv,
        headers={"Content-Type": "text/csv", "X-Request-ID": request_id},
        timeout=30,
    )
    return answer.status_code


def lines_of(records: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [record for record in records if record["request_id"] == request_id]


@pytest.mark.parametrize("workers", [1, 2])
def test_json_logs_are_json_lines_only_and_carry_the_request_id(workers: int) -> None:
    with DrumServerRun(
        "regression", None, MODELS / "logging_model", max_workers=workers, extra_args=JSON_LOG
    ) as run:
        assert predict(run, "a\n1\n", "json-ok") == 200
        assert predict(run, "a\nraise\n", "json-500") == 500
    stderr = run.process.err_stream
    records = []
    for line in stderr.splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a line of stderr is not JSON: {line!r}\n{stderr}")
    assert all({"time", "level", "logger", "message", "trace_id"} <= set(r) for r in records)
    loggers = {record["logger"] for record in records}
    assert "drum_testing.access" in loggers
    own = {"gunicorn": "gunicorn.error", "fastapi": "uvicorn.error"}.get(run.server_type)
    if own is not None:  # the server's own start-up and stop lines, in the same format
        assert own in loggers, stderr

    ok = lines_of(records, "json-ok")
    assert [r["logger"] for r in ok] == ["logging_model", "drum_testing.access"], ok
    assert ok[1]["http"]["status"] == 200

    failed = lines_of(records, "json-500")
    traceback = [r for r in failed if "exception" in r]
    assert len(traceback) == 1, failed
    assert "RuntimeError: asked to fail" in traceback[0]["exception"]
    assert failed[-1]["http"]["status"] == 500
