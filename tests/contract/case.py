"""One request of the contract and what its answer must be."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One request of the contract and what the answer must be."""

    id: str
    model: str
    method: str
    path: str
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    """The exact JSON body expected, when given."""
    message: str | None = None
    """A fragment the error message (DRUM's words, starting ``ERROR: ``) or the detail we add
    beside it must contain."""
    content_type: str | None = None
    expect_headers: Mapping[str, str] = field(default_factory=dict)
    parts: Mapping[str, bytes | list[list[float]]] | None = None
    """The exact parts of a multipart answer (/transform/), when given: name -> data, or
    the dense values of a Matrix Market part (its text is scipy's mmwrite's)."""


OK = {"message": "OK"}
