"""model.py: loading a model folder (hooks, artifacts, metadata) and checking what it returns."""

from __future__ import annotations

import importlib
import pickle
import re
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from drum_testing.config.settings import TargetType
from drum_testing.errors import ModelLoadError, ModelOutputError
from drum_testing.model import messages
from drum_testing.model.model import Model
from tests.helpers.models import MODELS, settings_for

FRAME = pd.DataFrame({"a": [1, 2], "b": [3.5, 4.0]})


pytestmark = pytest.mark.usefixtures("restore_imports")


def load(code_dir: Path, target: TargetType = TargetType.REGRESSION) -> Model:
    return Model.load(settings_for(code_dir, target))


def model_dir(tmp_path: Path, custom: str | None = None, name: str = "model") -> Path:
    """A model folder in tmp_path, with ``custom`` (dedented) as its custom.py."""
    code_dir = tmp_path / name
    code_dir.mkdir()
    if custom is not None:
        (code_dir / "custom.py").write_text(textwrap.dedent(custom), encoding="utf-8")
    return code_dir


def scoring(expression: str) -> str:
    """A custom.py whose score returns ``expression`` (``n`` is the number of input rows)."""
    return f"""
import pandas as pd

def score(data, model, **kwargs):
    n = len(data)
    return {expression}
"""


# --- the fixture models ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "target", "frame", "expected"),
    [
        ("regression", TargetType.REGRESSION, FRAME, [4.5, 6.0]),
        ("anomaly", TargetType.ANOMALY, pd.DataFrame({"a": [50, 125]}), [0.5, 1.25]),
        ("binary", TargetType.BINARY, FRAME, [{"yes": 0.75, "no": 0.25}] * 2),
        (
            "multiclass",
            TargetType.MULTICLASS,
            FRAME,
            [{"red": 0.5, "green": 0.3, "blue": 0.2}] * 2,
        ),
        ("chat", TargetType.TEXT_GENERATION, pd.DataFrame({"q": [1, 2]}), ["1", "2"]),
    ],
)
def test_fixture_predictions(
    name: str, target: TargetType, frame: pd.DataFrame, expected: list[Any]
) -> None:
    assert load(MODELS / name, target).predict(frame).tolist() == expected


@pytest.mark.parametrize(
    ("name", "target", "model", "chat", "own_input"),
    [
        ("regression", TargetType.REGRESSION, {"offset": 0.0}, False, False),
        ("binary", TargetType.BINARY, "no artifact", False, False),
        ("unstructured", TargetType.UNSTRUCTURED, "unstructured-fixture", False, False),
        ("json_input", TargetType.REGRESSION, "no artifact", False, True),
        ("chat", TargetType.TEXT_GENERATION, "chat-fixture", True, False),
    ],
)
def test_fixture_model_and_capabilities(
    name: str, target: TargetType, model: Any, chat: bool, own_input: bool
) -> None:
    loaded = load(MODELS / name, target)
    assert loaded.artifact == model
    assert (loaded.supports_chat, loaded.reads_own_input) == (chat, own_input)


def test_unstructured_fixture() -> None:
    loaded = load(MODELS / "unstructured", TargetType.UNSTRUCTURED)
    assert sorted(loaded.hooks) == ["load_model", "score_unstructured"]
    assert loaded.score_unstructured("abc", query={"mode": "upper"}) == "ABC"
    assert loaded.score_unstructured(b"\x00\xff", query={"mode": "bytes"}) == b"\x00\xff"


def test_json_input_fixture_reads_its_own_input() -> None:
    loaded = load(MODELS / "json_input")
    frame = loaded.read_input(b'[{"x": 1}, {"x": 2.5}]')
    assert frame.to_dict("list") == {"x": [1.0, 2.5]}
    assert loaded.predict(frame).tolist() == [2.0, 5.0]


def test_chat_fixture() -> None:
    loaded = load(MODELS / "chat", TargetType.TEXT_GENERATION)
    answer = loaded.chat({"messages": [{"role": "user", "content": "abc"}]})
    assert answer.choices[0].message.content == "cba"  # an openai-style object, as DRUM wants


def test_metadata_is_read() -> None:
    assert load(MODELS / "regression").metadata == {
        "name": "regression-fixture",
        "type": "inference",
        "targetType": "regression",
    }


def test_model_import_error_propagates_unchanged() -> None:
    with pytest.raises(RuntimeError, match=r"^this fixture model fails on import$"):
        load(MODELS / "import_error")


# --- hooks ----------------------------------------------------------------------------------

RECORD_KWARGS = """
import pandas as pd

def load_model(code_dir):
    return {}

def score(data, model, **kwargs):
    model["kwargs"] = kwargs
    labels = kwargs.get("class_labels") or [
        label
        for label in (kwargs.get("positive_class_label"), kwargs.get("negative_class_label"))
        if label
    ]
    if not labels:
        return pd.DataFrame({"Predictions": [1.0] * len(data)})
    return pd.DataFrame({label: [1.0 / len(labels)] * len(data) for label in labels})
"""


@pytest.mark.parametrize(
    ("target", "kwargs"),
    [
        (TargetType.REGRESSION, {}),
        (TargetType.BINARY, {"positive_class_label": "yes", "negative_class_label": "no"}),
        (TargetType.MULTICLASS, {"class_labels": ["red", "green", "blue"]}),
    ],
)
def test_score_with_kwargs_gets_the_labels(
    target: TargetType, kwargs: dict[str, Any], tmp_path: Path
) -> None:
    loaded = load(model_dir(tmp_path, RECORD_KWARGS), target)
    loaded.predict(FRAME)
    assert loaded.artifact["kwargs"] == kwargs


def test_score_without_kwargs_gets_no_labels(tmp_path: Path) -> None:
    custom = """
    import pandas as pd

    def score(data, model):
        return pd.DataFrame({"no": [0.4] * len(data), "yes": [0.6] * len(data)})
    """
    loaded = load(model_dir(tmp_path, custom), TargetType.BINARY)
    assert loaded.predict(FRAME).tolist() == [{"no": 0.4, "yes": 0.6}] * 2


def test_init_runs_before_load_model_with_the_code_dir(tmp_path: Path) -> None:
    custom = """
    SEEN = []

    def init(code_dir, **kwargs):
        SEEN.append(("init", code_dir, kwargs))

    def load_model(code_dir):
        SEEN.append(("load_model", code_dir))
        return list(SEEN)

    def score(data, model, **kwargs):
        raise AssertionError("not called")
    """
    code_dir = model_dir(tmp_path, custom)
    assert load(code_dir).artifact == [("init", str(code_dir), {}), ("load_model", str(code_dir))]


def test_transform_and_post_process_wrap_score(tmp_path: Path) -> None:
    custom = """
    import pandas as pd

    def transform(data, model):
        return data.assign(c=data["a"] * 10)

    def score(data, model, **kwargs):
        return pd.DataFrame({"Predictions": data["c"] + data["b"]})

    def post_process(predictions, model):
        return predictions * 2
    """
    # transform: c = 10, 20; score: 13.5, 24; post_process: 27, 48.
    assert load(model_dir(tmp_path, custom)).predict(FRAME).tolist() == [27.0, 48.0]


def test_custom_py_imports_a_helper_beside_it(tmp_path: Path) -> None:
    code_dir = model_dir(
        tmp_path,
        """
        import pandas as pd
        from drum_testing_helper_under_test import OFFSET

        def score(data, model, **kwargs):
            return pd.DataFrame({"Predictions": data["a"] + OFFSET})
        """,
    )
    (code_dir / "drum_testing_helper_under_test.py").write_text("OFFSET = 100\n")
    assert load(code_dir).predict(FRAME).tolist() == [101.0, 102.0]


def test_read_input_must_return_a_frame(tmp_path: Path) -> None:
    custom = """
    def read_input_data(input_binary_data):
        return input_binary_data.decode()

    def score(data, model, **kwargs):
        raise AssertionError("not called")
    """
    loaded = load(model_dir(tmp_path, custom))
    with pytest.raises(
        ModelOutputError, match=r"^read_input_data returned str, expected a DataFrame$"
    ):
        loaded.read_input(b"a,b\n1,2\n")


# --- pickled artifacts ----------------------------------------------------------------------

ARTIFACT_MODULE = "drum_testing_artifacts_under_test"
ARTIFACT_SOURCE = """
class Doubler:
    def predict(self, data):
        return data.iloc[:, 0] * 2.0


class Fixed:
    def __init__(self, row):
        self.row = row

    def predict_proba(self, data):
        return [self.row] * len(data)
"""


@pytest.fixture
def artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """An importable module of small model classes, so their instances can be pickled."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / f"{ARTIFACT_MODULE}.py").write_text(ARTIFACT_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(lib))
    return importlib.import_module(ARTIFACT_MODULE)


def pickled(code_dir: Path, model: object, name: str = "model.pkl") -> Path:
    (code_dir / name).write_bytes(pickle.dumps(model))
    return code_dir


def test_artifact_regression_without_custom_py(artifacts: ModuleType, tmp_path: Path) -> None:
    loaded = load(pickled(model_dir(tmp_path), artifacts.Doubler()))
    assert loaded.hooks == {}
    assert isinstance(loaded.artifact, artifacts.Doubler)
    assert loaded.predict(FRAME).tolist() == [2.0, 4.0]


def test_artifact_multiclass_in_class_label_order(artifacts: ModuleType, tmp_path: Path) -> None:
    code_dir = pickled(model_dir(tmp_path), artifacts.Fixed([0.5, 0.3, 0.2]))
    assert (
        load(code_dir, TargetType.MULTICLASS).predict(FRAME).tolist()
        == [{"red": 0.5, "green": 0.3, "blue": 0.2}] * 2
    )


def test_artifact_binary_column_order_matches_drum(artifacts: ModuleType, tmp_path: Path) -> None:
    code_dir = pickled(model_dir(tmp_path), artifacts.Fixed([0.2, 0.8]))
    assert (
        load(code_dir, TargetType.BINARY).predict(FRAME).tolist() == [{"yes": 0.8, "no": 0.2}] * 2
    )


def test_artifact_is_handed_to_score(artifacts: ModuleType, tmp_path: Path) -> None:
    custom = """
    import pandas as pd

    def score(data, model, **kwargs):
        return pd.DataFrame({"Predictions": model.predict(data) + 1})
    """
    loaded = load(pickled(model_dir(tmp_path, custom), artifacts.Doubler()))
    assert loaded.predict(FRAME).tolist() == [3.0, 5.0]


def test_two_artifacts_are_refused(artifacts: ModuleType, tmp_path: Path) -> None:
    code_dir = pickled(pickled(model_dir(tmp_path), artifacts.Doubler(), "a.pkl"), 1, "b.pkl")
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir)
    assert str(caught.value) == (  # DRUM's words
        "An error occurred when loading your artifact: \n\nRunning environment language: "
        "Python.\nMultiple serialized model files found. Remove extra artifacts or overwrite "
        "custom.load_model()\nList of retrieved files are: a.pkl | b.pkl"
    )
    assert caught.value.detail == f"{code_dir} holds several artifacts (a.pkl, b.pkl); keep one"


def test_load_model_wins_over_two_artifacts(tmp_path: Path) -> None:
    custom = """
    import pandas as pd

    def load_model(code_dir):
        return "from load_model"

    def score(data, model, **kwargs):
        return pd.DataFrame({"Predictions": [0.0] * len(data)})
    """
    code_dir = pickled(pickled(model_dir(tmp_path, custom), 1, "a.pkl"), 2, "b.pkl")
    assert load(code_dir).artifact == "from load_model"


# --- folders that cannot score --------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "custom", "artifact", "method"),
    [
        pytest.param(TargetType.REGRESSION, "def init(**kwargs): pass\n", None, "predict", id="r"),
        pytest.param(TargetType.ANOMALY, "X = 1\n", None, "predict", id="anomaly"),
        pytest.param(TargetType.BINARY, "X = 1\n", None, "predict_proba", id="binary"),
        pytest.param(TargetType.MULTICLASS, "X = 1\n", None, "predict_proba", id="multiclass"),
        pytest.param(TargetType.REGRESSION, None, {"not": "a model"}, "predict", id="dict-pkl"),
        pytest.param(
            TargetType.REGRESSION, "score = 3\n", None, "predict", id="score-not-callable"
        ),
    ],
)
def test_structured_without_score_or_artifact(
    target: TargetType, custom: str | None, artifact: object, method: str, tmp_path: Path
) -> None:
    code_dir = model_dir(tmp_path, custom)
    if artifact is not None:
        pickled(code_dir, artifact)
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir, target)
    assert caught.value.detail == (
        f"a {target.value} model needs a score hook in custom.py "
        f"or a model artifact with a {method}() method"
    )
    # DRUM's words: no artifact to load (no load_model hook), or nothing to score it with
    expected = messages.no_framework() if artifact is not None else messages.no_artifact(code_dir)
    assert str(caught.value) == expected


def test_a_chat_model_needs_no_score_hook(tmp_path: Path) -> None:
    custom = "def load_model(code_dir):\n    return 1\n\ndef chat(params, model):\n    return {}\n"
    loaded = load(model_dir(tmp_path, custom), TargetType.TEXT_GENERATION)
    assert loaded.supports_chat
    assert not loaded.scores_structured


def test_binary_artifact_without_predict_proba(artifacts: ModuleType, tmp_path: Path) -> None:
    code_dir = pickled(model_dir(tmp_path), artifacts.Doubler())
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir, TargetType.BINARY)
    assert str(caught.value) == messages.no_framework()
    assert str(caught.value.detail).endswith("with a predict_proba() method")


@pytest.mark.parametrize("custom", [scoring('pd.DataFrame({"Predictions": [1.0] * n})'), None])
def test_unstructured_without_score_unstructured(custom: str | None, tmp_path: Path) -> None:
    code_dir = model_dir(tmp_path, custom)
    if custom is None:
        pickled(code_dir, [1, 2, 3])
    with pytest.raises(ModelLoadError) as caught:
        load(code_dir, TargetType.UNSTRUCTURED)
    assert str(caught.value) == "In 'unstructured' mode hook 'score_unstructured' must be provided."
    assert str(caught.value.detail).startswith("an unstructured model needs a score_unstructured")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: m\ntargetType: binary\n", {"name": "m", "targetType": "binary"}),
        ("- a\n- b\n", {}),
        ("", {}),
        (None, {}),
    ],
)
def test_metadata_forms(text: str | None, expected: dict[str, Any], tmp_path: Path) -> None:
    code_dir = model_dir(tmp_path, scoring('pd.DataFrame({"Predictions": [1.0] * n})'))
    if text is not None:
        (code_dir / "model-metadata.yaml").write_text(text, encoding="utf-8")
    assert load(code_dir).metadata == expected


def test_invalid_metadata_is_a_load_error(tmp_path: Path) -> None:
    code_dir = model_dir(tmp_path, scoring('pd.DataFrame({"Predictions": [1.0] * n})'))
    (code_dir / "model-metadata.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"model-metadata\.yaml is not valid YAML"):
        load(code_dir)


# --- what score returns ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expression", "message"),
    [
        pytest.param(
            TargetType.REGRESSION,
            "[1.0] * n",
            "score must return a dataframe, but received <class 'list'>",
            id="list",
        ),
        pytest.param(
            TargetType.REGRESSION,
            'pd.Series([1.0] * n, name="Predictions")',
            f"score must return a dataframe, but received {pd.Series}",
            id="series",
        ),
        pytest.param(
            TargetType.REGRESSION,
            'pd.DataFrame({"Predictions": [1.0]})',
            "score returned 1 rows for 2 input rows",
            id="too-few-rows",
        ),
        pytest.param(
            TargetType.BINARY,
            'pd.DataFrame({"yes": [0.5] * 3, "no": [0.5] * 3})',
            "score returned 3 rows for 2 input rows",
            id="too-many-rows",
        ),
        pytest.param(
            TargetType.REGRESSION,
            'pd.DataFrame({"a": [1.0] * n, "b": [2.0] * n})',
            "score returned columns ['a', 'b']; "
            "a regression model returns one column 'Predictions'",
            id="two-columns",
        ),
        pytest.param(
            TargetType.REGRESSION,
            'pd.DataFrame({"Predictions": ["x"] * n})',
            "score returned non-numeric predictions: could not convert string to float: 'x'",
            id="non-numeric",
        ),
        pytest.param(
            TargetType.BINARY,
            'pd.DataFrame({"yes": [0.5] * n, "maybe": [0.5] * n})',
            "Expected predictions to have columns ['yes', 'no'], but encountered "
            f"{pd.Index(['yes', 'maybe'])}",
            id="wrong-labels",
        ),
        pytest.param(
            TargetType.MULTICLASS,
            'pd.DataFrame({"red": [0.5] * n, "green": [0.5] * n})',
            "Expected predictions to have columns ['red', 'green', 'blue'], but encountered "
            f"{pd.Index(['red', 'green'])}",
            id="missing-label",
        ),
        pytest.param(
            TargetType.BINARY,
            'pd.DataFrame({"yes": [0.5] * n, "no": [0.4] * n})',
            "Your prediction probabilities do not add up to 1. \n[[0.5 0.4]\n [0.5 0.4]]",
            id="sum-0.9",
        ),
        pytest.param(
            TargetType.MULTICLASS,
            'pd.DataFrame({"red": [0.5, None], "green": [0.3] * n, "blue": [0.2] * n})',
            "Your prediction probabilities do not add up to 1. \n[[nan 0.3 0.2]]",
            id="nan-probability",
        ),
    ],
)
def test_bad_score_output(
    target: TargetType, expression: str, message: str, tmp_path: Path
) -> None:
    loaded = load(model_dir(tmp_path, scoring(expression)), target)
    with pytest.raises(ModelOutputError) as caught:
        loaded.predict(FRAME)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("target", "expression", "expected"),
    [
        pytest.param(
            TargetType.REGRESSION,
            'pd.DataFrame({"score": [1, 2]})',
            [1.0, 2.0],
            id="one-column-any-name",
        ),
        pytest.param(
            TargetType.REGRESSION,
            'pd.DataFrame({"x": [9, 9], "Predictions": [1.5, 2.5]})',
            [1.5, 2.5],
            id="predictions-among-others",
        ),
        pytest.param(
            TargetType.BINARY,
            'pd.DataFrame({"no": [0.2] * n, "yes": [0.8004] * n})',
            [{"no": 0.2, "yes": 0.8004}] * 2,
            id="labels-reordered-within-tolerance",
        ),
    ],
)
def test_accepted_score_output(
    target: TargetType, expression: str, expected: list[Any], tmp_path: Path
) -> None:
    assert (
        load(model_dir(tmp_path, scoring(expression)), target).predict(FRAME).tolist() == expected
    )


def test_non_numeric_probabilities(tmp_path: Path) -> None:
    expression = 'pd.DataFrame({"yes": ["high"] * n, "no": ["low"] * n})'
    loaded = load(model_dir(tmp_path, scoring(expression)), TargetType.BINARY)
    with pytest.raises(ModelOutputError, match="non-numeric"):
        loaded.predict(FRAME)


# --- transform models -----------------------------------------------------------------------


def transform_model(tmp_path: Path, custom: str) -> Model:
    return load(model_dir(tmp_path, "import pandas as pd\n" + custom), TargetType.TRANSFORM)


def test_a_three_argument_hook_gets_the_target_and_the_target_comes_back(tmp_path: Path) -> None:
    model = transform_model(
        tmp_path,
        """
def transform(data, model, y):
    return pd.DataFrame({"seen": [-1 if y is None else int(y["t"].sum())] * len(data)})
""",
    )
    target = pd.DataFrame({"t": [1, 2]})
    features, returned = model.transform(FRAME, target)
    assert features["seen"].tolist() == [3, 3]
    assert returned is target  # DRUM transforms features only
    assert model.transform(FRAME, None)[0]["seen"].tolist() == [-1, -1]


def test_a_two_argument_hook_gets_data_and_model(tmp_path: Path) -> None:
    model = transform_model(
        tmp_path,
        """
def load_model(code_dir):
    return 10

def transform(data, model):
    return data * model
""",
    )
    features, target = model.transform(FRAME, pd.DataFrame({"t": [0, 1]}))
    assert features.to_dict("list") == {"a": [10, 20], "b": [35.0, 40.0]}
    assert target is not None


class SparseTransformer:
    """An artifact with transform(), as a scikit-learn transformer has (sparse output)."""

    def transform(self, data: pd.DataFrame) -> Any:
        from scipy.sparse import csr_matrix

        return csr_matrix(data.to_numpy())


def test_without_a_hook_the_artifacts_transform_runs_and_sparse_stays_sparse(
    tmp_path: Path,
) -> None:
    code_dir = model_dir(tmp_path)
    (code_dir / "model.pkl").write_bytes(pickle.dumps(SparseTransformer()))
    features, _ = load(code_dir, TargetType.TRANSFORM).transform(FRAME, None)
    assert all(isinstance(t, pd.SparseDtype) for t in features.dtypes)
    sparse: Any = features.sparse  # pandas-stubs types the accessor loosely
    assert sparse.to_dense().to_numpy().tolist() == [[1.0, 3.5], [2.0, 4.0]]


@pytest.mark.parametrize(
    ("returned", "problem"),
    [
        ("(data, y)", "transforming the target is not supported"),
        ("data.to_numpy()", "transform returned ndarray, expected a pandas DataFrame"),
        ("data.head(1)", "transform returned 1 rows for 2 input rows"),
    ],
)
def test_what_a_transform_hook_returns_is_checked(
    tmp_path: Path, returned: str, problem: str
) -> None:
    model = transform_model(tmp_path, f"def transform(data, model, y):\n    return {returned}\n")
    with pytest.raises(ModelOutputError, match=re.escape(problem)):
        model.transform(FRAME, None)


@pytest.mark.parametrize(
    ("custom", "problem"),
    [
        ("def load_model(code_dir):\n    return 1\n", "needs a transform hook in custom.py"),
        ("def transform(data):\n    return data\n", "must take 2 arguments"),
        ("def transform(data, model, y, extra):\n    return data\n", "it takes 4"),
    ],
)
def test_a_transform_model_that_cannot_transform_fails_at_load(
    tmp_path: Path, custom: str, problem: str
) -> None:
    with pytest.raises(ModelLoadError) as caught:
        transform_model(tmp_path, custom)
    assert problem in caught.value.describe()
