"""The bench's model that cannot load: importing it raises, after pandas, as a real one might.

The crash section (``python -m bench.run --only crash``) times how long each server type
takes to report it: ``DrumServerRun`` raises ``ServerStartError`` with the traceback.
"""

from __future__ import annotations

import pandas  # noqa: F401  (a real model pays for its imports before it fails)

raise ImportError("bench: this model cannot be imported, on purpose")
