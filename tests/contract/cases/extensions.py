"""A model folder's server extension: ``custom_flask.py`` on the flask and gunicorn types
(and DRUM), ``custom_fastapi.py`` on fastapi; the fixture's two do the same."""

from __future__ import annotations

from tests.contract.bodies import CSV, TEXT_CSV
from tests.contract.case import OK, Case

TOKEN = {"Authorization": "Bearer let-me-in"}

CASES: tuple[Case, ...] = (
    Case("extension lets ping through", "extended", "GET", "/ping/", 200, json=OK),
    Case("extension lets / through", "extended", "GET", "/", 200, json=OK),
    Case(
        "extension 401 without token",
        "extended",
        "GET",
        "/capabilities/",
        401,
        json={"message": "ERROR: no Authorization header"},
        content_type="application/json",
    ),
    Case(
        "extension 401 wrong token",
        "extended",
        "POST",
        "/predict/",
        401,
        body=CSV,
        headers={**TEXT_CSV, "Authorization": "Bearer guess"},
        json={"message": "ERROR: wrong token"},
    ),
    Case(
        "extension predict with token",
        "extended",
        "POST",
        "/predict/",
        200,
        body=CSV,
        headers={**TEXT_CSV, **TOKEN},
        json={"predictions": [3.0, 7.0]},
    ),
    Case(
        "extension capabilities with token",
        "extended",
        "GET",
        "/capabilities/",
        200,
        headers=TOKEN,
    ),
    Case(
        "extension abort",
        "extended",
        "GET",
        "/capabilities/",
        403,
        headers={**TOKEN, "X-Forbid": "yes"},
        json={"message": "ERROR: 403 Forbidden: forbidden by the extension"},
    ),
    Case(
        "extension route",
        "extended",
        "GET",
        "/extension/",
        200,
        headers=TOKEN,
        json={"extended": True},
        content_type="application/json",
    ),
)
