"""Conformance of our spans with real DRUM 1.18.1's, on every route DRUM traces.

Real DRUM (its werkzeug mode, as the battery's) and our three types each serve the traced
cases' models with ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at one loopback receiver
(:mod:`drum_testing.testing.otlp`). Each traced case (:data:`~tests.contract.tracing.TRACED`)
is sent to each server in a trace of its own; the spans received in it are compared as named
parts (names, kinds, parent, tracestate, status, events, every attribute; see
:mod:`tests.contract.tracing`). A difference fails unless tests/contract/improvements.yaml
declares it, and an entry that no longer matches fails at the end, as for the battery.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from drum_testing.testing import DrumServerRun
from drum_testing.testing.otlp import OTLPReceiver
from tests.contract.exchange import send
from tests.contract.improvements import Ledger, load
from tests.contract.models import MODELS as CONTRACT_MODELS
from tests.contract.models import folder, server_options
from tests.contract.tracing import PREFIX, TRACED, TracedCase, span_parts
from tests.helpers.models import MODELS
from tests.helpers.otlp import Caller

PROMPT_EXPORT = {
    # Export a batch 50 ms after its first span rather than DRUM's 5 s: the comparison
    # waits for the spans, and the servers run until the module ends.
    "OTEL_BSP_SCHEDULE_DELAY": "50",
    "OTEL_BLRP_SCHEDULE_DELAY": "50",
}
SPAN_WAIT = 60.0
START_TIMEOUT = 150.0  # DRUM's imports alone take seconds, more with other tests running
DRUM = "drum"

pytestmark = pytest.mark.timeout(600)  # the first case of a model starts four servers

Serve = Callable[[str, str], str]
"""``serve(model, runtime_or_type)``: the base URL of the module's server for it."""


@pytest.fixture(scope="module")
def receiver() -> Iterator[OTLPReceiver]:
    with OTLPReceiver() as started:
        yield started


@pytest.fixture(scope="module")
def serve(receiver: OTLPReceiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """Start each (model, server) once for the module; all are stopped when it ends."""
    started: dict[tuple[str, str], DrumServerRun] = {}
    logs = tmp_path_factory.mktemp("tracing-conformance-logs")
    with contextlib.ExitStack() as stack:

        def start(model: str, server: str) -> str:
            if (model, server) not in started:
                target_type, labels = CONTRACT_MODELS[model]
                run = DrumServerRun(
                    target_type,
                    labels,
                    MODELS / folder(model),
                    runtime=DRUM if server == DRUM else "drum_testing",
                    server_type="flask" if server == DRUM else server,
                    env={**receiver.env(), **PROMPT_EXPORT},
                    wait_for_server_timeout=START_TIMEOUT,
                    log_dir=logs,
                    **server_options(model),
                )
                started[(model, server)] = stack.enter_context(run)
            return started[(model, server)].url_server_address

        yield start


def traced_parts(
    serve: Serve, receiver: OTLPReceiver, traced: TracedCase, server: str
) -> dict[str, object]:
    """Send the case in a new trace; its spans as parts, once DRUM's span names came."""
    caller = Caller()
    case = traced.case
    base_url = serve(case.model, server)
    headers = {**case.headers, **caller.headers()}
    answer: requests.Response = send(base_url, dataclasses.replace(case, headers=headers))
    assert answer.status_code == case.status, (server, answer.status_code, answer.text)
    expected = sorted(traced.spans)
    receiver.wait_for(
        lambda r: sorted(s.name for s in r.spans if s.trace_id == caller.trace_id) == expected,
        SPAN_WAIT,
    )
    spans = [span for span in receiver.spans if span.trace_id == caller.trace_id]
    return span_parts(spans, caller.span_id)


@pytest.fixture(scope="module")
def span_ledger() -> Ledger:
    """The entries that declare our spans' differences (their cases are traced cases)."""
    ids = {traced.id for traced in TRACED}
    return Ledger([entry for entry in load() if set(entry.cases) <= ids])


@pytest.mark.parametrize("traced", TRACED, ids=[traced.id for traced in TRACED])
def test_our_spans_are_drums(
    serve: Serve,
    receiver: OTLPReceiver,
    traced: TracedCase,
    span_ledger: Ledger,
    record_to: Path | None,
) -> None:
    drum = traced_parts(serve, receiver, traced, DRUM)
    assert drum["spans"] == sorted(traced.spans), (
        f"DRUM 1.18.1 no longer opens {traced.spans} for {traced.id!r}: {drum['spans']}"
    )
    undeclared = span_ledger.judge(
        traced.id,
        drum,
        lambda server_type: traced_parts(serve, receiver, traced, server_type),
    )
    if undeclared and record_to is not None:
        with record_to.open("a", encoding="utf-8") as out:
            out.write(undeclared)
    assert not undeclared, (
        f"the spans of {traced.id.removeprefix(PREFIX)!r} differ from DRUM 1.18.1's where no "
        "declared improvement says so; fix ours, or add to tests/contract/improvements.yaml:\n"
        + undeclared
    )


def test_every_declared_span_difference_still_holds(span_ledger: Ledger) -> None:
    """Runs last (file order): an entry DRUM and we no longer differ on is stale."""
    if len(span_ledger.seen) < len(TRACED):
        pytest.skip("only part of the traced cases ran; their entries cannot all be checked")
    assert not span_ledger.stale(), "\n".join(span_ledger.stale())
