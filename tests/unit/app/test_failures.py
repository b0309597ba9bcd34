"""app/failures.py: a 500 of the model's own code says what DRUM 1.18.1 says, ours beside."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import TargetType
from drum_testing.model.model import Model
from tests.helpers.core_client import CoreClient
from tests.helpers.models import settings_for

CSV = "a\n1\n"
MODEL = """
import pandas as pd

class Artifact:
    def predict(self, data):
        raise ValueError("the artifact failed")

def load_model(code_dir):
    return Artifact()

def read_input_data(raw):
    if b"read" in raw:
        raise ValueError("reading failed")
    return pd.read_csv(__import__("io").BytesIO(raw))

def transform(data, model):
    if "transform" in data.columns:
        raise ValueError("transform failed")
    return data

def decorated(hook):
    def wrapper(*args, **kwargs):
        return hook(*args, **kwargs)
    return wrapper

@decorated
def post_process(predictions, model):
    raise KeyError("post_process failed")
"""


def client(tmp_path: Path, custom: str, target: TargetType = TargetType.REGRESSION) -> CoreClient:
    (tmp_path / "custom.py").write_text(textwrap.dedent(custom), encoding="utf-8")
    settings = settings_for(tmp_path, target)
    return CoreClient(PredictionCore(settings, Model.load(settings), server_type="flask"))


@pytest.mark.parametrize(
    ("body", "message", "detail"),
    [
        (
            "read\n1\n",
            "ERROR: Model 'read_input_data' hook failed to read input data. "
            "Exception: ValueError('reading failed')",
            "ValueError: reading failed",
        ),
        (
            "transform\n1\n",
            "ERROR: Model 'transform hook' failed to transform dataset. "
            "Exception: ValueError('transform failed')",
            "ValueError: transform failed",
        ),
        (
            CSV,
            "ERROR: Failure when making predictions. Exception: ValueError('the artifact failed')",
            "ValueError: the artifact failed",
        ),
    ],
)
def test_a_raising_hook_or_artifact_is_named_as_drum_names_it(
    tmp_path: Path, body: str, message: str, detail: str
) -> None:
    response = client(tmp_path, MODEL).post("/predict/", data=body, content_type="text/csv")
    assert response.status_code == 500
    assert response.get_json() == {"message": message, "detail": detail}


def test_a_decorated_hook_is_named_by_what_the_model_calls_it(tmp_path: Path) -> None:
    custom = MODEL + textwrap.dedent(
        """
        def score(data, model, **kwargs):
            return pd.DataFrame({"Predictions": [1.0] * len(data)})
        """
    )
    response = client(tmp_path, custom).post("/predict/", data=CSV, content_type="text/csv")
    assert response.get_json()["message"] == (
        "ERROR: Model 'post_process' hook failed to post-process predictions. "
        "Exception: KeyError('post_process failed')"
    )


def test_other_hooks_answer_the_exceptions_text_as_drum(tmp_path: Path) -> None:
    custom = """
    def score_unstructured(model, data, **kwargs):
        raise RuntimeError("unstructured failed")
    """
    response = client(tmp_path, custom, TargetType.UNSTRUCTURED).post(
        "/predictUnstructured/", data="x"
    )
    assert response.status_code == 500
    assert response.get_json() == {
        "message": "ERROR: unstructured failed",
        "detail": "RuntimeError: unstructured failed",
    }


def test_an_answer_that_cannot_be_served_says_drums_words(tmp_path: Path) -> None:
    custom = """
    def score(data, model, **kwargs):
        return [1.0]
    """
    response = client(tmp_path, custom).post("/predict/", data=CSV, content_type="text/csv")
    assert response.status_code == 500
    assert response.get_json()["message"] == (
        "ERROR: score must return a dataframe, but received <class 'list'>"
    )
