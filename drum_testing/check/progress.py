"""The progress line a check keeps on stderr while servers start and requests run.

On a terminal it is one line, rewritten in place; elsewhere (a CI log) each phase gets one
line when it begins, so a log shows where a slow check is without a line per request.
"""

from __future__ import annotations

import sys
from typing import TextIO

CLEAR_LINE = "\r\033[K"


class ProgressLine:
    """Call it with what is happening now; :meth:`close` clears the line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty()
        self._phase = ""

    def __call__(self, text: str) -> None:
        if self.interactive:
            self.stream.write(f"{CLEAR_LINE}check: {text}")
            self.stream.flush()
            return
        phase = text.split(" ", 1)[0]
        if phase != self._phase:
            self._phase = phase
            print(f"check: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.interactive:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
