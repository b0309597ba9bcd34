"""Every route, error rule and header of CONTRACT.md, through the core itself (no web
framework: :class:`~tests.helpers.core_client.CoreClient` hands requests to ``handle``)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from drum_testing.app.core import PredictionCore
from drum_testing.config.settings import Settings, TargetType
from drum_testing.http.messages import Request
from drum_testing.model.model import Model
from drum_testing.version import DRUM_VERSION, VERSION
from tests.helpers.core_client import CoreClient, assert_error
from tests.helpers.models import BINARY_LABELS, MODELS, MULTICLASS_LABELS, settings_for

CSV = "a,b\n1,2\n3,4\n"
ClientFactory = Callable[..., CoreClient]


@pytest.fixture
def make_client() -> ClientFactory:
    def make(model: str = "regression", target: str = "regression", **overrides: Any) -> CoreClient:
        settings = settings_for(MODELS / model, TargetType(target), **overrides)
        core = PredictionCore(settings, Model.load(settings), server_type="flask")
        return CoreClient(core)

    return make


@pytest.fixture
def client(make_client: ClientFactory) -> CoreClient:
    return make_client()


# --- liveness and metadata ------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/ping/", "/ping", "/health/"])
def test_liveness_routes_answer_ok(client: CoreClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_json() == {"message": "OK"}


def test_info_describes_the_model_and_the_server(make_client: ClientFactory) -> None:
    info = make_client("binary", "binary").get("/info/").get_json()
    assert info["drumServer"] == "flask"  # the app framework, as DRUM names it
    assert info["drumVersion"] == DRUM_VERSION  # the DRUM whose behaviour is served
    assert (info["drumTestingServer"], info["drumTestingVersion"]) == ("flask", VERSION)
    assert info["targetType"] == "binary"
    assert info["language"] == "python"
    assert info["codeDir"] == str(MODELS / "binary")
    assert (info["negativeClassLabel"], info["positiveClassLabel"]) == BINARY_LABELS


def test_info_carries_metadata_and_class_labels(make_client: ClientFactory) -> None:
    assert make_client().get("/info/").get_json()["modelMetadata"]["name"] == "regression-fixture"
    multi = make_client("multiclass", "multiclass").get("/info/").get_json()
    assert multi["classLabels"] == list(MULTICLASS_LABELS)


def test_capabilities_are_drums_exact_answer(make_client: ClientFactory) -> None:
    formats = {"csv": None, "mtx": None}
    plain = make_client().get("/capabilities/").get_json()
    assert plain == {"supported_payload_formats": formats, "supported_methods": {"chat": False}}
    chat = make_client("chat", "textgeneration").get("/capabilities/").get_json()
    assert chat == {"supported_payload_formats": formats, "supported_methods": {"chat": True}}


def test_info_is_null_where_drums_is(make_client: ClientFactory) -> None:
    # binary has no model-metadata.yaml, and a score hook (no artifact predictor).
    info = make_client("binary", "binary").get("/info/").get_json()
    assert (info["modelMetadata"], info["predictor"], info["language"]) == (None, None, "python")


def test_head_carries_the_length_its_get_has(client: CoreClient) -> None:
    for path in ("/ping/", "/info/", "/capabilities/"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code
        assert head.data == b""
        assert head.headers["Content-Length"] == str(len(got.data)) != "0"


def test_stats_count_predictions(client: CoreClient) -> None:
    assert client.get("/stats/").get_json()["predict_calls_count"] == 0
    client.post("/predict/", data=CSV, content_type="text/csv")
    stats = client.get("/stats/").get_json()
    assert stats["predict_calls_count"] == 1
    assert stats["time_info"]["run_predictor_total"]["count"] == 1
    assert stats["mem_info"]["drum_rss"] > 0


# --- structured scoring ---------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/predict/", "/predictions/", "/invocations"])
@pytest.mark.parametrize("content_type", ["text/csv", "text/plain", None])
def test_regression_predicts_from_a_raw_csv_body(
    client: CoreClient, path: str, content_type: str | None
) -> None:
    response = client.post(path, data=CSV, content_type=content_type)
    assert response.status_code == 200, response.data
    assert response.get_json() == {"predictions": [3.0, 7.0]}


def test_predicts_from_a_multipart_field_x(client: CoreClient) -> None:
    response = client.post("/predict/", data={"X": (io.BytesIO(CSV.encode()), "x.csv")})
    assert response.get_json() == {"predictions": [3.0, 7.0]}


def test_predicts_from_a_sparse_matrix_market_field(client: CoreClient) -> None:
    mtx = b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 2 4\n"
    response = client.post("/predict/", data={"X": (io.BytesIO(mtx), "x.mtx")})
    assert response.get_json() == {"predictions": [1.5, 4.0]}


def test_the_charset_of_the_content_type_is_honoured(client: CoreClient) -> None:
    body = "é,b\n1,2\n".encode("latin-1")
    response = client.post("/predict/", data=body, content_type="text/csv; charset=latin-1")
    assert response.get_json() == {"predictions": [3.0]}


@pytest.mark.parametrize(
    ("model", "target", "expected"),
    [
        ("binary", "binary", [{"yes": 0.75, "no": 0.25}] * 2),
        ("multiclass", "multiclass", [{"red": 0.5, "green": 0.3, "blue": 0.2}] * 2),
        ("anomaly", "anomaly", [0.01, 0.03]),
    ],
)
def test_each_structured_target_type(
    make_client: ClientFactory, model: str, target: str, expected: list[Any]
) -> None:
    response = make_client(model, target).post("/predict/", data=CSV, content_type="text/csv")
    assert response.get_json() == {"predictions": expected}


def test_read_input_data_makes_json_payloads_legal(make_client: ClientFactory) -> None:
    client = make_client("json_input", "regression")
    response = client.post("/predict/", json=[{"x": 1}, {"x": 2.5}])
    assert response.get_json() == {"predictions": [2.0, 5.0]}


# --- unstructured scoring -------------------------------------------------------------------
@pytest.fixture
def unstructured(make_client: ClientFactory) -> CoreClient:
    return make_client("unstructured", "unstructured")


@pytest.mark.parametrize("path", ["/predictUnstructured/", "/predictionsUnstructured/"])
def test_unstructured_text_goes_out_as_utf8_text(unstructured: CoreClient, path: str) -> None:
    response = unstructured.post(path + "?mode=upper", data="héllo", content_type="text/plain")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == "HÉLLO".encode()


def test_unstructured_hook_gets_decoded_text_and_its_kwargs(unstructured: CoreClient) -> None:
    response = unstructured.post(
        "/predictUnstructured/?mode=meta&k=1&k=2",
        data="ü".encode("latin-1"),
        content_type="text/csv; charset=latin-1",
        headers={"X-Fixture": "seen"},
    )
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.get_json() == {
        "type": "str",
        "mimetype": "text/csv",
        "charset": "latin-1",
        "query": {"mode": "meta", "k": "1"},
        "length": 1,
        "header": "seen",
    }


def test_unstructured_binary_payloads_stay_bytes(unstructured: CoreClient) -> None:
    payload = bytes(range(256))
    response = unstructured.post(
        "/predictUnstructured/?mode=meta", data=payload, content_type="application/octet-stream"
    )
    assert response.get_json()["type"] == "bytes"
    echoed = unstructured.post(
        "/predictUnstructured/?mode=bytes", data=payload, content_type="image/png"
    )
    assert echoed.headers["Content-Type"] == "application/octet-stream"
    assert echoed.data == payload


def test_unstructured_answer_takes_the_hooks_mimetype_and_charset(
    unstructured: CoreClient,
) -> None:
    response = unstructured.post(
        "/predictUnstructured/?mimetype=text/csv&charset=latin-1",
        data="é",
        content_type="text/plain",
    )
    assert response.headers["Content-Type"] == "text/csv; charset=latin-1"
    assert response.data == "é".encode("latin-1")


# --- chat -----------------------------------------------------------------------------------
def test_chat_answers_and_streams(make_client: ClientFactory) -> None:
    client = make_client("chat", "textgeneration")
    request = {"messages": [{"role": "user", "content": "abc"}]}
    for path in ("/chat/completions", "/v1/chat/completions"):
        answer = client.post(path, json=request).get_json()
        assert answer["choices"][0]["message"]["content"] == "cba"
    streamed = client.post("/v1/chat/completions", json={**request, "stream": True})
    assert streamed.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    events = [e for e in streamed.get_data(as_text=True).split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    contents = [
        json.loads(e[len("data: ") :])["choices"][0]["delta"]["content"] for e in events[:-1]
    ]
    assert "".join(contents) == "cba"
    models = client.get("/v1/models").get_json()
    assert models["object"] == "list"


def test_a_stream_that_fails_ends_with_an_error_event_and_done(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    client = make_client("chat", "textgeneration")
    closed = tmp_path / "closed"
    request = {
        "messages": [{"role": "user", "content": "abc"}],
        "stream": True,
        "fail_after": 1,
        "closed_file": str(closed),
    }
    events = [
        e for e in client.post("/chat/completions", json=request).get_data(True).split("\n\n") if e
    ]
    assert events[1:] == [
        'data: {"error":{"message":"RuntimeError: the stream failed on purpose",'
        '"type":"RuntimeError"}}',
        "data: [DONE]",
    ]
    assert closed.read_text() == "1"


def test_a_chat_only_textgeneration_model_loads_and_serves_unstructured(
    make_client: ClientFactory,
) -> None:
    client = make_client("chat_only", "textgeneration")
    answer = client.post("/chat/completions", json={"messages": [{"role": "user", "content": "a"}]})
    assert answer.get_json()["choices"][0]["message"]["content"] == "A"
    unstructured = client.post("/predictUnstructured/", data="hi", content_type="text/plain")
    assert (unstructured.status_code, unstructured.data) == (200, b"chat-only-fixture read hi")
    assert_error(
        client.post("/predict/", data=CSV, content_type="text/csv"), 422, "needs a score hook"
    )


def test_textgeneration_without_score_unstructured_is_422_there(
    make_client: ClientFactory,
) -> None:
    client = make_client("chat", "textgeneration")
    response = client.post("/predictUnstructured/", data="hi", content_type="text/plain")
    assert_error(response, 422, "score_unstructured")


def test_chat_with_invalid_json_is_400(make_client: ClientFactory) -> None:
    client = make_client("chat", "textgeneration")
    assert_error(
        client.post("/chat/completions", data="{not json", content_type="application/json"),
        400,
        "JSON",
    )


@pytest.mark.parametrize(
    ("method", "path", "says"), [("POST", "/chat/completions", "chat"), ("GET", "/models", "text")]
)
def test_chat_routes_on_a_model_without_chat_are_404(
    client: CoreClient, method: str, path: str, says: str
) -> None:
    assert_error(client.open(path, method=method, json={}), 404, says)


# --- error rules ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/nope", "/predict/extra", "/ping/x", "/PING/"])
def test_unknown_routes_are_json_404(client: CoreClient, path: str) -> None:
    assert_error(client.get(path), 404, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/predict/"),
        ("POST", "/ping/"),
        ("PUT", "/info/"),
        ("DELETE", "/predictUnstructured/"),
    ],
)
def test_wrong_method_is_405_with_allow(client: CoreClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert_error(response, 405, method)
    assert "Allow" in response.headers


def test_leading_double_slashes_read_as_one_as_werkzeug_does() -> None:
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    core = PredictionCore(settings, Model.load(settings), server_type="flask")
    assert core.handle(Request("GET", "//ping/")).status == 200
    assert core.handle(Request("GET", "/ping//")).status == 404


def test_head_is_allowed_where_get_is_and_has_no_body(client: CoreClient) -> None:
    response = client.head("/info/")
    assert response.status_code == 200
    assert response.data == b""


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/predict"), ("GET", "/info"), ("POST", "/predictUnstructured")]
)
def test_routes_without_their_slash_redirect_with_308(
    client: CoreClient, method: str, path: str
) -> None:
    response = client.open(path + "?x=1", method=method, data=CSV, content_type="text/csv")
    assert response.status_code == 308
    # Absolute, from the Host header, as werkzeug writes it (the client sends localhost).
    assert response.headers["Location"] == "http://localhost" + path + "/?x=1"


def test_a_method_the_route_does_not_take_is_not_redirected(client: CoreClient) -> None:
    assert_error(client.post("/info?x=1", data=CSV), 404, "/info")


def test_body_over_the_limit_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=16)
    assert_error(client.post("/predict/", data=CSV * 4, content_type="text/csv"), 413, "16 bytes")
    assert client.post("/predict/", data="a\n1\n", content_type="text/csv").status_code == 200


def test_a_body_that_does_not_fit_in_the_body_budget_is_503_with_retry_after(
    make_client: ClientFactory,
) -> None:
    client = make_client(max_body_bytes=64, body_budget_bytes=64)
    budget = client.core.body_budget
    assert budget.take(60)  # other bodies, being read
    response = client.post("/predict/", data=CSV, content_type="text/csv")
    assert_error(response, 503, "retry after 1 s")
    assert "body budget is 64 bytes" in response.get_json()["message"]
    assert "60 bytes of other bodies" in response.get_json()["detail"]
    assert response.headers["Retry-After"] == "1"
    assert budget.held == 60
    budget.give(60)
    assert client.post("/predict/", data=CSV, content_type="text/csv").status_code == 200
    assert budget.held == 0


def test_the_body_budget_is_sized_once_per_core(make_client: ClientFactory) -> None:
    assert make_client(body_budget_bytes=0).core.body_budget.limit is None  # no ceiling
    assert make_client(body_budget_bytes=2**30).core.body_budget.limit == 2**30
    sized = make_client().core.body_budget.limit  # auto: from this machine's memory
    assert sized is not None
    assert sized >= 100 * 2**20


def test_broken_multipart_is_400(client: CoreClient) -> None:
    response = client.post(
        "/predict/", data=b"--xyz\r\nnot a part", content_type="multipart/form-data; boundary=xyz"
    )
    assert_error(response, 400, "multipart")


@pytest.mark.parametrize(
    ("data", "content_type", "fragment"),
    [
        ("", "text/csv", "no data"),
        ("{}", "application/json", "application/json"),
        (b"\xff\xfe,\n1,2\n", "text/csv", "utf-8"),
        ('a,b\n1,2,3,4\n"unclosed', "text/csv", "CSV"),
    ],
)
def test_unreadable_structured_payloads_are_422(
    client: CoreClient, data: str | bytes, content_type: str, fragment: str
) -> None:
    assert_error(client.post("/predict/", data=data, content_type=content_type), 422, fragment)


def test_a_header_only_csv_is_zero_predictions(client: CoreClient) -> None:
    response = client.post("/predict/", data="a,b\n", content_type="text/csv")
    assert (response.status_code, response.get_json()) == (200, {"predictions": []})


def test_multipart_without_field_x_is_422(client: CoreClient) -> None:
    response = client.post("/predict/", data={"Y": (io.BytesIO(CSV.encode()), "y.csv")})
    assert_error(response, 422, "X")


def test_unstructured_text_that_does_not_decode_is_422(unstructured: CoreClient) -> None:
    response = unstructured.post(
        "/predictUnstructured/", data=b"\xff\xfe", content_type="text/plain"
    )
    assert_error(response, 422, "utf-8")


@pytest.mark.parametrize(
    ("model", "target", "path"),
    [
        ("regression", "regression", "/predictUnstructured/"),
        ("unstructured", "unstructured", "/predict/"),
        ("regression", "regression", "/transform/"),
    ],
)
def test_the_route_of_another_target_type_is_422(
    make_client: ClientFactory, model: str, target: str, path: str
) -> None:
    response = make_client(model, target).post(path, data=CSV, content_type="text/csv")
    assert_error(response, 422, target)


def test_a_raising_model_is_500_naming_the_exception_and_keeps_serving(client: CoreClient) -> None:
    response = client.post("/predict/", data="fail\n1\n", content_type="text/csv")
    assert_error(response, 500, "ValueError", "model failed on purpose")
    assert client.post("/predict/", data=CSV, content_type="text/csv").status_code == 200


def test_a_raising_unstructured_model_is_500(unstructured: CoreClient) -> None:
    response = unstructured.post("/predictUnstructured/?mode=fail", data="x")
    assert_error(response, 500, "RuntimeError", "on purpose")


@pytest.mark.parametrize(
    ("model", "target", "path", "data", "status", "text"),
    [
        ("regression", "regression", "/predict/", "http_error\n1\n", 418, "the model is a teapot"),
        (
            "unstructured",
            "unstructured",
            "/predictUnstructured/?mode=http_error",
            "x",
            409,
            "conflict raised by the model",
        ),
        (
            "unstructured",
            "unstructured",
            "/predictUnstructured/?mode=user_error",
            "x",
            400,
            "bad input, says the model",
        ),
    ],
)
def test_custom_http_error_answers_as_drum(
    make_client: ClientFactory,
    model: str,
    target: str,
    path: str,
    data: str,
    status: int,
    text: str,
) -> None:
    response = make_client(model, target).post(path, data=data, content_type="text/csv")
    assert response.status_code == status
    assert response.get_json() == {"message": text}  # as raised, as DRUM sends it
    assert response.headers["X-Drum-User-Http-Error"] == "true"


@pytest.fixture
def error_server(tmp_path: Path) -> CoreClient:
    """The core of a model that failed to load, as ``--with-error-server`` serves it."""
    settings = Settings(
        code_dir=tmp_path, target_type=TargetType.REGRESSION, with_error_server=True
    )
    core = PredictionCore(
        settings, None, server_type="flask", load_error="boom", load_detail="RuntimeError: boom"
    )
    return CoreClient(core)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        *(("GET", p) for p in ("/", "/ping/", "/ping", "/health/")),
        *(
            ("POST", p)
            for p in (
                "/predict/",
                "/predictions/",
                "/invocations",
                "/transform/",
                "/predictUnstructured/",
                "/predictionsUnstructured/",
            )
        ),
    ],
)
def test_the_error_server_answers_513_with_the_load_error_as_drum(
    error_server: CoreClient, method: str, path: str
) -> None:
    # Liveness too: a model that failed to load must not look healthy to a probe.
    response = error_server.open(path, method=method, data=CSV, content_type="text/csv")
    assert response.status_code == 513
    assert response.get_json() == {"message": "ERROR: boom", "detail": "RuntimeError: boom"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/info/"),
        ("GET", "/stats/"),
        ("GET", "/capabilities/"),
        ("GET", "/models"),
        ("POST", "/chat/completions"),
    ],
)
def test_the_error_server_has_no_other_route(
    error_server: CoreClient, method: str, path: str
) -> None:
    assert_error(error_server.open(path, method=method), 404, "RuntimeError: boom")


def test_the_error_server_keeps_drums_methods_and_slashes(error_server: CoreClient) -> None:
    head = error_server.open("/ping/", method="HEAD")
    assert (head.status_code, head.data) == (513, b"")
    assert error_server.post("/ping/").status_code == 405
    assert error_server.get("/predict/").status_code == 405
    assert error_server.get("/health").status_code == 308
    assert error_server.options("/ping/").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_model_that_fails_to_load_gives_its_error_text_to_the_error_server(
    tmp_path: Path,
) -> None:
    (tmp_path / "custom.py").write_text(
        "def load_model(code_dir):\n    raise ValueError('no model today')\n"
    )
    settings = Settings(
        code_dir=tmp_path, target_type=TargetType.REGRESSION, with_error_server=True
    )
    response = CoreClient(PredictionCore.load(settings)).get("/ping/")
    assert response.status_code == 513
    assert response.get_json()["message"].startswith("ERROR: ")
    assert "no model today" in response.get_json()["message"]
    assert "ValueError" in response.get_json()["detail"]


# --- headers and prefix ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/ping/"), ("GET", "/nope"), ("POST", "/predict/")]
)
def test_every_answer_carries_version_and_request_id(
    client: CoreClient, method: str, path: str
) -> None:
    fresh = client.open(path, method=method)
    assert fresh.headers["X-Drum-Version"] == DRUM_VERSION
    assert fresh.headers["X-Drum-Testing-Version"] == VERSION
    assert len(fresh.headers["X-Request-ID"]) >= 16
    assert fresh.headers["X_Request_ID"] == fresh.headers["X-Request-ID"]
    echoed = client.open(path, method=method, headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    assert echoed.headers["X_Request_ID"] == "abc-123"


def test_two_requests_get_different_request_ids(client: CoreClient) -> None:
    assert (
        client.get("/ping/").headers["X-Request-ID"] != client.get("/ping/").headers["X-Request-ID"]
    )


def test_url_prefix_moves_every_route(make_client: ClientFactory) -> None:
    client = make_client(url_prefix="/api/v1")
    assert client.get("/api/v1/ping/").status_code == 200
    assert client.post("/api/v1/predict/", data=CSV, content_type="text/csv").status_code == 200
    assert_error(client.get("/ping/"), 404)


def test_core_needs_a_model_or_a_load_error() -> None:
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    with pytest.raises(ValueError, match="model or the error"):
        PredictionCore(settings, None, server_type="flask")


def test_settings_are_not_mutated_by_serving(make_client: ClientFactory) -> None:
    settings = settings_for(MODELS / "regression", TargetType.REGRESSION)
    before = replace(settings)
    core = PredictionCore(settings, Model.load(settings), server_type="flask")
    CoreClient(core).post("/predict/", data=CSV, content_type="text/csv")
    assert core.settings == before


def test_options_names_the_methods_as_flask_does(client: CoreClient) -> None:
    response = client.options("/predict/")
    assert (response.status_code, response.data) == (200, b"")
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert client.post("/ping/").headers["Allow"] == "GET, HEAD, OPTIONS"
