"""``--deployment-config FILE``: the target section of a DataRobot deployment document.

With it, ``/predict/`` answers in DataRobot's prediction API format instead of DRUM's own
(:mod:`drum_testing.payloads.prediction_api` writes it). The file is JSON, as DataRobot
writes it for a deployment; DRUM 1.18.1 reads only its ``target`` section::

    {"target": {"name": "price", "type": "Regression", "class_mapping": null,
                "prediction_threshold": 0.5}}

- ``name``: the label of a single-column prediction (regression, text generation, geo point,
  vector database, agentic workflow; an anomaly model's label is always ``Anomaly Score``);
- ``class_mapping``: ``[[label, index], ...]`` of a classification model; sorted by index,
  the labels are the order of ``predictionValues``, and a binary model's positive class is
  the second;
- ``prediction_threshold``: a binary or multilabel model's decision threshold.

The file is read once at start-up (:func:`read_deployment_config`, the option's converter)
and checked against the model's target type and labels (:meth:`DeploymentConfig.check`,
when the settings are built):
what DRUM finds missing only when each request fails is a one-line error before serving.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANOMALY_LABEL = "Anomaly Score"
"""The label of an anomaly model's prediction, whatever the file's ``name`` (DRUM's)."""
# Target types by their value (settings.py imports this module for its field's type).
NAMED = frozenset({"regression", "textgeneration", "geopoint", "vectordatabase", "agenticworkflow"})
"""Target types whose one prediction is labelled with the target's ``name``."""
THRESHOLDED = frozenset({"binary", "multilabel"})
"""Target types that decide with ``prediction_threshold``."""
UNAFFECTED = frozenset({"unstructured", "transform"})
"""Target types without a ``/predict/`` answer, which the file cannot change."""


@dataclass(frozen=True)
class DeploymentConfig:
    """The ``target`` section of a deployment document, as read (not yet checked)."""

    path: Path
    name: Any = None
    """``target.name`` as given (a string, or null)."""
    has_name: bool = False
    class_names: tuple[str, ...] | None = None
    """``class_mapping``'s labels, sorted by their index; None when it is null or absent."""
    prediction_threshold: Any = None
    """``target.prediction_threshold`` as given: sent back as ``predictionThreshold``."""

    def label(self, target: str) -> Any:
        """The label of a single-column prediction of target type ``target``."""
        return ANOMALY_LABEL if target == "anomaly" else self.name

    def check(self, target: str, labels: Sequence[str] | None) -> None:
        """Raise ValueError if the file lacks what target type ``target``'s answer needs,
        or names other class labels than the model's (``labels``: a classification
        model's, else None)."""
        if target in NAMED and not self.has_name:
            raise ValueError(f"a {target} model needs target.name")
        if target in THRESHOLDED and not _is_number(self.prediction_threshold):
            raise ValueError(f"a {target} model needs target.prediction_threshold, a number")
        if labels is not None:
            if self.class_names is None:
                raise ValueError(
                    f'a {target} model needs target.class_mapping, [["label", 0], ...]'
                )
            if sorted(self.class_names) != sorted(labels):
                raise ValueError(
                    f"target.class_mapping has the labels {list(self.class_names)}, "
                    f"the model {list(labels)}"
                )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_deployment_config(text: str) -> DeploymentConfig:
    """The option's converter: read the file named ``text``, with DRUM's messages for a
    file that is missing, is not JSON or has no ``target``."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"The file {text} does not exist!")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {exc.strerror}") from None
    except ValueError:  # not JSON, or not UTF-8
        raise argparse.ArgumentTypeError(
            f"Failed to parse deployment config json file '{text}'"
        ) from None
    if not isinstance(document, dict) or "target" not in document:
        raise argparse.ArgumentTypeError(
            f"'target' section not found in deployment config json file {text}"
        )
    target = document["target"]
    if not isinstance(target, dict):
        raise argparse.ArgumentTypeError(f"{text}: target must be an object")
    return DeploymentConfig(
        path=path.resolve(),
        name=target.get("name"),
        has_name="name" in target,
        class_names=_class_names(text, target.get("class_mapping")),
        prediction_threshold=target.get("prediction_threshold"),
    )


def _class_names(text: str, mapping: Any) -> tuple[str, ...] | None:
    """``[[label, index], ...]`` as the labels in index order (DRUM's sort)."""
    if not mapping:
        return None
    if not isinstance(mapping, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and _is_number(pair[1]) for pair in mapping
    ):
        raise argparse.ArgumentTypeError(
            f'{text}: target.class_mapping must be [["label", 0], ...]'
        )
    return tuple(str(label) for label, _ in sorted(mapping, key=lambda pair: pair[1]))
