"""JSON answers as we write them: compact, as DRUM's, and never invalid.

::

    >>> dumps({"a": [1.5, float("nan")]})
    b'{"a":[1.5,null]}'
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from typing import Any

JSON = "application/json"


def json_default(value: Any) -> Any:
    """Serialise what pandas and numpy hand us (numpy scalars, timestamps)."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_OPTIONS: dict[str, Any] = {"default": json_default, "allow_nan": False, "separators": (",", ":")}


def dumps(payload: Mapping[str, Any] | list[Any]) -> bytes:
    """Encode a JSON answer, without spaces as DRUM's answers are.

    NaN and infinities become ``null`` rather than invalid JSON.
    """
    try:
        text = json.dumps(payload, **_OPTIONS)
    except ValueError:
        text = json.dumps(_nan_to_none(payload), **_OPTIONS)
    return text.encode("utf-8")


def _nan_to_none(value: Any) -> Any:
    # numbers.Real covers numpy's floating scalars too, without importing numpy here.
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(item) for item in value]
    return value
