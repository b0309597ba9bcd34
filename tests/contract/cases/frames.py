"""The frame a model gets is DRUM's: pandas.read_csv on the bytes, quirks included."""

from __future__ import annotations

from tests.contract.bodies import (
    CSV,
    TEXT_CSV,
    multipart,
)
from tests.contract.case import Case

CASES: tuple[Case, ...] = (
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
)
