"""Our ``DrumServerRun`` against real DRUM's, with the same test bodies.

Each test here is written as DRUM's own functional tests are (DRUM's positional arguments,
``TimeoutError("Server failed to start")``, ``run.process.err_stream``, ``server_thread``)
and runs twice: with ``datarobot_drum``'s ``DrumServerRun`` (real DRUM behind it) and with
ours (our server behind it). A test that passes on DRUM's and fails on ours is a test of
DRUM's that would not run unchanged here. Skipped without DRUM installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from typing import Any

import pytest
import requests

from drum_testing.testing import DrumServerRun
from tests.helpers.models import MODELS

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("datarobot_drum") is None, reason="datarobot-drum not installed"
    ),
    pytest.mark.timeout(240),
]

DIFFERENT_DEFAULTS = {
    "labels": "ours also takes class_labels=, so labels may be left out",
    "custom_model_dir": "ours also takes code_dir=, so custom_model_dir may be left out",
    "wait_for_server_timeout": "None: the runtime's default (30 s, DRUM's, for our server)",
}
"""DRUM's parameters whose default differs in ours, and why (the README says the same)."""
LOAD_ERROR = "this fixture model fails in load_model"
START = 60
CSV = b"a,b\n1,2\n3,4\n"


def drums_class() -> Any:
    module = importlib.import_module("datarobot_drum.drum.root_predictors.drum_server_utils")
    return module.DrumServerRun


@pytest.fixture(params=["drum", "ours"])
def run_class(request: pytest.FixtureRequest) -> Any:
    return drums_class() if request.param == "drum" else DrumServerRun


def test_ours_takes_drums_parameters_in_drums_order_with_drums_defaults() -> None:
    drums = list(inspect.signature(drums_class()).parameters.values())
    ours = list(inspect.signature(DrumServerRun).parameters.values())[: len(drums)]
    assert [p.name for p in ours] == [p.name for p in drums]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in ours)
    for mine, theirs in zip(ours, drums, strict=True):
        if mine.name not in DIFFERENT_DEFAULTS:
            assert mine.default == theirs.default, mine.name


def test_a_model_whose_load_model_raises(run_class: Any) -> None:
    run = run_class("regression", None, str(MODELS / "load_model_raises"), None)
    with pytest.raises(TimeoutError, match="Server failed to start"), run:
        pass
    assert LOAD_ERROR in run.process.err_stream


def test_a_run_called_positionally_serves_on_the_port_it_said(run_class: Any) -> None:
    run = run_class("regression", None, str(MODELS / "regression"), None, False)
    port, url = run.port, run.url_server_address
    assert url.endswith(f":{port}")
    with run:
        assert run.server_thread.is_alive()
        answer = requests.post(
            url + "/predict/", data=CSV, headers={"Content-Type": "text/csv"}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"] == [3.0, 7.0]
    run.server_thread.join(30)
    assert not run.server_thread.is_alive()
    assert run.process.returncode is not None
