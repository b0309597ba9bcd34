"""The contract battery: CONTRACT.md as data, one :class:`Case` per request and answer.

The functional tests run every case against the server type of their session; the parity
session runs every case against all three types and compares what they answered.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from drum_testing.multipart import parse_multipart
from drum_testing.payloads import ContentType, read_sparse
from drum_testing.transform_answer import OCTET_STREAM
from tests.conftest import BINARY_LABELS, MULTICLASS_LABELS, MULTILABEL_LABELS

REQUEST_ID = "contract-battery-request"
OUR_HEADERS = (
    "X-Drum-Version",
    "X-Request-ID",
    "X_Request_ID",
    "X-Drum-User-Http-Error",
    "Allow",
    "Location",
)
"""Headers of ours that every server type must send alike (Date, Server are the server's)."""

MODELS: Mapping[str, tuple[str, tuple[str, ...] | None]] = {
    # fixture folder: (target type, class labels as DrumServerRun takes them)
    "regression": ("regression", None),
    "binary": ("binary", BINARY_LABELS),
    "multiclass": ("multiclass", MULTICLASS_LABELS),
    "anomaly": ("anomaly", None),
    "unstructured": ("unstructured", None),
    "json_input": ("regression", None),
    "chat": ("textgeneration", None),
    "chat_only": ("textgeneration", None),
    "column_a": ("regression", None),
    "extra_output": ("regression", None),
    "multilabel": ("multilabel", MULTILABEL_LABELS),
    "geopoint": ("geopoint", None),
    "vectordatabase": ("vectordatabase", None),
    "agenticworkflow": ("agenticworkflow", None),
    "transform": ("transform", None),
}
FOLDERS: Mapping[str, str] = {
    # a model served as several target types: its name in MODELS -> its fixture folder
    "geopoint": "single_column",
    "vectordatabase": "single_column",
    "agenticworkflow": "single_column",
}
TARGET_NAME = "answer"
"""``TARGET_NAME`` of every server the battery starts (DRUM requires one of text generation,
vector database and agentic workflow models, and reads their prediction column from it)."""


def folder(model: str) -> str:
    """The fixture folder (under tests/fixtures/models) of a model of :data:`MODELS`."""
    return FOLDERS.get(model, model)


CSV = b"a,b\n1,2\n3,4\n"
BOUNDARY = "contract-boundary"


def multipart(fields: Mapping[str, tuple[str, bytes]]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body from ``{name: (filename, data)}``, byte for byte fixed."""
    parts = []
    for name, (filename, data) in fields.items():
        head = (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


MULTIPART_CSV = multipart({"X": ("x.csv", CSV)})
MULTIPART_MTX = multipart(
    {"X": ("x.mtx", b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 2 4\n")}
)
MULTIPART_WRONG_FIELD = multipart({"Y": ("y.csv", CSV)})
MULTIPART_X_Y = multipart({"X": ("x.csv", CSV), "y": ("y.csv", b"target\n0\n1\n")})
MULTIPART_SPARSE_NAMED = multipart(
    {
        "X": ("x.mtx", b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 2 1.5\n2 1 4\n"),
        "X.colnames": ("colnames", b"p\nq\n"),
    }
)
SCALED = b"a_x10,b_x10,rows_with_y\r\n10,20,-1\r\n30,40,-1"
"""The transform fixture's answer to CSV, as DRUM writes it: CRLF, no final line break."""
TEXT_CSV = {"Content-Type": "text/csv"}


@dataclass(frozen=True)
class Case:
    """One request of the contract and what the answer must be."""

    id: str
    model: str
    method: str
    path: str
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    """The exact JSON body expected, when given."""
    message: str | None = None
    """A fragment the error message must contain (the message starts with ``ERROR: ``)."""
    content_type: str | None = None
    expect_headers: Mapping[str, str] = field(default_factory=dict)
    parts: Mapping[str, bytes | list[list[float]]] | None = None
    """The exact parts of a multipart answer (/transform/), when given: name -> data, or
    the dense values of a Matrix Market part (its text is scipy's mmwrite's)."""


OK = {"message": "OK"}
CASES: tuple[Case, ...] = (
    # --- liveness and metadata
    *(Case(f"ping {p}", "regression", "GET", p, 200, json=OK) for p in ("/", "/ping/", "/ping")),
    Case("health", "regression", "GET", "/health/", 200, json=OK),
    Case(
        "capabilities",
        "regression",
        "GET",
        "/capabilities/",
        200,
        json={
            "supported_payload_formats": {"csv": None, "mtx": None},
            "supported_methods": {"chat": False},
        },
    ),
    Case(
        "capabilities chat",
        "chat",
        "GET",
        "/capabilities/",
        200,
        json={
            "supported_payload_formats": {"csv": None, "mtx": None},
            "supported_methods": {"chat": True},
        },
    ),
    # HEAD: no body, and the Content-Length its GET has ({"message":"OK"} is 16 bytes).
    Case("head ping", "regression", "HEAD", "/ping/", 200, expect_headers={"Content-Length": "16"}),
    Case(
        "options predict",
        "regression",
        "OPTIONS",
        "/predict/",
        200,
        expect_headers={"Allow": "OPTIONS, POST"},
    ),
    Case("stats", "regression", "GET", "/stats/", 200),
    Case("info", "binary", "GET", "/info/", 200),
    # --- structured scoring
    *(
        Case(
            f"regression {path} {ctype}",
            "regression",
            "POST",
            path,
            200,
            body=CSV,
            headers={"Content-Type": ctype} if ctype else {},
            json={"predictions": [3.0, 7.0]},
        )
        for path in ("/predict/", "/predictions/", "/invocations")
        for ctype in ("text/csv", "text/plain", "")
    ),
    Case(
        "multipart X",
        "regression",
        "POST",
        "/predict/",
        200,
        body=MULTIPART_CSV[0],
        headers=MULTIPART_CSV[1],
        json={"predictions": [3.0, 7.0]},
    ),
    Case(
        "sparse X",
        "regression",
        "POST",
        "/predict/",
        200,
        body=MULTIPART_MTX[0],
        headers=MULTIPART_MTX[1],
        json={"predictions": [1.5, 4.0]},
    ),
    Case(
        "charset",
        "regression",
        "POST",
        "/predict/",
        200,
        body="é,b\n1,2\n".encode("latin-1"),
        headers={"Content-Type": "text/csv; charset=latin-1"},
        json={"predictions": [3.0]},
    ),
    # --- the frame the model gets is DRUM's (pandas.read_csv on the bytes)
    *(
        Case(
            f"csv {what}",
            "column_a",
            "POST",
            "/predict/",
            200,
            body=body,
            headers=TEXT_CSV,
            json={"predictions": predictions},
        )
        for what, body, predictions in (
            # "CSV UTF-8" as spreadsheet programs save it: the BOM is not in the column name.
            ("utf-8 bom", b"\xef\xbb\xbfa,b\n1,2\n3,4\n", [1.0, 3.0]),
            ("utf-8 bom crlf", b"\xef\xbb\xbfa,b\r\n1.5,2\r\n3,4\r\n", [1.5, 3.0]),
            # One column: a blank line is a missing value, so no row is lost or shifted.
            ("one column blank line", b"a\n1\n\n3\n", [1.0, None, 3.0]),
            ("several columns blank line", b"a,b\n1,2\n\n3,4\n", [1.0, 3.0]),
        )
    ),
    Case(
        "multipart X utf-8 bom",
        "column_a",
        "POST",
        "/predict/",
        200,
        body=multipart({"X": ("x.csv", b"\xef\xbb\xbfa\n1\n\n3\n")})[0],
        headers=multipart({"X": ("x.csv", b"")})[1],
        json={"predictions": [1.0, None, 3.0]},
    ),
    Case(
        "binary",
        "binary",
        "POST",
        "/predict/",
        200,
        body=CSV,
        headers=TEXT_CSV,
        json={"predictions": [{"yes": 0.75, "no": 0.25}] * 2},
    ),
    Case(
        "multiclass",
        "multiclass",
        "POST",
        "/predict/",
        200,
        body=CSV,
        headers=TEXT_CSV,
        json={"predictions": [{"red": 0.5, "green": 0.3, "blue": 0.2}] * 2},
    ),
    Case(
        "anomaly",
        "anomaly",
        "POST",
        "/predict/",
        200,
        body=CSV,
        headers=TEXT_CSV,
        json={"predictions": [0.01, 0.03]},
    ),
    Case(
        "regression float digits",
        "regression",
        "POST",
        "/predict/",
        200,
        body=b"a,b\n0.1,0.2\n1,0.3333333333333333\n",
        headers=TEXT_CSV,
        json={"predictions": [0.30000000000000004, 1.3333333333333333]},
    ),
    Case(
        "extra model output",
        "extra_output",
        "POST",
        "/predict/",
        200,
        body=CSV,
        headers=TEXT_CSV,
        json={
            "predictions": [3.0, 7.0],
            "extraModelOutput": {
                "columns": ["reason", "columns"],
                "index": [0, 1],
                "data": [["row sum", 2], ["row sum", 2]],
            },
        },
    ),
    Case(
        "multilabel",
        "multilabel",
        "POST",
        "/predict/",
        200,
        body=CSV,
        headers=TEXT_CSV,
        json={"predictions": [{"cat": 0.9, "dog": 0.8, "fish": 0.1}] * 2},
    ),
    Case(
        "multilabel extra output",
        "multilabel",
        "POST",
        "/predict/",
        200,
        body=b"note\nhi\n",
        headers=TEXT_CSV,
        json={
            "predictions": [{"cat": 0.9, "dog": 0.8, "fish": 0.1}],
            "extraModelOutput": {"columns": ["note"], "index": [0], "data": [["hi"]]},
        },
    ),
    Case("info multilabel", "multilabel", "GET", "/info/", 200),
    *(
        Case(
            f"{model} as returned",
            model,
            "POST",
            "/predict/",
            200,
            body=CSV,
            headers=TEXT_CSV,
            json={"predictions": ["row 0", "row 1"]},
        )
        for model in ("geopoint", "vectordatabase", "agenticworkflow")
    ),
    *(
        Case(
            f"{model} extra output",
            model,
            "POST",
            "/predict/",
            200,
            body=b"tokens\n5\n",
            headers=TEXT_CSV,
            json={
                "predictions": ["row 0"],
                "extraModelOutput": {"columns": ["tokens"], "index": [0], "data": [[5]]},
            },
        )
        for model in ("vectordatabase", "agenticworkflow")
    ),
    Case(
        "read_input_data",
        "json_input",
        "POST",
        "/predict/",
        200,
        body=b'[{"x": 1}, {"x": 2.5}]',
        headers={"Content-Type": "application/json"},
        json={"predictions": [2.0, 5.0]},
    ),
    # --- transform: DRUM's multipart answer (X.format, X.transformed, ...)
    *(
        Case(
            f"transform {what}",
            "transform",
            "POST",
            "/transform/",
            200,
            body=body,
            headers=headers,
            parts={"X.format": b"csv", "X.transformed": SCALED},
        )
        for what, body, headers in (
            ("csv", CSV, TEXT_CSV),
            ("no content type", CSV, {}),
            ("multipart X", *MULTIPART_CSV),
        )
    ),
    Case(
        "transform multipart X y",
        "transform",
        "POST",
        "/transform/",
        200,
        body=MULTIPART_X_Y[0],
        headers=MULTIPART_X_Y[1],
        parts={
            "X.format": b"csv",
            "X.transformed": SCALED.replace(b"-1", b"2"),  # the hook saw y's 2 rows
            "y.format": b"csv",
            "y.transformed": b"target\r\n0\r\n1",
        },
    ),
    Case(
        "transform sparse",
        "transform",
        "POST",
        "/transform/",
        200,
        body=MULTIPART_SPARSE_NAMED[0],
        headers=MULTIPART_SPARSE_NAMED[1],
        parts={
            "X.format": b"sparse",
            "X.transformed": [[0.0, 15.0], [40.0, 0.0]],
            "X.colnames": b"p_x10\nq_x10",
        },
    ),
    # DRUM 1.18.1 answers 500 (it looks for a first row); no rows in, no rows out.
    Case(
        "transform header only",
        "transform",
        "POST",
        "/transform/",
        200,
        body=b"a,b\n",
        headers=TEXT_CSV,
        parts={"X.format": b"csv", "X.transformed": b"rows_with_y"},
    ),
    Case(
        "422 transform no field X",
        "transform",
        "POST",
        "/transform/",
        422,
        body=MULTIPART_WRONG_FIELD[0],
        headers=MULTIPART_WRONG_FIELD[1],
        message="X",
    ),
    Case(
        "500 transform raised",
        "transform",
        "POST",
        "/transform/",
        500,
        body=b"fail\n1\n",
        headers=TEXT_CSV,
        message="ValueError: transform failed on purpose",
    ),
    *(
        Case(
            f"422 transform model {path}",
            "transform",
            "POST",
            path,
            422,
            body=CSV,
            headers=TEXT_CSV,
            json={
                "message": "ERROR: This model has target type 'transform', "
                "use the /transform/ endpoint."
            },
        )
        for path in ("/predict/", "/predictions/", "/invocations")
    ),
    Case(
        "422 transform model unstructured",
        "transform",
        "POST",
        "/predictUnstructured/",
        422,
        body=CSV,
        headers=TEXT_CSV,
        message="use /transform/",
    ),
    # --- unstructured scoring
    *(
        Case(
            f"unstructured {p}",
            "unstructured",
            "POST",
            p + "?mode=upper",
            200,
            body="héllo".encode(),
            headers={"Content-Type": "text/plain"},
            content_type="text/plain; charset=utf-8",
        )
        for p in ("/predictUnstructured/", "/predictionsUnstructured/")
    ),
    Case(
        "unstructured meta",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=meta&k=1",
        200,
        body="ü".encode("latin-1"),
        headers={"Content-Type": "text/csv; charset=latin-1", "X-Fixture": "seen"},
        json={
            "type": "str",
            "mimetype": "text/csv",
            "charset": "latin-1",
            "query": {"mode": "meta", "k": "1"},
            "length": 1,
            "header": "seen",
        },
    ),
    Case(
        "unstructured bytes",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=bytes",
        200,
        body=bytes(range(256)),
        headers={"Content-Type": "image/png"},
        content_type="application/octet-stream",
    ),
    # --- chat
    Case(
        "chat",
        "chat",
        "POST",
        "/v1/chat/completions",
        200,
        body=b'{"messages": [{"role": "user", "content": "abc"}]}',
        headers={"Content-Type": "application/json"},
    ),
    Case(
        "chat streamed",
        "chat",
        "POST",
        "/chat/completions",
        200,
        body=b'{"stream": true, "messages": [{"role": "user", "content": "ab"}]}',
        headers={"Content-Type": "application/json"},
        content_type="text/event-stream; charset=utf-8",
    ),
    Case("chat models", "chat", "GET", "/v1/models", 200),
    # A chat model needs no score hook; text generation is served at /predictUnstructured/.
    Case(
        "chat only",
        "chat_only",
        "POST",
        "/chat/completions",
        200,
        body=b'{"messages": [{"role": "user", "content": "abc"}]}',
        headers={"Content-Type": "application/json"},
        json={
            "object": "chat.completion",
            "model": "chat-only-fixture",
            "choices": [{"message": {"role": "assistant", "content": "ABC"}}],
        },
    ),
    Case(
        "textgeneration unstructured",
        "chat_only",
        "POST",
        "/predictUnstructured/",
        200,
        body=b"hi",
        headers={"Content-Type": "text/plain"},
        content_type="text/plain; charset=utf-8",
    ),
    Case(
        "422 textgeneration without score_unstructured",
        "chat",
        "POST",
        "/predictUnstructured/",
        422,
        body=b"hi",
        headers={"Content-Type": "text/plain"},
        message="score_unstructured",
    ),
    Case(
        "422 chat only predict",
        "chat_only",
        "POST",
        "/predict/",
        422,
        body=CSV,
        headers=TEXT_CSV,
        message="needs a score hook",
    ),
    # --- error rules
    *(
        Case(f"404 {p}", "regression", "GET", p, 404, message=p)
        for p in ("/nope", "/predict/extra", "/PING/")
    ),
    Case(
        "404 chat without chat",
        "regression",
        "POST",
        "/chat/completions",
        404,
        body=b"{}",
        message="chat",
    ),
    *(
        Case(f"405 {m} {p}", "regression", m, p, 405, message=m)
        for m, p in (
            ("GET", "/predict/"),
            ("POST", "/ping/"),
            ("PUT", "/info/"),
            ("DELETE", "/predictUnstructured/"),
        )
    ),
    # Location is absolute (werkzeug's, so DRUM's); observe() drops the server's own address.
    *(
        Case(
            f"308 {m} {p}",
            "regression",
            m,
            p + "?x=1",
            308,
            body=CSV,
            headers=TEXT_CSV,
            expect_headers={"Location": p + "/?x=1"},
        )
        for m, p in (("POST", "/predict"), ("GET", "/info"))
    ),
    Case("404 POST /info", "regression", "POST", "/info", 404, body=CSV, headers=TEXT_CSV),
    Case(
        "400 broken multipart",
        "regression",
        "POST",
        "/predict/",
        400,
        body=b"--xyz\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        message="multipart",
    ),
    Case(
        "400 chat invalid json",
        "chat",
        "POST",
        "/chat/completions",
        400,
        body=b"{not json",
        headers={"Content-Type": "application/json"},
        message="JSON",
    ),
    Case("422 empty", "regression", "POST", "/predict/", 422, headers=TEXT_CSV, message="no data"),
    Case(
        "422 format",
        "regression",
        "POST",
        "/predict/",
        422,
        body=b"{}",
        headers={"Content-Type": "application/json"},
        message="application/json",
    ),
    Case(
        "422 charset",
        "regression",
        "POST",
        "/predict/",
        422,
        body=b"\xff\xfe,\n1,2\n",
        headers=TEXT_CSV,
        message="utf-8",
    ),
    Case(
        "422 bad csv",
        "regression",
        "POST",
        "/predict/",
        422,
        body=b'a,b\n1,2,3,4\n"unclosed',
        headers=TEXT_CSV,
        message="CSV",
    ),
    *(
        Case(
            f"header only {model}",
            model,
            "POST",
            "/predict/",
            200,
            body=b"a,b\n",
            headers=TEXT_CSV,
            json={"predictions": []},
        )
        for model in ("regression", "binary", "multiclass", "anomaly", "column_a")
    ),
    Case(
        "422 no field X",
        "regression",
        "POST",
        "/predict/",
        422,
        body=MULTIPART_WRONG_FIELD[0],
        headers=MULTIPART_WRONG_FIELD[1],
        message="X",
    ),
    Case(
        "422 text charset",
        "unstructured",
        "POST",
        "/predictUnstructured/",
        422,
        body=b"\xff\xfe",
        headers={"Content-Type": "text/plain"},
        message="utf-8",
    ),
    Case(
        "422 unstructured route",
        "regression",
        "POST",
        "/predictUnstructured/",
        422,
        body=CSV,
        headers=TEXT_CSV,
        message="regression",
    ),
    Case(
        "422 structured route",
        "unstructured",
        "POST",
        "/predict/",
        422,
        body=CSV,
        headers=TEXT_CSV,
        message="unstructured",
    ),
    Case(
        "422 transform route",
        "regression",
        "POST",
        "/transform/",
        422,
        body=CSV,
        headers=TEXT_CSV,
        message="transform",
    ),
    Case(
        "500 model raised",
        "regression",
        "POST",
        "/predict/",
        500,
        body=b"fail\n1\n",
        headers=TEXT_CSV,
        message="ValueError: model failed on purpose",
    ),
    Case(
        "500 unstructured raised",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=fail",
        500,
        body=b"x",
        message="RuntimeError",
    ),
    # DRUM's CustomHTTPError(message, status_code=400): the message as raised, no "ERROR: ".
    Case(
        "418 CustomHTTPError",
        "regression",
        "POST",
        "/predict/",
        418,
        body=b"http_error\n1\n",
        headers=TEXT_CSV,
        json={"message": "the model is a teapot"},
        expect_headers={"X-Drum-User-Http-Error": "true"},
    ),
    Case(
        "409 CustomHTTPError",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=http_error",
        409,
        body=b"x",
        json={"message": "conflict raised by the model"},
        expect_headers={"X-Drum-User-Http-Error": "true"},
    ),
    Case(
        "400 CustomHTTPError default status",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=user_error",
        400,
        body=b"x",
        json={"message": "bad input, says the model"},
        expect_headers={"X-Drum-User-Http-Error": "true"},
    ),
)


@dataclass(frozen=True)
class Observed:
    """What a server answered, reduced to what must be equal across server types."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: Any


def send(base_url: str, case: Case) -> requests.Response:
    """Send the case's request (redirects are not followed: a 308 is an answer here)."""
    headers = {"X-Request-ID": REQUEST_ID, **case.headers}
    return requests.request(
        case.method,
        base_url + case.path,
        data=case.body,
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def observe(response: requests.Response) -> Observed:
    content_type = response.headers.get("Content-Type", "")
    body: Any = response.content
    if content_type.startswith("application/json") and response.content:  # HEAD: none
        body = response.json()
        if isinstance(body, dict) and "mem_info" in body:  # /stats/: figures vary, keys don't
            body = {key: sorted(value) for key, value in body.items() if isinstance(value, dict)}
    ours = {name: response.headers[name] for name in OUR_HEADERS if name in response.headers}
    if "Location" in ours:  # absolute: this server's own address is not part of the answer
        own = urllib.parse.urlsplit(response.url)
        ours["Location"] = ours["Location"].removeprefix(f"{own.scheme}://{own.netloc}")
    return Observed(response.status_code, content_type, ours, body)


def check(case: Case, response: requests.Response) -> None:
    """Assert that ``response`` is what the contract says ``case`` gets."""
    assert response.status_code == case.status, (case.id, response.status_code, response.text)
    seen = observe(response)
    assert seen.headers["X-Request-ID"] == REQUEST_ID
    assert seen.headers["X_Request_ID"] == REQUEST_ID
    assert "X-Drum-Version" in seen.headers
    for name, value in case.expect_headers.items():
        got = seen.headers.get(name) if name in OUR_HEADERS else response.headers.get(name)
        assert got == value, (name, response.headers)
    if case.method == "HEAD":
        assert response.content == b""
    if case.content_type is not None:
        assert seen.content_type == case.content_type
    if case.json is not None:
        assert seen.body == case.json
    if case.parts is not None:
        assert seen.content_type.startswith("multipart/form-data; boundary=")
        assert decode_parts(seen.content_type, response.content) == case.parts
    if case.status >= 400:
        assert seen.content_type == "application/json"
        text = response.json()["message"]
        # Our errors start with "ERROR: "; a model's CustomHTTPError is its message as raised.
        assert text.startswith("ERROR: ") or "X-Drum-User-Http-Error" in seen.headers
        assert case.message is None or case.message in text, text


def decode_parts(content_type: str, body: bytes) -> dict[str, bytes | list[list[float]]]:
    """A /transform/ answer's parts, name -> data, as our request parser reads them. Each
    is DRUM's kind: a ``.format`` is a plain value, the rest files of their own name, of
    type application/octet-stream. A sparse X.transformed is given as its dense values."""
    files = parse_multipart(body, ContentType.parse(content_type))
    decoded: dict[str, bytes | list[list[float]]] = {}
    for name, part in files.items():
        kind = (part.filename, part.content_type.mimetype)
        assert kind == ((None, "") if name.endswith(".format") else (name, OCTET_STREAM)), name
        decoded[name] = part.data
    if decoded.get("X.format") == b"sparse":
        sparse: Any = read_sparse(files["X.transformed"].data, None).sparse  # stubs: loose
        decoded["X.transformed"] = sparse.to_dense().to_numpy().tolist()
    return decoded


def decode_events(body: bytes) -> list[Any]:
    """The JSON payloads of a server-sent-events body, ``[DONE]`` as the string."""
    events = [e for e in body.decode().split("\n\n") if e]
    return [e[6:] if e == "data: [DONE]" else json.loads(e[6:]) for e in events]
