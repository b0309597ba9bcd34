"""Every case of the contract battery, by route family; :data:`CASES` is all of them."""

from __future__ import annotations

from tests.contract.case import Case

from . import (
    chat,
    deployment,
    error_server,
    errors,
    extensions,
    frames,
    metadata,
    structured,
    transform,
    unstructured,
)

CASES: tuple[Case, ...] = (
    *metadata.CASES,
    *structured.CASES,
    *frames.CASES,
    *transform.CASES,
    *unstructured.CASES,
    *chat.CASES,
    *errors.CASES,
    *deployment.CASES,
    *extensions.CASES,
    *error_server.CASES,
)
"""Every case, in the order CONTRACT.md tells them."""
