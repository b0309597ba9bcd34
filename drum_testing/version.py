"""The package version, and the DRUM version whose behaviour it serves, in one place
(pyproject reads ``VERSION``)."""

from __future__ import annotations

VERSION = "0.1.0"
"""drum_testing's own version: ``drumTestingVersion`` of ``/info/``, the
``X-Drum-Testing-Version`` header."""
DRUM_VERSION = "1.18.1"
"""The DRUM release whose behaviour we serve: ``drumVersion`` of ``/info/`` and the
``X-Drum-Version`` header, as a compatible server reports the API version it implements."""
