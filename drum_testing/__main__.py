"""``python -m drum_testing server ...``"""

from __future__ import annotations

from drum_testing.cli import main

# The guard matters: uvicorn's worker processes are spawned, and spawning re-imports the
# parent's main module under another name; it must not start a second server.
if __name__ == "__main__":
    raise SystemExit(main())
