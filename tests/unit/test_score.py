"""batch.py: scoring bytes with a loaded model, and the bytes DRUM's ``drum score`` writes.

That these bytes are DRUM's own is checked against real DRUM in
tests/parity/test_drum_score.py; here, what each kind of model and input gives, in-process.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drum_testing import score as batch
from drum_testing.config.settings import TargetType
from drum_testing.errors import ModelOutputError
from drum_testing.model.model import Model
from drum_testing.payloads.predictions import Predictions
from tests.helpers.models import MODELS, settings_for

CSV = b"a,b\n1,2\n3,4.5\n,7\n"


pytestmark = pytest.mark.usefixtures("restore_imports")


def load(name: str, target: TargetType) -> Model:
    return Model.load(settings_for(MODELS / name, target))


def tiny_model(tmp_path: Path, custom: str, target: TargetType) -> Model:
    code_dir = tmp_path / "model"
    code_dir.mkdir()
    (code_dir / "custom.py").write_text(textwrap.dedent(custom))
    return Model.load(settings_for(code_dir, target))


def score(model: Model, data: bytes, **options: object) -> bytes:
    return batch.score_input(model, data, batch.ScoreOptions(**options))  # type: ignore[arg-type]


# --- structured -----------------------------------------------------------------------------


def test_regression_is_one_predictions_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert score(load("regression", TargetType.REGRESSION), CSV) == (
        b"Predictions\n3.0\n7.5\n7.0\n"
    )
    assert capsys.readouterr().out == "regression fixture scored 3 rows\n"  # the model's own


def test_binary_columns_are_the_labels_in_the_models_order() -> None:
    # The fixture returns (positive, negative): DRUM writes them in that order.
    output = score(load("binary", TargetType.BINARY), CSV)
    assert output == b"yes,no\n0.75,0.25\n0.75,0.25\n0.75,0.25\n"


def test_multiclass() -> None:
    output = score(load("multiclass", TargetType.MULTICLASS), b"a\n1\n")
    assert output == b"red,green,blue\n0.5,0.3,0.2\n"


def test_a_header_only_input_is_a_header_only_output() -> None:
    assert score(load("regression", TargetType.REGRESSION), b"a,b\n") == b"Predictions\n"


def test_one_column_blank_lines_stay_rows() -> None:
    output = score(load("column_a", TargetType.REGRESSION), b"a\n1\n\n3\n")
    assert output.splitlines() == [b"Predictions", b"1.0", b'""', b"3.0"]


@pytest.mark.parametrize(
    ("returned", "written"),
    [
        pytest.param('data["a"].astype("int64") * 10', [b"10", b"20"], id="int64"),
        pytest.param('(data["a"] / 10).astype("float32")', [b"0.1", b"0.2"], id="float32"),
        pytest.param('data["a"] > 1', [b"False", b"True"], id="bool"),
        pytest.param('data["a"] / 10', [b"0.1", b"0.2"], id="float64"),
    ],
)
def test_numbers_are_written_in_the_models_dtype(
    tmp_path: Path, returned: str, written: list[bytes]
) -> None:
    model = tiny_model(
        tmp_path,
        f"""
        import pandas as pd
        def score(data, model, **kwargs):
            return pd.DataFrame({{"Predictions": {returned}}})
        """,
        TargetType.REGRESSION,
    )
    assert score(model, b"a\n1\n2\n").splitlines() == [b"Predictions", *written]


def test_text_predictions_are_one_column_of_text() -> None:
    predictions = Predictions.as_returned(["hello, world", "second"])
    assert batch.predictions_csv(predictions) == b'Predictions\n"hello, world"\nsecond\n'


def test_mixed_classification_dtypes_are_written_as_their_common_dtype() -> None:
    frame = pd.DataFrame({"no": np.array([1, 0]), "yes": np.array([0.0, 1.0], dtype=np.float32)})
    values = frame.to_numpy(dtype=np.float64)
    predictions = Predictions.classification(values, ("no", "yes"), model_dtype=None)
    assert batch.predictions_csv(predictions) == b"no,yes\n1.0,0.0\n0.0,1.0\n"


def test_a_read_input_data_hook_gets_the_files_bytes() -> None:
    output = score(load("json_input", TargetType.REGRESSION), b'[{"x": 1}, {"x": 2.5}]')
    assert output == b"Predictions\n2.0\n5.0\n"


def test_a_mtx_file_is_read_as_sparse_with_its_column_names(tmp_path: Path) -> None:
    (tmp_path / "names.txt").write_bytes(b"a\nb\n")
    (tmp_path / "x.mtx").write_bytes(
        b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 2 4\n"
    )
    options = batch.ScoreOptions.for_file(tmp_path / "x.mtx", tmp_path / "names.txt")
    assert options.sparse
    data = (tmp_path / "x.mtx").read_bytes()
    output = batch.score_input(load("column_a", TargetType.REGRESSION), data, options)
    assert output == b"Predictions\n1.5\n0.0\n"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"", "no data: the CSV is empty", id="empty"),
        pytest.param(b"a,b\n1,2\n1,2,3\n", "the CSV cannot be parsed", id="not-csv"),
        pytest.param(b"a\n\xff\n", "not valid utf-8 text", id="not-utf-8"),
    ],
)
def test_input_that_cannot_be_read_is_an_input_error(data: bytes, problem: str) -> None:
    with pytest.raises(batch.InputError, match=problem) as caught:
        score(load("regression", TargetType.REGRESSION), data)
    assert not str(caught.value).startswith("ERROR")


def test_a_model_without_a_score_hook_is_an_input_error() -> None:
    with pytest.raises(batch.InputError, match="no score hook"):
        score(load("chat_only", TargetType.TEXT_GENERATION), CSV)


def test_the_models_own_errors_propagate() -> None:
    with pytest.raises(ValueError, match="model failed on purpose"):
        score(load("regression", TargetType.REGRESSION), b"fail\n1\n")


def test_an_answer_that_cannot_be_written_is_a_model_output_error(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        """
        def score(data, model, **kwargs):
            return [1.0]
        """,
        TargetType.REGRESSION,
    )
    with pytest.raises(ModelOutputError, match="score must return a dataframe"):
        score(model, b"a\n1\n")


# --- unstructured ---------------------------------------------------------------------------


def test_unstructured_text_is_decoded_and_written_back_as_it_is() -> None:
    model = load("unstructured", TargetType.UNSTRUCTURED)
    assert score(model, b"hello\r\nw\xc3\xb6rld") == b"hello\r\nw\xc3\xb6rld"


def test_unstructured_query_is_read_as_drum_reads_it() -> None:
    model = load("unstructured", TargetType.UNSTRUCTURED)
    assert score(model, b"hi", query="mode=upper") == b"HI"


def test_unstructured_binary_content_type_gives_the_hook_bytes() -> None:
    model = load("unstructured", TargetType.UNSTRUCTURED)
    data = b"\x00\xffraw"
    assert score(model, data, content_type="image/png", query="mode=bytes") == data


def test_unstructured_answer_is_encoded_in_its_charset() -> None:
    model = load("unstructured", TargetType.UNSTRUCTURED)
    query = "mimetype=text/plain&charset=latin-1"
    assert score(model, "h\u00e9".encode(), query=query) == "h\u00e9".encode("latin-1")


def test_unstructured_undecodable_text_is_an_input_error() -> None:
    model = load("unstructured", TargetType.UNSTRUCTURED)
    with pytest.raises(batch.InputError, match="not valid utf-8"):
        score(model, b"\xff")


@pytest.mark.parametrize("returned", ["None", '(None, {"mimetype": "text/plain"})'])
def test_unstructured_none_is_drums_sentence(tmp_path: Path, returned: str) -> None:
    model = tiny_model(
        tmp_path,
        f"""
        def score_unstructured(model, data, **kwargs):
            return {returned}
        """,
        TargetType.UNSTRUCTURED,
    )
    assert score(model, b"x") == batch.NONE_ANSWER.encode()


def test_unstructured_hook_gets_mimetype_charset_and_query_but_no_headers(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        """
        def score_unstructured(model, data, **kwargs):
            return repr(sorted(kwargs.items()))
        """,
        TargetType.UNSTRUCTURED,
    )
    output = score(model, b"x", query="a=1&a=2&b=")
    # DRUM's --query: dict(parse_qsl(...)): the last value wins, blank values are dropped.
    expected = [("charset", "utf-8"), ("mimetype", "text/plain"), ("query", {"a": "2"})]
    assert output == repr(expected).encode()


# --- files and stdout -----------------------------------------------------------------------


def test_read_file_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(batch.InputError, match=f"cannot read {missing}: No such file"):
        batch.read_file(missing)


def test_stdout_of_structured_output_is_the_frame_read_back() -> None:
    text = batch.stdout_text(b"yes,no\n0.75,0.25\n", TargetType.BINARY)
    assert text == str(pd.DataFrame({"yes": [0.75], "no": [0.25]}))
    assert text.splitlines() == ["    yes    no", "0  0.75  0.25"]


def test_stdout_of_unstructured_output_has_universal_newlines() -> None:
    assert batch.stdout_text(b"a\r\nb\rc\n", TargetType.UNSTRUCTURED) == "a\nb\nc\n"
