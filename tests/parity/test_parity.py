"""Parity: all three server types give the same answer to every request of the contract.

Run by ``nox -s parity``, which installs every type. Each case is sent to a flask, a
gunicorn and a fastapi server of the same fixture model; status, content type, body and our
headers must be equal. A difference fails with a diff of what each type answered.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable

import pytest

from drum_testing.config.settings import ServerType
from drum_testing.testing.plugin import DrumServerFactory
from tests.contract.case import Case
from tests.contract.cases import CASES
from tests.contract.exchange import Observed, observe, send
from tests.contract.models import MODELS as CONTRACT_MODELS
from tests.contract.models import folder, server_options
from tests.helpers.models import MODELS

SERVER_TYPES = tuple(t.value for t in ServerType)
REFERENCE = ServerType.FLASK.value

Observe = Callable[[str, Case], Observed]


@pytest.fixture
def observe_on(drum_shared_server: DrumServerFactory) -> Observe:
    def answer(server_type: str, case: Case) -> Observed:
        target_type, labels = CONTRACT_MODELS[case.model]
        run = drum_shared_server(
            target_type,
            labels,
            MODELS / folder(case.model),
            server_type=server_type,
            **server_options(case.model),
        )
        return observe(send(run.url_server_address, case))

    return answer


def comparable(observed: Observed, server_type: str) -> str:
    """The answer as stable text; the fields that must differ (/info/'s server type, and
    the app framework DRUM's drumServer names) are checked and blanked."""
    body = observed.body
    if isinstance(body, dict) and "drumServer" in body:
        assert body["drumTestingServer"] == server_type
        assert body["drumServer"] == ("fastapi" if server_type == "fastapi" else "flask")
        body = {**body, "drumServer": "<framework>", "drumTestingServer": "<type>"}
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="backslashreplace")
    data = dataclasses.asdict(observed) | {"body": body}
    return json.dumps(data, indent=2, sort_keys=True, default=str)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_server_type_answers_alike(observe_on: Observe, case: Case) -> None:
    answers = {t: comparable(observe_on(t, case), t) for t in SERVER_TYPES}
    reference = answers[REFERENCE]
    diffs = [
        "\n".join(
            difflib.unified_diff(
                reference.splitlines(), text.splitlines(), REFERENCE, server_type, lineterm=""
            )
        )
        for server_type, text in answers.items()
        if text != reference
    ]
    assert not diffs, f"{case.method} {case.path} answered differently:\n" + "\n".join(diffs)
