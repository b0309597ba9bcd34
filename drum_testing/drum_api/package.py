"""``datarobot_drum``: the two names DRUM's package exports, drum_testing's own classes."""

from __future__ import annotations

from drum_testing.errors import CustomHTTPError
from drum_testing.runtime_parameters import RuntimeParameters

__all__ = ["CustomHTTPError", "RuntimeParameters"]
