"""routes.py through the core client (no web framework): /transform/ and the routes around
a transform model, and the answers DRUM 1.18.1 gives in its own shape (/health/ with a
readiness probe, OpenAI's model list). The rest of the route table is tested in test_core.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.app.routes import ROUTES
from drum_testing.config.settings import TargetType
from drum_testing.http.content_type import ContentType
from drum_testing.http.multipart import parse_multipart
from drum_testing.model.model import LLM_ID_CREATED, Model
from drum_testing.payloads.structured import read_sparse
from tests.contract.bodies import multipart
from tests.helpers.core_client import Answer, CoreClient, assert_error
from tests.helpers.models import MODELS, settings_for

pytestmark = pytest.mark.usefixtures("restore_imports")

CSV = b"a,b\n1,2\n3,4.5\n"
MTX = b"%%MatrixMarket matrix coordinate real general\n2 3 3\n1 1 1.5\n2 2 4\n2 3 -2\n"
SCALED = b"a_x10,b_x10,rows_with_y\r\n10,20.0,-1\r\n30,45.0,-1"
OCTET = "application/octet-stream"


def client_for(code_dir: Path, target: TargetType = TargetType.TRANSFORM) -> CoreClient:
    settings = settings_for(code_dir, target)
    return CoreClient(PredictionCore(settings, Model.load(settings), server_type="flask"))


@pytest.fixture
def client() -> CoreClient:
    return client_for(MODELS / "transform")


def post_form(client: CoreClient, fields: Mapping[str, tuple[str, bytes]]) -> Answer:
    body, headers = multipart(fields)
    return client.post("/transform/", data=body, headers=headers)


def fields_of(response: Answer) -> dict[str, bytes]:
    """The answer's parts: name -> data; files must be named as their field, octet-stream."""
    assert response.status_code == 200, response.data
    files = parse_multipart(response.data, ContentType.parse(response.content_type))
    for name, part in files.items():
        if name.endswith(".format"):
            assert (part.filename, part.content_type.mimetype) == (None, "")
        else:
            assert (part.filename, part.content_type.mimetype) == (name, OCTET)
    return {name: part.data for name, part in files.items()}


@pytest.mark.parametrize("content_type", ["text/csv", "text/plain", None])
def test_a_csv_body_is_transformed(client: CoreClient, content_type: str | None) -> None:
    response = client.post("/transform/", data=CSV, content_type=content_type)
    assert response.content_type.startswith("multipart/form-data; boundary=")
    assert fields_of(response) == {"X.format": b"csv", "X.transformed": SCALED}


def test_the_same_request_gets_the_same_bytes(client: CoreClient) -> None:
    first = client.post("/transform/", data=CSV, content_type="text/csv")
    second = client.post("/transform/", data=CSV, content_type="text/csv")
    assert (first.content_type, first.data) == (second.content_type, second.data)


def test_a_target_is_given_to_the_hook_and_sent_back(client: CoreClient) -> None:
    response = post_form(client, {"X": ("x.csv", CSV), "y": ("y.csv", b"t\n1\n\n")})
    assert fields_of(response) == {
        "X.format": b"csv",
        "X.transformed": SCALED.replace(b"-1", b"2"),
        "y.format": b"csv",
        # One column: the blank line is a missing value, as DRUM reads it.
        "y.transformed": b't\r\n1.0\r\n""',
    }


def test_an_empty_target_is_no_target(client: CoreClient) -> None:
    response = post_form(client, {"X": ("x.csv", CSV), "y": ("y.csv", b"")})
    assert fields_of(response) == {"X.format": b"csv", "X.transformed": SCALED}


def test_a_target_without_a_file_name_counts(client: CoreClient) -> None:
    # DRUM reads y only from a file part (request.files) and drops a plain field silently.
    body = (
        b'--B\r\nContent-Disposition: form-data; name="X"; filename="x.csv"\r\n\r\n'
        + CSV
        + b'\r\n--B\r\nContent-Disposition: form-data; name="y"\r\n\r\nt\n0\n1\r\n--B--\r\n'
    )
    response = client.post(
        "/transform/", data=body, headers={"Content-Type": "multipart/form-data; boundary=B"}
    )
    assert fields_of(response)["y.transformed"] == b"t\r\n0\r\n1"


def test_sparse_input_gives_a_sparse_answer_with_column_names(client: CoreClient) -> None:
    response = post_form(
        client,
        {"X": ("x.mtx", MTX), "X.colnames": ("c", b"p\nq\nr\n"), "y": ("y.mtx", b"")},
    )
    fields = fields_of(response)
    assert list(fields) == ["X.format", "X.transformed", "X.colnames"]
    assert fields["X.format"] == b"sparse"
    # scipy writes the Matrix Market text (as under DRUM); its spelling of the numbers
    # changed in scipy 1.12, so the values are compared, not the text.
    matrix = read_sparse(fields["X.transformed"], None).to_numpy(dtype=float)
    assert matrix.tolist() == [[15.0, 0.0, 0.0], [0.0, 40.0, -20.0]]
    assert fields["X.colnames"] == b"p_x10\nq_x10\nr_x10"


def test_a_sparse_target_is_sent_back_as_csv(client: CoreClient) -> None:
    y = b"%%MatrixMarket matrix coordinate real general\n2 1 1\n1 1 3\n"
    response = post_form(client, {"X": ("x.csv", CSV), "y": ("y.mtx", y)})
    assert fields_of(response)["y.transformed"] == b"0\r\n3.0\r\n0.0"


def test_a_header_only_csv_is_a_transform_of_no_rows(client: CoreClient) -> None:
    # DRUM 1.18.1 answers 500 here (is_sparse looks at the first row, which is not there).
    response = client.post("/transform/", data=b"a,b\n", content_type="text/csv")
    # No rows: pandas reads a and b as text, which the fixture does not scale.
    assert fields_of(response) == {"X.format": b"csv", "X.transformed": b"rows_with_y"}


def test_transforms_count_in_stats(client: CoreClient) -> None:
    client.post("/transform/", data=CSV, content_type="text/csv")
    assert client.get("/stats/").get_json()["predict_calls_count"] == 1


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"fail\n1\n", 500, "ValueError: transform failed on purpose"),
        (b"tuple\n1\n", 500, "transforming the target is not supported"),
        (b"", 422, "no data"),
    ],
)
def test_errors_of_a_csv_body(client: CoreClient, body: bytes, status: int, fragment: str) -> None:
    assert_error(client.post("/transform/", data=body, content_type="text/csv"), status, fragment)


@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"Z": ("z.csv", CSV)}, 422, "form field named X"),
        ({"X": ("x.csv", b"")}, 422, "no data"),
        ({"X": ("x.csv", CSV), "y": ("y.csv", b'a\n"unclosed')}, 422, "CSV cannot be parsed"),
        ({"X": ("x.mtx", b"not a matrix")}, 422, "Matrix Market"),
    ],
)
def test_errors_of_a_form(
    client: CoreClient, fields: Mapping[str, tuple[str, bytes]], status: int, fragment: str
) -> None:
    assert_error(post_form(client, fields), status, fragment)


def test_a_payload_format_it_cannot_read_is_422(client: CoreClient) -> None:
    response = client.post("/transform/", data=b"{}", content_type="application/json")
    assert_error(response, 422, "application/json", "read_input_data")


@pytest.mark.parametrize("path", ["/predict/", "/predictions/", "/invocations"])
def test_predict_on_a_transform_model_is_drums_422(client: CoreClient, path: str) -> None:
    response = client.post(path, data=CSV, content_type="text/csv")
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "ERROR: This model has target type 'transform', use the /transform/ endpoint."
    )


def test_unstructured_on_a_transform_model_points_to_transform(client: CoreClient) -> None:
    response = client.post("/predictUnstructured/", data=CSV, content_type="text/csv")
    assert_error(response, 422, "transform models", "use /transform/")


@pytest.mark.parametrize(
    ("model", "target", "right"),
    [
        ("regression", TargetType.REGRESSION, "use /predict/"),
        ("unstructured", TargetType.UNSTRUCTURED, "use /predictUnstructured/"),
    ],
)
def test_transform_on_another_model_points_to_its_route(
    model: str, target: TargetType, right: str
) -> None:
    response = client_for(MODELS / model, target).post("/transform/", data=CSV)
    assert_error(response, 422, f"this is a {target.value} model", right)


def test_read_input_data_reads_x_but_never_y(tmp_path: Path) -> None:
    (tmp_path / "custom.py").write_text(
        textwrap.dedent(
            """
            import io
            import pandas as pd

            def read_input_data(data):
                return pd.read_csv(io.BytesIO(data.replace(b";", b",")))

            def transform(data, model):
                return data + 1
            """
        ),
        encoding="utf-8",
    )
    response = post_form(
        client_for(tmp_path), {"X": ("x.txt", b"a;b\n1;2\n"), "y": ("y.csv", b"t;u\n5;6\n")}
    )
    fields = fields_of(response)
    assert fields["X.transformed"] == b"a,b\r\n2,3"
    assert fields["y.transformed"] == b"t;u\r\n5;6"


def client_with(
    code_dir: Path, custom: str, target: TargetType = TargetType.REGRESSION
) -> CoreClient:
    """A client of a model whose ``custom.py`` is ``custom``."""
    (code_dir / "custom.py").write_text(textwrap.dedent(custom), encoding="utf-8")
    return client_for(code_dir, target)


SCORE = """
import pandas as pd

def score(data, model, **kwargs):
    return pd.DataFrame({"Predictions": [0.0] * len(data)})
"""


@pytest.mark.parametrize(
    ("probe", "status", "body"),
    [
        ("return {'message': 'warming up'}, 503", 503, {"message": "warming up"}),
        ("return {'message': 'ready'}, 200", 200, {"message": "ready"}),
        ("return {'ready': True}", 200, {"ready": True}),
    ],
)
def test_health_answers_the_models_readiness_probe(
    tmp_path: Path, probe: str, status: int, body: dict[str, object]
) -> None:
    custom = (
        SCORE
        + f"""
class Loaded:
    def readiness_probe(self):
        {probe}

def load_model(code_dir):
    return Loaded()
"""
    )
    response = client_with(tmp_path, custom).get("/health/")
    assert (response.status_code, response.get_json()) == (status, body)


def test_health_is_ok_without_a_probe(tmp_path: Path) -> None:
    custom = SCORE + "\ndef load_model(code_dir):\n    return 'model'\n"
    response = client_with(tmp_path, custom).get("/health/")
    assert (response.status_code, response.get_json()) == (200, {"message": "OK"})


def test_a_probe_that_answers_nonsense_is_the_models_500(tmp_path: Path) -> None:
    custom = (
        SCORE
        + """
class Loaded:
    def readiness_probe(self):
        return "yes"

def load_model(code_dir):
    return Loaded()
"""
    )
    client = client_with(tmp_path, custom)
    response = client.get("/health/")
    assert response.status_code == 500
    assert "readiness_probe" in response.get_json()["message"]
    assert client.get("/ping/").status_code == 200


CHAT = """
def load_model(code_dir):
    return "llm"

def chat(params, model):
    return {"object": "chat.completion", "choices": []}
"""


def test_models_is_empty_without_hook_or_llm_id(tmp_path: Path) -> None:
    response = client_with(tmp_path, CHAT, TargetType.TEXT_GENERATION).get("/v1/models")
    assert response.get_json() == {"object": "list", "data": []}


def test_models_names_the_llm_id_runtime_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_RUNTIME_PARAM_LLM_ID", '{"type": "string", "payload": "my-llm"}')
    response = client_with(tmp_path, CHAT, TargetType.TEXT_GENERATION).get("/models")
    assert response.get_json()["data"] == [
        {"id": "my-llm", "object": "model", "created": LLM_ID_CREATED, "owned_by": "DataRobot"}
    ]


def test_models_lists_what_the_hook_returns(tmp_path: Path) -> None:
    custom = (
        CHAT
        + """
class Entry:
    def to_dict(self):
        return {"id": "from-object", "object": "model"}

def get_supported_llm_models(model):
    return [Entry(), {"id": model, "object": "model"}]
"""
    )
    response = client_with(tmp_path, custom, TargetType.TEXT_GENERATION).get("/models")
    assert response.get_json()["data"] == [
        {"id": "from-object", "object": "model"},
        {"id": "llm", "object": "model"},
    ]


def test_models_is_404_for_other_target_types(tmp_path: Path) -> None:
    custom = SCORE + "\ndef load_model(code_dir):\n    return 'model'\n"
    response = client_with(tmp_path, custom).get("/models")
    assert response.status_code == 404
    assert response.get_json()["message"] == (
        "ERROR: get_supported_llm_models is supported only for TextGen models"
    )
    assert "textgeneration" in response.get_json()["detail"]


# --- the span of each route (OpenTelemetry; the spans themselves: tests/unit/telemetry) ------
def test_the_routes_drum_traces_name_drums_spans_and_no_other_route_has_one() -> None:
    spans = {path: route.span for path, route in ROUTES.items() if route.span is not None}
    assert spans == {
        "/predict/": "drum.invocations",
        "/predictions/": "drum.invocations",
        "/invocations": "drum.invocations",
        "/transform/": "drum.transform",
        "/predictUnstructured/": "drum.predictUnstructured",
        "/predictionsUnstructured/": "drum.predictUnstructured",
        "/chat/completions": "drum.chat.completions",
        "/v1/chat/completions": "drum.chat.completions",
    }
