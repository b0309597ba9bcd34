"""The words an answer's description is written in, for the OpenAPI document.

Each route family describes its own operation beside its handler, and each payload format
its own schema beside its reader (JSON Schema 2020-12, which OpenAPI 3.1 uses): these small
frozen records are what they describe it with. :mod:`drum_testing.app.openapi` assembles
them, with the core's own answers, into one document; nothing here knows a route.

::

    Operation(
        "liveness",
        answers=(Answer(200, "alive", (Content(JSON, OK_SCHEMA),)),),
    )
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .json import JSON
from .messages import DETAIL

Schema = Mapping[str, Any]
"""A JSON Schema (Draft 2020-12), as plain JSON data."""

ANY: Schema = {}
"""Any value at all (JSON Schema's empty schema)."""
TEXT: Schema = {"type": "string"}
BINARY: Schema = {"type": "string", "contentMediaType": "application/octet-stream"}
"""Bytes of any kind (OpenAPI 3.1 writes a file as a string with a media type)."""

ERROR_SCHEMA: Schema = {
    "type": "object",
    "properties": {
        "message": {
            "type": "string",
            "description": "DRUM 1.18.1's words (`ERROR: ...`), which clients compare with ==; "
            "a model's own HTTP error sends its text as raised",
        },
        DETAIL: {"type": "string", "description": "what drum_testing adds beside DRUM's words"},
    },
    "required": ["message"],
}
"""The one error body of every route and server type (:func:`.messages.error_response`)."""


@dataclass(frozen=True)
class Content:
    """A body of one media type and its schema (``encoding``: a form's parts' types)."""

    media_type: str
    schema: Schema = field(default_factory=dict)
    """Any value, unless told."""
    encoding: Mapping[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class Answer:
    """One status an operation may answer, what it means, and its bodies."""

    status: int | str
    """A status, or a range of them (``"4XX"``)."""
    description: str
    content: tuple[Content, ...] = ()
    headers: Mapping[str, Schema] | None = None


@dataclass(frozen=True)
class Parameter:
    """A query parameter (or, with ``location``, a header)."""

    name: str
    description: str
    schema: Schema = field(default_factory=lambda: TEXT)
    location: str = "query"
    style: str | None = None
    explode: bool | None = None


@dataclass(frozen=True)
class Operation:
    """What one route does for one method: its body, parameters and answers.

    The answers are the route's own (its success and the 4xx its handler and payloads
    raise); the core's rules (a body that cannot be read, a model that raised, a model
    that failed to load) are added by the document, once for every route they apply to.
    """

    summary: str
    answers: tuple[Answer, ...]
    body: tuple[Content, ...] = ()
    body_required: bool = False
    parameters: tuple[Parameter, ...] = ()
    description: str = ""


def error_answer(status: int | str, description: str) -> Answer:
    """An error answer: ``{"message": "ERROR: ...", "detail": ...}`` as JSON."""
    return Answer(status, description, (Content(JSON, ERROR_SCHEMA),))


def json_answer(status: int, description: str, schema: Schema) -> Answer:
    return Answer(status, description, (Content(JSON, schema),))
