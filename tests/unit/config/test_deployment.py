"""Reading and checking ``--deployment-config``."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest

from drum_testing.config.deployment import ANOMALY_LABEL, DeploymentConfig, read_deployment_config


def write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "deployment.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def test_reads_the_target_section(tmp_path: Path) -> None:
    target = {
        "name": "churn",
        "type": "Binary",
        "class_mapping": [["yes", 1], ["no", 0]],
        "prediction_threshold": 0.3,
    }
    config = read_deployment_config(write(tmp_path, {"target": target, "other": 1}))
    assert config.name == "churn"
    assert config.has_name
    assert config.class_names == ("no", "yes")  # sorted by index
    assert config.prediction_threshold == 0.3
    assert config.path == (tmp_path / "deployment.json").resolve()


def test_null_class_mapping_is_none(tmp_path: Path) -> None:
    config = read_deployment_config(write(tmp_path, {"target": {"class_mapping": None}}))
    assert config.class_names is None
    assert not config.has_name


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"target": ', "Failed to parse deployment config json file '"),
        ("\xff", "Failed to parse deployment config json file '"),
        ({"targe": {}}, "'target' section not found in deployment config json file "),
        ([1], "'target' section not found"),
        ({"target": 1}, "target must be an object"),
        ({"target": {"class_mapping": [["a"]]}}, 'class_mapping must be [["label", 0], ...]'),
        ({"target": {"class_mapping": [["a", "x"]]}}, "class_mapping must be"),
    ],
)
def test_a_bad_file_is_an_argument_error_in_drums_words(
    tmp_path: Path, document: Any, message: str
) -> None:
    if document == "\xff":
        path = tmp_path / "deployment.json"
        path.write_bytes(b"\xff")
        text = str(path)
    else:
        text = write(tmp_path, document)
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
        read_deployment_config(text)


def test_a_missing_file_is_drums_message(tmp_path: Path) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        read_deployment_config(str(tmp_path / "none.json"))
    assert str(raised.value) == f"The file {tmp_path / 'none.json'} does not exist!"


CONFIG = Path("d.json")


@pytest.mark.parametrize(
    ("config", "target", "labels", "message"),
    [
        (DeploymentConfig(CONFIG), "regression", None, "a regression model needs target.name"),
        (DeploymentConfig(CONFIG), "textgeneration", None, "needs target.name"),
        (
            DeploymentConfig(CONFIG, class_names=("no", "yes")),
            "binary",
            ("yes", "no"),
            "needs target.prediction_threshold, a number",
        ),
        (
            DeploymentConfig(CONFIG, prediction_threshold=True, class_names=("a", "b")),
            "multilabel",
            ("a", "b"),
            "prediction_threshold, a number",
        ),
        (DeploymentConfig(CONFIG), "multiclass", ("a", "b"), "needs target.class_mapping"),
        (
            DeploymentConfig(CONFIG, class_names=("a", "c")),
            "multiclass",
            ("a", "b"),
            "target.class_mapping has the labels ['a', 'c'], the model ['a', 'b']",
        ),
    ],
)
def test_check_says_what_the_target_type_needs(
    config: DeploymentConfig, target: str, labels: tuple[str, ...] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        config.check(target, labels)


@pytest.mark.parametrize("target", ["anomaly", "unstructured", "transform"])
def test_what_needs_nothing_passes(target: str) -> None:
    DeploymentConfig(CONFIG).check(target, None)


def test_anomaly_label_is_drums() -> None:
    assert DeploymentConfig(CONFIG, name="x", has_name=True).label("anomaly") == ANOMALY_LABEL
    assert DeploymentConfig(CONFIG, name="x", has_name=True).label("regression") == "x"
