"""The model object (``load_model``'s answer or the pickled artifact), and DRUM's words when
it cannot be had; ``.pkl`` in any case."""

from __future__ import annotations

import logging
import os
import pickle
import textwrap
from pathlib import Path

import pytest

from drum_testing.config.settings import TargetType
from drum_testing.errors import CustomHTTPError, ModelLoadError
from drum_testing.model import messages
from drum_testing.model.model import Model
from tests.helpers.models import settings_for

pytestmark = pytest.mark.usefixtures("restore_imports")
SCORE = """
import pandas as pd

def score(data, model, **kwargs):
    return pd.DataFrame({"Predictions": [float(model)] * len(data)})
"""


def folder(tmp_path: Path, custom: str | None = None) -> Path:
    code_dir = tmp_path / "model"
    code_dir.mkdir()
    if custom is not None:
        (code_dir / "custom.py").write_text(textwrap.dedent(custom), encoding="utf-8")
    return code_dir


def load(code_dir: Path) -> Model:
    return Model.load(settings_for(code_dir, TargetType.REGRESSION))


@pytest.mark.parametrize("name", ["model.PKL", "model.Pkl", "model.pkl"])
def test_an_artifact_loads_whatever_the_case_of_its_extension(name: str, tmp_path: Path) -> None:
    code_dir = folder(tmp_path, SCORE)
    (code_dir / name).write_bytes(pickle.dumps(3))
    assert load(code_dir).artifact == 3


def test_an_artifact_alone_in_capitals_passes_the_folder_check(tmp_path: Path) -> None:
    code_dir = folder(tmp_path)
    (code_dir / "MODEL.PKL").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(ModelLoadError) as caught:  # found, loaded, but it cannot predict
        load(code_dir)
    assert str(caught.value) == messages.no_framework()


def test_load_model_raising_is_drums_loading_error(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, "def load_model(code_dir):\n    raise ValueError('boom')\n")
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir)
    assert str(caught.value) == (
        "An error occurred when loading your artifact: 'load_model' hook failed to load the "
        "model. Exception: ValueError('boom')"
    )
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_user_error_from_load_model_is_raised_as_it_is(tmp_path: Path) -> None:
    custom = """
    from datarobot_drum import CustomHTTPError

    def load_model(code_dir):
        raise CustomHTTPError("not now", status_code=503)
    """
    with pytest.raises(CustomHTTPError, match=r"^not now$"):
        load(folder(tmp_path, custom))


def test_load_model_returning_none_is_refused_as_drum_does(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, "def load_model(code_dir):\n    return None\n" + SCORE)
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir)
    assert str(caught.value) == (
        "An error occurred when loading your artifact: 'load_model' hook failed to load model, "
        "None is returned."
    )


def test_an_unreadable_artifact(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, SCORE)
    (code_dir / "model.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir)
    assert str(caught.value).startswith(
        "An error occurred when loading your artifact: Could not load model from the artifact "
        "file. Exception: UnpicklingError("
    )


def test_no_artifact_and_nothing_to_score_is_drums_message(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, "X = 1\n")
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir)
    listing = " | ".join(sorted(os.listdir(code_dir)))
    assert str(caught.value) == (
        "An error occurred when loading your artifact: \n\nRunning environment language: "
        f"Python.\nCould not find model artifact file in: {code_dir} supported by default "
        "predictors.\nThey support filenames with the following extensions ['.h5', '.onnx', "
        "'.pkl', '.pth'].\nIf your artifact is not supported by default predictor, implement "
        f"custom.load_model() hook.\nList of retrieved files are: {listing}"
    )


def test_a_missing_module_imported_by_custom_py(tmp_path: Path) -> None:
    code_dir = folder(tmp_path, "import a_module_nobody_installed\n")
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir)
    assert str(caught.value) == (
        "\n\nRunning environment language: Python.\nFailed loading hooks from "
        f"[{code_dir / 'custom.py'}] : No module named 'a_module_nobody_installed'"
    )
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


def test_the_load_error_and_its_detail_are_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    code_dir = folder(tmp_path, "X = 1\n")
    with caplog.at_level(logging.ERROR), pytest.raises(ModelLoadError):
        load(code_dir)
    logged = caplog.records[-1].getMessage()
    assert logged.startswith("An error occurred when loading your artifact: ")
    assert logged.endswith(
        "a regression model needs a score hook in custom.py or a model "
        "artifact with a predict() method"
    )
