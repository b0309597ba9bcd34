"""Custom tasks (``class CustomTask(...Interface)``) are loaded and called as DRUM does."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from drum_testing.config.settings import TargetType
from drum_testing.errors import CustomHTTPError, ModelLoadError
from drum_testing.model.model import Model
from tests.helpers.models import (
    MODELS,
    TASK_ANSWERS,
    TASK_INPUT,
    TASKS,
    settings_for,
    trained_task,
)

pytestmark = pytest.mark.usefixtures("restore_imports")
FRAME = pd.read_csv(io.BytesIO(TASK_INPUT))


def load(code_dir: Path, target: str) -> Model:
    return Model.load(settings_for(code_dir, TargetType(target)))


def task_dir(tmp_path: Path, custom: str) -> Path:
    code_dir = tmp_path / "task"
    code_dir.mkdir()
    (code_dir / "custom.py").write_text(textwrap.dedent(custom), encoding="utf-8")
    return code_dir


@pytest.mark.parametrize("name", [n for n in TASKS if n not in ("task_transform",)])
def test_each_estimator_task_predicts(name: str, tmp_path: Path) -> None:
    target, _ = TASKS[name]
    code_dir = trained_task(name, tmp_path) if name == "task_regression" else MODELS / name
    model = load(code_dir, target)
    assert model.is_task
    assert model.hooks == {}
    assert model.predictor_name is None
    assert model.predict(FRAME).tolist() == TASK_ANSWERS[name]


def test_the_transformer_task_transforms() -> None:
    model = load(MODELS / "task_transform", "transform")
    target = pd.DataFrame({"y": [1, 2]})
    transformed, returned = model.transform(FRAME, target)
    assert transformed.to_dict("list") == {"a_x2": [2, 10], "b_x2": [4, 12]}
    assert returned is target


def test_an_untrained_task_fails_to_load_in_drums_words() -> None:
    with pytest.raises(ModelLoadError) as caught:
        load(MODELS / "task_regression", "regression")
    assert str(caught.value) == (  # DRUM's words, exactly
        "An error occurred when loading your artifact: Failed to load custom task class. "
        "Exception: FileNotFoundError(2, 'No such file or directory')"
    )
    assert "fit(X, y).save(code_dir)" in str(caught.value.detail)
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_a_custom_task_class_that_is_no_interface_is_refused(tmp_path: Path) -> None:
    code_dir = task_dir(tmp_path, "class CustomTask:\n    pass\n")
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir, "regression")
    assert str(caught.value) == "The CustomTask class must inherit from the CustomTaskInterface"


def test_a_user_error_from_load_is_raised_as_it_is(tmp_path: Path) -> None:
    custom = """
    from datarobot_drum import CustomHTTPError
    from datarobot_drum.custom_task_interfaces import RegressionEstimatorInterface

    class CustomTask(RegressionEstimatorInterface):
        @classmethod
        def load(cls, artifact_directory):
            raise CustomHTTPError("no", status_code=503)
    """
    with pytest.raises(CustomHTTPError, match=r"^no$"):
        load(task_dir(tmp_path, custom), "regression")


def test_hooks_beside_a_task_are_not_used_and_predict_without_kwargs_gets_none(
    tmp_path: Path,
) -> None:
    custom = """
    import pandas as pd
    from datarobot_drum.custom_task_interfaces import RegressionEstimatorInterface

    CALLED = []

    def init(**kwargs):
        CALLED.append("init")

    def score(data, model, **kwargs):
        raise AssertionError("a task's folder has no hooks")

    class CustomTask(RegressionEstimatorInterface):
        @classmethod
        def load(cls, artifact_directory):
            return cls()

        def predict(self, X):
            return pd.DataFrame({"Predictions": [7.0] * len(X)})
    """
    model = load(task_dir(tmp_path, custom), "regression")
    assert model.predict(FRAME).tolist() == [7.0, 7.0]
    import custom as module  # type: ignore[import-not-found]

    assert module.CALLED == []


def test_a_task_without_the_target_s_method_cannot_score(tmp_path: Path) -> None:
    custom = """
    from datarobot_drum.custom_task_interfaces import TransformerInterface

    class CustomTask(TransformerInterface):
        @classmethod
        def load(cls, artifact_directory):
            return cls()
    """
    with pytest.raises(ModelLoadError) as caught:
        load(task_dir(tmp_path, custom), "regression")
    assert str(caught.value).endswith(
        "Could not find any framework to handle loaded model and a score hook is not provided"
    )
