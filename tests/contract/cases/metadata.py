"""Liveness and metadata: /, /ping/, /health/, /info/, /capabilities/, /stats/, HEAD."""

from __future__ import annotations

from tests.contract.case import OK, Case

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
)
