"""``--deployment-config``: /predict/ in DataRobot's prediction API format, each target type.

The battery's ``pps ...`` models are fixture models served with a deployment document of
tests/fixtures/deployment (:data:`tests.contract.models.DEPLOYMENT_CONFIGS`).
"""

from __future__ import annotations

from typing import Any

from tests.contract.bodies import CSV, MULTIPART_CSV, SCALED, TEXT_CSV
from tests.contract.case import Case


def _single(label: Any, values: list[Any]) -> dict[str, Any]:
    """The answer of a single-column model: one row per value, labelled ``label``."""
    return {
        "data": [
            {"prediction": v, "predictionValues": [{"label": label, "value": v}], "rowId": n}
            for n, v in enumerate(values)
        ]
    }


def _predict(case_id: str, model: str, json: Any, body: bytes = CSV) -> Case:
    return Case(case_id, model, "POST", "/predict/", 200, body=body, headers=TEXT_CSV, json=json)


BINARY_ROW = {
    # class_mapping puts no before yes: yes is the positive class; 0.75 is not above 0.8.
    "prediction": "no",
    "predictionValues": [{"label": "yes", "value": 0.75}, {"label": "no", "value": 0.25}],
    "predictionThreshold": 0.8,
}
MULTICLASS_VALUES = [  # in class_mapping's order
    {"label": "blue", "value": 0.2},
    {"label": "green", "value": 0.3},
    {"label": "red", "value": 0.5},
]
MULTILABEL_VALUES = [
    {"label": "cat", "value": 0.9},
    {"label": "dog", "value": 0.8},
    {"label": "fish", "value": 0.1},
]

CASES: tuple[Case, ...] = (
    _predict("pps regression", "pps regression", _single("price", [3.0, 7.0])),
    *(
        Case(
            f"pps regression {path}",
            "pps regression",
            "POST",
            path,
            200,
            body=CSV,
            headers=TEXT_CSV,
            json=_single("price", [3.0, 7.0]),
        )
        for path in ("/predictions/", "/invocations")
    ),
    Case(
        "pps regression multipart",
        "pps regression",
        "POST",
        "/predict/",
        200,
        body=MULTIPART_CSV[0],
        headers=MULTIPART_CSV[1],
        json=_single("price", [3.0, 7.0]),
    ),
    _predict("pps header only", "pps regression", {"data": []}, body=b"a,b\n"),
    _predict("pps binary", "pps binary", {"data": [{**BINARY_ROW, "rowId": n} for n in range(2)]}),
    _predict(
        "pps multiclass",
        "pps multiclass",
        {
            "data": [
                {"prediction": "red", "predictionValues": MULTICLASS_VALUES, "rowId": n}
                for n in range(2)
            ]
        },
    ),
    _predict("pps anomaly", "pps anomaly", _single("Anomaly Score", [0.01, 0.03])),
    _predict(
        "pps multilabel",
        "pps multilabel",
        {
            "data": [
                {
                    "prediction": ["cat", "dog"],
                    "predictionValues": MULTILABEL_VALUES,
                    "predictionThreshold": 0.5,
                    "rowId": n,
                }
                for n in range(2)
            ]
        },
    ),
    _predict(
        "pps extra output",
        "pps extra output",
        {
            "data": [
                {**row, "extraModelOutput": {"reason": "row sum", "columns": 2}}
                for row in _single("price", [3.0, 7.0])["data"]
            ]
        },
    ),
    _predict("pps textgeneration", "pps textgeneration", _single("completion", ["1", "3"])),
    _predict("pps geopoint", "pps geopoint", _single("where", ["row 0", "row 1"])),
    _predict(
        "pps vectordatabase extra output",
        "pps vectordatabase",
        {"data": [{**_single("where", ["row 0"])["data"][0], "extraModelOutput": {"tokens": 5}}]},
        body=b"tokens\n5\n",
    ),
    # The routes that do not answer predictions are unchanged.
    Case(
        "pps unstructured unchanged",
        "pps unstructured",
        "POST",
        "/predictUnstructured/?mode=upper",
        200,
        body=b"hello",
        headers={"Content-Type": "text/plain"},
        content_type="text/plain; charset=utf-8",
    ),
    Case(
        "pps transform unchanged",
        "pps transform",
        "POST",
        "/transform/",
        200,
        body=CSV,
        headers=TEXT_CSV,
        parts={"X.format": b"csv", "X.transformed": SCALED},
    ),
)
