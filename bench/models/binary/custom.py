"""The bench's binary model: P(yes) is a logistic of the row's numeric sum.

Trivial on purpose, like the regression model: what the bench measures is the server
around it, and a binary answer (one ``{label: probability}`` object per row) is the
heaviest JSON a server writes. DRUM's hooks only, so DRUM serves it too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def load_model(code_dir: str) -> dict[str, float]:
    return {"scale": 0.1}


def score(data: pd.DataFrame, model: dict[str, float], **kwargs: Any) -> pd.DataFrame:
    total = data.select_dtypes("number").sum(axis=1).to_numpy()
    positive = 1.0 / (1.0 + np.exp(-model["scale"] * total))
    frame: pd.DataFrame = pd.DataFrame(
        {kwargs["positive_class_label"]: positive, kwargs["negative_class_label"]: 1.0 - positive}
    )
    return frame
