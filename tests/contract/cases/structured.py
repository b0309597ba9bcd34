"""Structured scoring: /predict/ and its other names, every target type and input form."""

from __future__ import annotations

from tests.contract.bodies import (
    CSV,
    MULTIPART_CSV,
    MULTIPART_MTX,
)
from tests.contract.case import Case

CASES: tuple[Case, ...] = (
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
)
