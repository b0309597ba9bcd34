"""Transform: DRUM's multipart answer (X.format, X.transformed, ...)."""

from __future__ import annotations

from tests.contract.bodies import (
    CSV,
    MULTIPART_CSV,
    MULTIPART_SPARSE_NAMED,
    MULTIPART_WRONG_FIELD,
    MULTIPART_X_Y,
    SCALED,
    TEXT_CSV,
)
from tests.contract.case import Case

CASES: tuple[Case, ...] = (
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
)
