"""The defaults of a check, apart from :class:`~drum_testing.check.options.CheckOptions`.

``drum-testing server`` builds the whole command line, ``check``'s options included, each time
a server starts; the options need these numbers for their help, and a dataclass module of
twenty fields would cost every server start its import (about 4 ms) for nothing.
"""

from __future__ import annotations

DEFAULT_SINGLE_ROWS = 20
DEFAULT_ROBUSTNESS_ROWS = 100
DEFAULT_MAX_COLUMNS = 50
DEFAULT_LATENCY_REQUESTS = 20
DEFAULT_LATENCY_SECONDS = 10.0
DEFAULT_REQUEST_TIMEOUT = 60.0
