"""The OpenAPI document against real servers: every answer of the battery is one it
declares, and ``--openapi`` serves it (the same on every type), or nothing without it."""

from __future__ import annotations

import pytest
import requests

from drum_testing.testing import DrumServerRun
from drum_testing.testing.plugin import DrumServerFactory
from tests.contract.case import Case
from tests.contract.cases import CASES
from tests.contract.exchange import send
from tests.contract.openapi import EXTENDED, conforms, document
from tests.helpers.models import MODELS
from tests.helpers.servers import ModelServer

DECLARED = [case for case in CASES if case.model not in EXTENDED]


@pytest.mark.parametrize("case", DECLARED, ids=[case.id for case in DECLARED])
def test_every_answer_of_the_battery_is_declared(model_server: ModelServer, case: Case) -> None:
    conforms(case.model, case, send(model_server(case.model).url_server_address, case))


def test_openapi_serves_the_document_drum_testing_openapi_prints(
    drum_shared_server: DrumServerFactory,
) -> None:
    run: DrumServerRun = drum_shared_server(
        "regression", None, MODELS / "regression", target_name="answer", extra_args=["--openapi"]
    )
    response = requests.get(run.url_server_address + "/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    served = response.json()
    expected = document("regression")
    # The served one lists its own path too; every other path is the command's.
    assert served["paths"].pop("/openapi.json")["get"]["responses"]["200"]
    assert served == expected


def test_without_openapi_its_path_is_not_there(model_server: ModelServer) -> None:
    response = requests.get(
        model_server("regression").url_server_address + "/openapi.json", timeout=10
    )
    assert response.status_code == 404
    assert response.json()["message"].startswith("ERROR: no route GET /openapi.json")
