"""The custom task interfaces: saving and loading a task, secrets, the interfaces' methods."""

from __future__ import annotations

import io
import logging
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from drum_testing.drum_api.estimators import (
    BinaryEstimatorInterface,
    EstimatorInterface,
    MulticlassEstimatorInterface,
    RegressionEstimatorInterface,
)
from drum_testing.drum_api.exceptions import DrumSerializationError
from drum_testing.drum_api.scrubbing import (
    get_ordered_sensitive_values,
    patch_outputs_to_scrub_secrets,
    reset_outputs_to_allow_secrets,
)
from drum_testing.drum_api.task_interface import (
    CustomTaskInterface,
    Serializable,
    secrets_injection_context,
)
from drum_testing.drum_api.transformer import TransformerInterface
from drum_testing.drum_api.user_secrets import (
    ApiTokenSecret,
    BasicSecret,
    GCPKey,
    GCPSecret,
    S3Secret,
    UnsupportedSecretError,
    load_secrets,
    secrets_factory,
)


class Task(RegressionEstimatorInterface):
    def __init__(self) -> None:
        self.weights = [1, 2]
        self.handle: Any = "unpicklable stand-in"


def test_save_then_load_gives_the_task_back(tmp_path: Path) -> None:
    task = Task().save(str(tmp_path))
    assert (tmp_path / "drum_artifact.pkl").is_file()
    loaded = Task.load(str(tmp_path))
    assert isinstance(loaded, Task)
    assert loaded.weights == [1, 2]
    assert task.weights == [1, 2]


def test_save_task_excludes_attributes_and_puts_them_back(tmp_path: Path) -> None:
    task = Task()
    task.save_task(str(tmp_path), exclude=["handle"])
    assert task.handle == "unpicklable stand-in"
    assert pickle.loads((tmp_path / "drum_artifact.pkl").read_bytes()).handle is None


def test_excluding_a_missing_attribute_is_drums_error(tmp_path: Path) -> None:
    with pytest.raises(DrumSerializationError, match=r"^The object named nope passed in exclude="):
        Task().save_task(str(tmp_path), exclude=["nope"])


def test_load_task_refuses_another_class(tmp_path: Path) -> None:
    (tmp_path / Serializable.default_artifact_filename).write_bytes(pickle.dumps([1]))
    with pytest.raises(DrumSerializationError, match=r"^load_task method must return a Task class"):
        Task.load(str(tmp_path))


def test_load_without_an_artifact_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Task.load(str(tmp_path))


def test_secrets_default_to_empty_and_can_be_set() -> None:
    task = Task()
    assert task.secrets == {}
    task.secrets = {"A": 1}
    assert task.secrets == {"A": 1}
    task.secrets = None
    assert task.secrets == {}


@pytest.mark.parametrize(
    ("call", "cls"),
    [
        (lambda: CustomTaskInterface().fit(None, None), NotImplementedError),
        (lambda: EstimatorInterface().predict(None), NotImplementedError),
        (lambda: BinaryEstimatorInterface().predict_proba(None), NotImplementedError),
        (lambda: MulticlassEstimatorInterface().predict_proba(None), NotImplementedError),
        (lambda: TransformerInterface().transform(None), NotImplementedError),
    ],
)
def test_methods_a_task_must_define_raise(call: Any, cls: type[Exception]) -> None:
    with pytest.raises(cls):
        call()


def test_classifiers_predict_is_not_called_and_returns_none() -> None:
    assert BinaryEstimatorInterface().predict(None) is None
    assert MulticlassEstimatorInterface().predict(None) is None


def test_secrets_from_dicts_hide_their_strings() -> None:
    secret = secrets_factory(
        {"credential_type": "basic", "username": "u", "password": "p", "unknown": 1}
    )
    assert secret == BasicSecret("u", "p")
    assert (
        repr(secret)
        == "BasicSecret(username='*****', password='*****', snowflake_account_name=None)"
    )
    assert secrets_factory({"credential_type": "API_TOKEN", "api_token": "t"}) == ApiTokenSecret(
        "t"
    )
    gcp = secrets_factory({"credential_type": "gcp", "gcp_key": {"type": "service_account"}})
    assert gcp == GCPSecret(gcp_key=GCPKey(type="service_account"))
    with pytest.raises(UnsupportedSecretError, match=r"^Unsupported secret type: 'ldap'$"):
        secrets_factory({"credential_type": "ldap"})


def test_partial_secrets() -> None:
    assert S3Secret(config_id="c").is_partial_secret()
    assert not S3Secret(aws_access_key_id="k").is_partial_secret()


def test_load_secrets_from_variables_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETS_A", '{"credential_type": "api_token", "api_token": "from env"}')
    monkeypatch.setenv("SECRETS_B", '{"credential_type": "api_token", "api_token": "env"}')
    (tmp_path / "B").write_text('{"credential_type": "api_token", "api_token": "from file"}')
    found = load_secrets(str(tmp_path), "SECRETS")
    assert found == {"A": ApiTokenSecret("from env"), "B": ApiTokenSecret("from file")}
    assert load_secrets(None, None) == {}


def test_sensitive_values_longest_first() -> None:
    values = get_ordered_sensitive_values([BasicSecret("ab", "abc"), ApiTokenSecret("z")])
    assert values == ["abc", "ab", "z"]


def test_scrubbing_hides_secrets_in_outputs_and_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s", ("s3cret",), None)
    patch_outputs_to_scrub_secrets([ApiTokenSecret("s3cret")])
    try:
        print("my s3cret")
        logging.getLogger().filter(record)
    finally:
        reset_outputs_to_allow_secrets()
    assert sys.stdout is out
    assert out.getvalue() == "my *****\n"
    assert record.args == ("*****",)


def test_secrets_injection_context_gives_and_takes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("P_KEY", '{"credential_type": "api_token", "api_token": "t0ken"}')
    task = Task()
    with secrets_injection_context(task, None, "P"):
        assert task.secrets == {"KEY": ApiTokenSecret("t0ken")}
    assert task.secrets == {}
