"""drum_testing: a DRUM-compatible prediction runtime and the kit to test it.

The runtime is ``python -m drum_testing server``; the test kit is
:class:`drum_testing.testing.DrumServerRun` (also importable from here, lazily, so the
server never imports the test kit's dependencies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import CustomHTTPError
from .runtime_parameters import RuntimeParameters
from .version import VERSION

__version__ = VERSION
__all__ = ["CustomHTTPError", "DrumServerRun", "RuntimeParameters", "__version__"]

if TYPE_CHECKING:
    from .testing import DrumServerRun


def __getattr__(name: str) -> Any:
    if name == "DrumServerRun":
        from .testing import DrumServerRun

        return DrumServerRun
    raise AttributeError(f"module 'drum_testing' has no attribute {name!r}")
