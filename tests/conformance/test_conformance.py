"""Conformance: the contract battery against real DRUM 1.18.1 and our three types, in one run.

Run by ``nox -s conformance``, which installs ``datarobot-drum==1.18.1`` beside every server
type. Each case is sent to DRUM (its werkzeug mode) and to a flask, a gunicorn and a fastapi
server of ours, serving the same fixture model. Every part of our answer (status, content
type, each JSON key of the body or the whole body, our headers) must equal DRUM's, unless
tests/contract/improvements.yaml declares the difference; a failure prints the undeclared
ones as entries to paste there (with a why) or to fix. Entries that no longer match fail
too, so the list, and docs/CONTRACT.md rendered from it, stay true.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drum_testing.testing.plugin import DrumServerFactory
from tests.contract.case import Case
from tests.contract.cases import CASES
from tests.contract.exchange import observe, send
from tests.contract.improvements import (
    COMPARED_HEADERS,
    Ledger,
    fields,
)
from tests.contract.models import MODELS as CONTRACT_MODELS
from tests.contract.models import folder, server_options
from tests.helpers.models import MODELS

SERVER = "http://<server>"
"""What a server's own address becomes in an answer (DRUM's Location is absolute)."""
BOUNDARY = "<boundary>"


def parts(base_url: str, case: Case) -> dict[str, Any]:
    response = send(base_url, case)
    observed = observe(response)
    headers = {
        name: response.headers[name] for name in COMPARED_HEADERS if name in response.headers
    }
    if "Allow" in headers:  # a set: DRUM's order changes from run to run
        headers["Allow"] = ", ".join(sorted(headers["Allow"].split(", ")))
    if case.method in ("HEAD", "OPTIONS"):
        headers["Content-Length"] = response.headers.get("Content-Length", "")
    headers = {name: value.replace(base_url, SERVER) for name, value in headers.items()}
    body: Any = observed.body
    content_type = observed.content_type
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="backslashreplace").replace(base_url, SERVER)
        boundary = content_type.partition("boundary=")[2]
        if content_type.startswith("multipart/") and boundary:
            # DRUM draws a random boundary per answer; the parts are what must be equal.
            body = body.replace(boundary, BOUNDARY)
            content_type = content_type.replace(boundary, BOUNDARY)
    return fields(observed.status, content_type, headers, body)


@pytest.fixture
def serve(drum_shared_server: DrumServerFactory) -> Any:
    def start(model: str, **where: str) -> str:
        target_type, labels = CONTRACT_MODELS[model]
        run = drum_shared_server(
            target_type, labels, MODELS / folder(model), **server_options(model), **where
        )
        return run.url_server_address

    return start


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_we_answer_as_drum_does(
    serve: Any, case: Case, record_to: Path | None, ledger: Ledger
) -> None:
    drum = parts(serve(case.model, runtime="drum", server_type="flask"), case)
    undeclared = ledger.judge(
        case.id, drum, lambda server_type: parts(serve(case.model, server_type=server_type), case)
    )
    if undeclared and record_to is not None:
        with record_to.open("a", encoding="utf-8") as out:
            out.write(undeclared)
    assert not undeclared, (
        f"{case.method} {case.path} differs from DRUM 1.18.1 where no declared improvement "
        "says so; fix ours, or add to tests/contract/improvements.yaml:\n" + undeclared
    )


def test_every_declared_improvement_still_holds(ledger: Ledger) -> None:
    """Runs last (file order): an entry DRUM and we no longer differ on is stale."""
    if not ledger.seen:
        pytest.skip("no battery case ran")
    if len(ledger.seen) < len(CASES):
        pytest.skip("only part of the battery ran; entries of the rest cannot be checked")
    assert not ledger.stale(), "\n".join(ledger.stale())
