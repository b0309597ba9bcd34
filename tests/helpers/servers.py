"""The types of the fixtures that start servers (defined in the sessions' conftest files)."""

from __future__ import annotations

from collections.abc import Callable

from drum_testing.launch.run import DrumServerRun

ModelServer = Callable[[str], DrumServerRun]
"""The functional ``model_server`` fixture: ``model_server("binary")``, a shared server."""
Shape = tuple[str, int]
"""The reliability battery's (server type, workers)."""
Start = Callable[..., DrumServerRun]
"""The reliability ``start`` fixture: ``start("regression", "--read-timeout", "1", ...)``."""
