"""Tracing on the session's server type, at one worker and at two where the type has workers:
a real OTLP/HTTP receiver on loopback gets, after a SIGTERM stop, the spans of every request
sent with a ``traceparent`` (``drum.invocations`` in the caller's trace), the model's own span
under ours, and the model's log line with its trace id. ``OTEL_SDK_DISABLED`` exports nothing.

The batching processors are told to wait an hour between exports (:data:`~tests.helpers.otlp.
BATCH_HELD`) and the records are read once the server has stopped, so what arrived was
flushed at the stop: by every worker, since requests are sent until each worker answered one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from drum_testing.testing import DrumServerRun, resolve_server_type
from drum_testing.testing.otlp import OTLPReceiver, ReceivedLog, ReceivedSpan
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS
from tests.helpers.otlp import Caller, exporting_env

MODEL = MODELS / "traced"
# the fixture model's spans and log line (tests/fixtures/models/traced)
LOAD_SPAN = "traced.load"
SCORE_SPAN = "traced.score"
LOG_LINE = "traced model scoring"
ROUTE_SPAN = "drum.invocations"
CSV = "a,sleep\n1,0.2\n"
"""One row, scored in 0.2 s: requests sent at once find their worker busy and go to another."""
MULTI_PROCESS = ("gunicorn", "fastapi")
"""The types that run worker processes (flask serves from one)."""
WORKERS = (1, 2) if resolve_server_type() in MULTI_PROCESS else (1,)
AT_ONCE = 4
"""Requests sent at once (each on a connection of its own), until every worker answered one."""
MAX_ROUNDS = 15
START_TIMEOUT = 180.0  # workers that each load pandas and OpenTelemetry, on a busy machine

pytestmark = pytest.mark.timeout(300)  # a start (above) and the requests, in one test's setup


@dataclass(frozen=True)
class Exported:
    """What a server exported for its requests, read after it stopped."""

    answered_by: dict[Caller, int]
    """Each request's caller and the process that answered it."""
    spans: list[ReceivedSpan]
    logs: list[ReceivedLog]
    rejected: list[str]

    def spans_of(self, caller: Caller, name: str) -> list[ReceivedSpan]:
        return [s for s in self.spans if s.name == name and s.trace_id == caller.trace_id]


def predict(run: DrumServerRun, caller: Caller) -> int:
    """One /predict/ in ``caller``'s trace, on its own connection; the answering process."""
    answer = requests.post(
        run.url_server_address + "/predict/",
        data=CSV,
        headers=caller.headers(Content_Type="text/csv", Connection="close"),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["predictions"][0])


@pytest.fixture(scope="module", params=WORKERS, ids=lambda n: f"{n}-worker")
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, drum_runtime: str
) -> Iterator[Exported]:
    """Serve the traced model, send requests until each worker answered one, stop (SIGTERM),
    then take what the receiver got."""
    workers: int = request.param
    with contextlib.ExitStack() as stack:
        receiver = stack.enter_context(OTLPReceiver())
        env = dict(exporting_env(receiver))
        if drum_runtime == "drum":  # DRUM's gunicorn reads its workers from here, not the flag
            env["MAX_WORKERS"] = str(workers)
        run = stack.enter_context(
            DrumServerRun(
                "regression",
                None,
                MODEL,
                max_workers=workers,
                env=env,
                runtime=drum_runtime,
                wait_for_server_timeout=START_TIMEOUT,
                log_dir=tmp_path_factory.mktemp("tracing-logs"),
            )
        )
        answered_by: dict[Caller, int] = {}
        with ThreadPoolExecutor(AT_ONCE) as pool:
            for _ in range(MAX_ROUNDS):
                callers = [Caller() for _ in range(AT_ONCE)]
                pids = pool.map(lambda caller: predict(run, caller), callers)
                answered_by.update(zip(callers, pids, strict=True))
                if len(set(answered_by.values())) == workers:
                    break
        assert len(set(answered_by.values())) == workers, (
            f"{len(answered_by)} requests were all answered by {set(answered_by.values())}"
        )
        run.stop()  # SIGTERM: what was not flushed by now is lost
        yield Exported(answered_by, receiver.spans, receiver.logs, receiver.rejected)


def test_every_request_is_a_span_in_its_callers_trace(exported: Exported) -> None:
    for caller in exported.answered_by:
        [span] = exported.spans_of(caller, ROUTE_SPAN)
        assert span.parent_span_id == caller.span_id
        assert span.trace_state == caller.tracestate
    assert exported.rejected == []


def test_no_span_but_ours_and_the_models(exported: Exported) -> None:
    # Not the readiness probes, not a framework's own (FastAPI 0.165+ traces every request
    # once a tracer provider is set): DRUM traces the scoring routes only.
    assert {s.name for s in exported.spans} == {ROUTE_SPAN, SCORE_SPAN, LOAD_SPAN}
    workers = len(set(exported.answered_by.values()))
    assert len(exported.spans) == 2 * len(exported.answered_by) + workers


def test_every_worker_flushed_its_spans_at_the_stop(exported: Exported) -> None:
    spans = [s for s in exported.spans if s.name == SCORE_SPAN]
    assert {s.attributes["process.pid"] for s in spans} == set(exported.answered_by.values())
    assert len(spans) == len(exported.answered_by)


def test_what_load_model_traced_is_exported_once_by_each_worker(exported: Exported) -> None:
    # The exporters start before the model loads, in the process that serves it, as DRUM's:
    # not only on gunicorn, whose workers load after the fork (a supervisor's or a parent's
    # load of its own, were there one, would be a third span).
    loads = [s for s in exported.spans if s.name == LOAD_SPAN]
    pids = [s.attributes["process.pid"] for s in loads]
    assert sorted(pids) == sorted(set(exported.answered_by.values()))
    assert all(s.parent_span_id is None for s in loads)


def test_the_models_own_span_nests_under_ours(exported: Exported) -> None:
    for caller in exported.answered_by:
        [ours] = exported.spans_of(caller, ROUTE_SPAN)
        [models] = exported.spans_of(caller, SCORE_SPAN)
        assert models.parent_span_id == ours.span_id


def test_the_models_log_line_is_exported_with_its_trace(exported: Exported) -> None:
    lines = [log for log in exported.logs if log.body == LOG_LINE]
    assert sorted(log.trace_id or "" for log in lines) == sorted(
        caller.trace_id for caller in exported.answered_by
    )
    for caller in exported.answered_by:
        [models] = exported.spans_of(caller, SCORE_SPAN)
        [line] = [log for log in lines if log.trace_id == caller.trace_id]
        assert line.span_id == models.span_id
        assert line.severity_text == "WARN"


@pytest.mark.parametrize(
    "disabled",
    [
        {"OTEL_SDK_DISABLED": "true"},
        # DRUM reads it as a runtime parameter too (DataRobot's way to set it)
        {"MLOPS_RUNTIME_PARAM_OTEL_SDK_DISABLED": json.dumps({"type": "boolean", "payload": True})},
    ],
    ids=["variable", "runtime-parameter"],
)
def test_otel_sdk_disabled_exports_nothing(
    drum_server: DrumServerFactory, otlp_receiver: OTLPReceiver, disabled: dict[str, str]
) -> None:
    env = exporting_env(otlp_receiver, **disabled)
    run = drum_server("regression", None, MODEL, env=env, wait_for_server_timeout=START_TIMEOUT)
    predict(run, Caller())
    run.stop()
    assert otlp_receiver.exports == {"traces": 0, "logs": 0, "metrics": 0}
    assert otlp_receiver.rejected == []
