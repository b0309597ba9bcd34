"""``--deployment-config`` and ``DEPLOYMENT_CONFIG`` on the session's server type (the
battery's ``pps ...`` cases compare each target type's answer with DRUM's)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from drum_testing.testing import DrumServerRun, ServerStartError
from drum_testing.testing.plugin import DrumServerFactory
from tests.contract.models import DEPLOYMENTS
from tests.helpers.models import BINARY_LABELS, MODELS

CSV_HEADERS = {"Content-Type": "text/csv"}


def test_the_variable_gives_the_document(drum_server: DrumServerFactory) -> None:
    run = drum_server(
        "binary",
        BINARY_LABELS,
        MODELS / "binary",
        env={"DEPLOYMENT_CONFIG": str(DEPLOYMENTS / "binary.json")},
    )
    answer = requests.post(
        run.url_server_address + "/predict/", data=b"a\n1\n", headers=CSV_HEADERS, timeout=10
    )
    assert answer.headers["Content-Type"] == "application/json"
    (row,) = answer.json()["data"]
    assert (row["prediction"], row["predictionThreshold"], row["rowId"]) == ("no", 0.8, 0)


def test_only_predict_changes(drum_server: DrumServerFactory) -> None:
    run = drum_server(
        "regression",
        None,
        MODELS / "regression",
        extra_args=["--deployment-config", str(DEPLOYMENTS / "regression.json")],
    )
    base = run.url_server_address
    assert requests.get(base + "/ping/", timeout=10).json() == {"message": "OK"}
    assert requests.get(base + "/info/", timeout=10).json()["targetType"] == "regression"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{", "Failed to parse deployment config json file"),
        ('{"deployment": {}}', "'target' section not found in deployment config json file"),
        (
            '{"target": {"class_mapping": [["a", 0], ["b", 1]], "prediction_threshold": 0.5}}',
            "target.class_mapping has the labels ['a', 'b'], the model ['yes', 'no']",
        ),
    ],
)
def test_a_bad_document_stops_the_start_with_one_line(
    tmp_path: Path, document: str, message: str
) -> None:
    path = tmp_path / "deployment.json"
    path.write_text(document)
    with pytest.raises(ServerStartError) as caught:
        DrumServerRun(
            "binary",
            BINARY_LABELS,
            MODELS / "binary",
            extra_args=["--deployment-config", str(path)],
            log_dir=tmp_path,
        ).start()
    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_missing_document_is_drums_message(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(ServerStartError) as caught:
        DrumServerRun(
            "regression",
            None,
            MODELS / "regression",
            env={"DEPLOYMENT_CONFIG": str(missing)},
            log_dir=tmp_path,
        ).start()
    assert caught.value.returncode == 2
    assert f"DEPLOYMENT_CONFIG: The file {missing} does not exist!" in str(caught.value)
