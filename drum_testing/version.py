"""The package version, in one place (pyproject reads it too)."""

from __future__ import annotations

VERSION = "0.1.0"
