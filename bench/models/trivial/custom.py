"""The trivial pandas regression model the bench serves: a row's prediction is its sum.

Trivial on purpose: scoring costs next to nothing, so what the bench measures is the
server around the model (parsing, routing, the DataFrame round trip, JSON), which is the
part our server types differ in. ``bench.bare_apps.score_csv`` computes the same thing.
It uses DRUM's hooks only, so DRUM itself can serve it too (``--drum``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def load_model(code_dir: str) -> dict[str, float]:
    return {"offset": 0.0}


def score(data: pd.DataFrame, model: dict[str, float], **kwargs: Any) -> pd.DataFrame:
    numeric = data.select_dtypes("number")
    predictions: pd.DataFrame = pd.DataFrame({"Predictions": numeric.sum(axis=1) + model["offset"]})
    return predictions
