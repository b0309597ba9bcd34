"""The error server (``--with-error-server``) of a model that failed to load, as DRUM's:
513 with the load error on the liveness routes (so a probe sees the failure) and on the
scoring routes; the routes DRUM's error server has not (``/info/``, ``/stats/``, ...) 404.

Four ways to fail: ``load_model`` raises, ``custom.py`` raises on import, ``custom.py``
does not parse, and an artifact that does not unpickle.
"""

from __future__ import annotations

from tests.contract.bodies import CSV, TEXT_CSV
from tests.contract.case import Case
from tests.contract.models import ERROR_SERVER as ERROR_MODELS

CASES: tuple[Case, ...] = (
    *(
        Case(f"error server {model} GET {path}", model, "GET", path, 513)
        for model in ERROR_MODELS
        for path in ("/", "/ping/", "/ping", "/health/")
    ),
    *(
        Case(f"error server {model} POST /predict/", model, "POST", "/predict/", 513, body=CSV)
        for model in ERROR_MODELS
    ),
    *(
        Case(
            f"error server load_model_raises POST {path}",
            "load_model_raises",
            "POST",
            path,
            513,
            body=CSV,
            headers=TEXT_CSV,
            message="fails in load_model",
        )
        for path in (
            "/predictions/",
            "/invocations",
            "/transform/",
            "/predictUnstructured/",
            "/predictionsUnstructured/",
        )
    ),
    *(
        Case(f"error server load_model_raises GET {path}", "load_model_raises", "GET", path, 404)
        for path in ("/info/", "/stats/", "/capabilities/", "/models")
    ),
    Case(
        "error server load_model_raises POST /chat/completions",
        "load_model_raises",
        "POST",
        "/chat/completions",
        404,
        body=b"{}",
        headers={"Content-Type": "application/json"},
    ),
    Case("error server load_model_raises POST /ping/", "load_model_raises", "POST", "/ping/", 405),
    Case(
        "error server load_model_raises GET /health",
        "load_model_raises",
        "GET",
        "/health",
        308,
        expect_headers={"Location": "/health/"},
    ),
)
