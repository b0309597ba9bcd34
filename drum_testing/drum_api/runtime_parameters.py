"""``datarobot_drum.runtime_parameters`` (and its ``runtime_parameters`` and ``exceptions``
modules): :class:`~drum_testing.runtime_parameters.RuntimeParameters` and its exceptions,
the names :mod:`drum_testing.runtime_parameters` exports, served as they are."""

from __future__ import annotations

from drum_testing import runtime_parameters as _source
from drum_testing.runtime_parameters import *  # noqa: F403 (its __all__, served unchanged)

__all__ = list(_source.__all__)
