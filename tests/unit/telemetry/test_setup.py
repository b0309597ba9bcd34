"""When OpenTelemetry starts (the endpoint, OTEL_SDK_DISABLED as variable and as runtime
parameter), that nothing of it is imported otherwise, the warning without the extra, and a
process's spans exported over OTLP/HTTP by its stop (to a loopback receiver)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from drum_testing.telemetry import setup, tracing
from tests.helpers.models import MODELS

ENDPOINT = "http://127.0.0.1:9"
ON = {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}
TRUE_PARAM = json.dumps({"type": "boolean", "payload": True})
FALSE_PARAM = json.dumps({"type": "boolean", "payload": False})


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),
        (ON, True),
        ({**ON, "OTEL_SDK_DISABLED": "true"}, False),
        ({**ON, "OTEL_SDK_DISABLED": "TRUE"}, False),
        ({**ON, "OTEL_SDK_DISABLED": "false"}, True),
        ({**ON, "MLOPS_RUNTIME_PARAM_OTEL_SDK_DISABLED": TRUE_PARAM}, False),
        ({**ON, "MLOPS_RUNTIME_PARAM_OTEL_SDK_DISABLED": FALSE_PARAM}, True),
    ],
)
def test_telemetry_is_wanted_with_an_endpoint_unless_disabled(
    environ: dict[str, str], wanted: bool
) -> None:
    assert setup.wanted(environ) is wanted


def test_an_unreadable_disabling_parameter_keeps_it_off_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {**ON, "MLOPS_RUNTIME_PARAM_OTEL_SDK_DISABLED": "yes"}
    with caplog.at_level(logging.WARNING):
        assert setup.wanted(environ) is False
    (record,) = caplog.records
    assert "OTEL_SDK_DISABLED" in record.getMessage()
    assert "stays off" in record.getMessage()


def test_without_the_endpoint_nothing_starts(caplog: pytest.LogCaptureFixture) -> None:
    assert setup.start({}) is None
    assert not tracing.active()


def test_without_the_extra_one_warning_names_it_and_serving_goes_on(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the exporter were not installed: importing it raises ImportError.
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.http", None)
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.http._log_exporter", None)
    with caplog.at_level(logging.WARNING):
        assert setup.check(ON) is False
        assert setup.start(ON) is None  # in each worker: no second word
    assert not tracing.active()
    (record,) = caplog.records
    assert "OTEL_EXPORTER_OTLP_ENDPOINT is set" in record.getMessage()
    assert "pip install '.[otel]'" in record.getMessage()


def test_check_says_nothing_when_installed_or_not_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert setup.check({}) is True
        assert setup.check(ON) is True
    assert caplog.records == []


def test_opentelemetrys_own_records_are_not_exported() -> None:
    keep = setup._NotOwnRecords()
    assert keep.filter(logging.makeLogRecord({"name": "drum_testing.app.core"}))
    assert not keep.filter(logging.makeLogRecord({"name": "opentelemetry.exporter.otlp"}))


# In a fresh interpreter: serve one traced route through the core, report what was imported.
UNTRACED_SCRIPT = """
import json, sys
from pathlib import Path
from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import Settings, TargetType
from drum_testing.http.messages import Request
from drum_testing.model.model import Model
from drum_testing.telemetry import setup

assert setup.start() is None
settings = Settings(code_dir=Path(sys.argv[1]), target_type=TargetType.REGRESSION)
core = PredictionCore(settings, Model.load(settings), server_type="flask")
status = core.handle(Request("POST", "/predict/", body=b"a,b\\n1,2\\n")).status
imported = sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry")
print(json.dumps({"status": status, "imported": imported}))
"""


def clean_environ(**extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "MLOPS_"))}
    return {**environ, **extra}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {**ON, "OTEL_SDK_DISABLED": "true"},
        {**ON, "MLOPS_RUNTIME_PARAM_OTEL_SDK_DISABLED": TRUE_PARAM},
    ],
    ids=["no endpoint", "OTEL_SDK_DISABLED", "runtime parameter"],
)
def test_untraced_nothing_of_opentelemetry_is_imported(extra: dict[str, str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", UNTRACED_SCRIPT, str(MODELS / "regression")],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_environ(**extra),
        check=True,
    )
    result = json.loads(out.stdout.splitlines()[-1])
    assert result == {"status": 200, "imported": []}


class Receiver(BaseHTTPRequestHandler):
    """Keeps what each OTLP/HTTP export POSTs, by path."""

    received: dict[str, list[bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.setdefault(self.path, []).append(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    received: dict[str, list[bytes]] = {}
    handler = type("Handler", (Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


TRACED_SCRIPT = """
import logging, os, sys
from pathlib import Path
from opentelemetry import trace
from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import Settings, TargetType
from drum_testing.http.messages import Headers, Request
from drum_testing.model.model import Model
from drum_testing.telemetry import setup

telemetry = setup.start()
assert telemetry is not None
assert trace.get_tracer_provider() is telemetry.tracer_provider  # a model's tracer is ours
settings = Settings(code_dir=Path(sys.argv[1]), target_type=TargetType.REGRESSION)
core = PredictionCore(settings, Model.load(settings), server_type="flask")
headers = Headers([("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")])
core.handle(Request("POST", "/predict/", headers=headers, body=b"a,b\\n1,2\\n"))
logging.getLogger("a.model").warning("a record for the log exporter")
telemetry.stop()  # what a worker's stop does: nothing is exported before, by the batch's delay
os._exit(0)  # as a killed worker ends: no atexit hook (the SDK's own shutdown) runs
"""


def test_a_process_exports_its_spans_and_logs_by_its_stop(
    receiver: tuple[str, dict[str, list[bytes]]], tmp_path: Path
) -> None:
    pytest.importorskip("opentelemetry.proto")
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    endpoint, received = receiver
    # A batch delay far longer than the test: only the stop's flush can have sent them.
    environ = clean_environ(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_BSP_SCHEDULE_DELAY="600000")
    script = tmp_path / "traced.py"
    script.write_text(textwrap.dedent(TRACED_SCRIPT))
    subprocess.run(
        [sys.executable, str(script), str(MODELS / "regression")],
        timeout=120,
        env=environ,
        check=True,
    )
    spans = [
        span
        for body in received["/v1/traces"]
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert [(s.name, s.trace_id.hex(), s.parent_span_id.hex()) for s in spans] == [
        ("drum.invocations", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")
    ]
    records = [
        record.body.string_value
        for body in received["/v1/logs"]
        for resource in ExportLogsServiceRequest.FromString(body).resource_logs
        for scope in resource.scope_logs
        for record in scope.log_records
    ]
    assert "a record for the log exporter" in records
