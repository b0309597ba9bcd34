"""``datarobot_drum.custom_task_interfaces.estimator_interfaces``: the estimator interfaces.

A regression or anomaly task defines ``predict(X, **kwargs)`` and returns a DataFrame with
one column, ``Predictions``; a binary or multiclass task defines ``predict_proba(X,
**kwargs)`` and returns one column of probabilities per class label.
"""

from __future__ import annotations

from typing import Any

from .task_interface import CustomTaskInterface

__all__ = [
    "AnomalyEstimatorInterface",
    "BinaryEstimatorInterface",
    "EstimatorInterface",
    "MulticlassEstimatorInterface",
    "RegressionEstimatorInterface",
]


class EstimatorInterface(CustomTaskInterface):
    """A task that predicts."""

    def predict(self, X: Any, **kwargs: Any) -> Any:
        """The predictions for ``X``, a DataFrame with the column ``Predictions``."""
        raise NotImplementedError()


class BinaryEstimatorInterface(EstimatorInterface):
    """A binary classifier: ``predict_proba`` is called, ``predict`` is not."""

    def predict(self, X: Any, **kwargs: Any) -> Any:
        """Not called for a classifier."""

    def predict_proba(self, X: Any, **kwargs: Any) -> Any:
        """Both labels' probabilities for ``X``, a column per label."""
        raise NotImplementedError()


class RegressionEstimatorInterface(EstimatorInterface):
    """A regression task."""


class MulticlassEstimatorInterface(EstimatorInterface):
    """A multiclass classifier: ``predict_proba`` is called, ``predict`` is not."""

    def predict(self, X: Any, **kwargs: Any) -> Any:
        """Not called for a classifier."""

    def predict_proba(self, X: Any, **kwargs: Any) -> Any:
        """Each label's probability for ``X``, a column per label."""
        raise NotImplementedError()


class AnomalyEstimatorInterface(EstimatorInterface):
    """An anomaly detector."""
