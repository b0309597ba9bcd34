"""An example DRUM custom model: predicts a house price from its size and rooms.

Serve it with ``nox -s serve`` (or ``python -m drum_testing server --code-dir
examples/regression --target-type regression --address 127.0.0.1:8080``) and ask::

    curl -X POST --data-binary @examples/regression/houses.csv \\
         -H "Content-Type: text/csv" http://127.0.0.1:8080/predict/
"""

import pandas as pd


def load_model(code_dir):
    # A "trained" linear model: price = 50,000 + 2,000 per square metre + 10,000 per room.
    return {"intercept": 50_000.0, "sqm": 2_000.0, "rooms": 10_000.0}


def score(data, model, **kwargs):
    prices = model["intercept"] + model["sqm"] * data["sqm"] + model["rooms"] * data["rooms"]
    return pd.DataFrame({"Predictions": prices})
