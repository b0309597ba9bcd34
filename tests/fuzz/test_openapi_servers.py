"""schemathesis against each server type, with the OpenAPI document of the contract.

One server per type (one worker) serves the regression fixture model; schemathesis draws
requests from the document for every operation, valid and invalid ones, a fixed and
derandomized number of each (:func:`bench.fuzzing.fuzz`, which the bench's fuzzing section
runs against DRUM too), and checks every answer: no 5xx (none of these requests makes the
model raise), and the answer conforms to the document (status, content type, body schema).
The document is what ``drum-testing openapi`` prints for the same model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.fuzzing import document, fuzz
from drum_testing.testing import DrumServerRun
from tests.helpers.models import MODELS

pytest.importorskip("schemathesis")  # the fuzz session installs it

MODEL = MODELS / "regression"
SERVER_TYPES = ("flask", "gunicorn", "fastapi")
EXAMPLES = 10
"""Requests per operation and mode: 17 operations, about 250 requests per type, a minute."""
DOCUMENT_ENV = "DRUM_TESTING_OPENAPI_DOCUMENT"
"""A document to use where ``drum-testing openapi`` is not there to print one."""


@pytest.fixture(scope="session")
def openapi_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get(DOCUMENT_ENV)
    out = tmp_path_factory.mktemp("openapi") / "openapi.json"
    return document(MODEL, "regression", out, Path(given) if given else None)


@pytest.fixture(params=SERVER_TYPES)
def served(request: pytest.FixtureRequest) -> Iterator[DrumServerRun]:
    with DrumServerRun("regression", None, MODEL, server_type=request.param, max_workers=1) as run:
        yield run


@pytest.mark.timeout(600)
def test_every_answer_conforms_and_none_is_a_5xx(
    openapi_document: Path, served: DrumServerRun
) -> None:
    figures = fuzz(openapi_document, served.url_server_address, EXAMPLES)
    assert figures.requests > 0
    assert figures.server_errors == 0, figures.findings
    assert figures.findings == []
