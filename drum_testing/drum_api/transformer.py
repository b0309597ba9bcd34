"""``datarobot_drum.custom_task_interfaces.transform_interface``: the transformer interface."""

from __future__ import annotations

from typing import Any

from .task_interface import CustomTaskInterface

__all__ = ["TransformerInterface"]


class TransformerInterface(CustomTaskInterface):
    """A task that transforms data: ``transform(X)`` returns a DataFrame of as many rows."""

    def transform(self, X: Any) -> Any:
        """``X`` (a DataFrame) transformed."""
        raise NotImplementedError()
