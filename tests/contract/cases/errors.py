"""The error rules: statuses, messages, redirects, methods, the model's own errors."""

from __future__ import annotations

from tests.contract.bodies import (
    CSV,
    MULTIPART_WRONG_FIELD,
    TEXT_CSV,
)
from tests.contract.case import Case

CASES: tuple[Case, ...] = (
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
    # DRUM's 404 and words, when the request is JSON (DRUM reads the body first).
    Case(
        "404 chat without chat, JSON",
        "regression",
        "POST",
        "/chat/completions",
        404,
        body=b"{}",
        headers={"Content-Type": "application/json"},
        json={
            "message": "ERROR: This model's chat interface was called, but chat is not supported."
        },
    ),
    Case(
        "404 models without textgeneration",
        "regression",
        "GET",
        "/models",
        404,
        json={"message": "ERROR: get_supported_llm_models is supported only for TextGen models"},
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
    # The model's answer cannot be served: DRUM's words (data_marshalling.py).
    Case(
        "500 wrong class labels",
        "binary",
        "POST",
        "/predict/",
        500,
        body=b"wrong_labels\n1\n",
        headers=TEXT_CSV,
        message="Expected predictions to have columns",
    ),
    Case(
        "500 probabilities not adding up",
        "binary",
        "POST",
        "/predict/",
        500,
        body=b"not_one\n1\n",
        headers=TEXT_CSV,
        message="Your prediction probabilities do not add up to 1.",
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
