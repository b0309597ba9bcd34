"""DRUM's hooks: their names, and how a hook's signature is read, as DRUM reads it.

``custom.py`` may define any of :data:`HOOK_NAMES`; :class:`~drum_testing.model.model.Model`
calls them. DRUM decides some calls from a hook's signature (``score`` gets the class labels
only with ``**kwargs``; ``transform`` gets the target only with three parameters), and so
do we, with the same counting.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

HOOK_NAMES = (
    "init",
    "load_model",
    "read_input_data",
    "transform",
    "score",
    "post_process",
    "score_unstructured",
    "chat",
    "get_supported_llm_models",
)


def find_hooks(module: ModuleType | None) -> dict[str, Callable[..., Any]]:
    """The hooks ``module`` (a folder's ``custom.py``, or None) defines, by name."""
    if module is None:
        return {}
    return {
        name: getattr(module, name) for name in HOOK_NAMES if callable(getattr(module, name, None))
    }


def takes_kwargs(function: Callable[..., Any]) -> bool:
    """Whether ``function`` takes ``**kwargs``."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def parameter_count(function: Callable[..., Any]) -> int:
    """How many parameters ``function`` declares, counted as DRUM counts them (all kinds)."""
    try:
        return len(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return -1
