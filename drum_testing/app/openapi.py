"""The contract as an OpenAPI 3.1 document, assembled from the code that serves it.

Nothing here is written twice: the paths and methods are the route table's
(:data:`~drum_testing.app.routes.ROUTES`, under ``URL_PREFIX``), each operation is what its
route's ``describe`` says beside its handler (bodies and answers from the payload modules),
and the core's own answers (a body that cannot be read, a model that raised or failed to
load) are :data:`~drum_testing.app.core_answers.CORE_ANSWERS`. What depends on the model
comes from the settings: its target type, class labels, deployment document, error server.

``drum-testing openapi`` prints it (the same options as ``server``); with ``--openapi`` the
server answers it at :data:`OPENAPI_PATH`, the same document on every type::

    document = build_document(settings)
    assert document["openapi"] == "3.1.0"
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from drum_testing.config.settings import Settings
from drum_testing.http.json import JSON, dumps
from drum_testing.http.messages import Request, Response
from drum_testing.http.openapi import (
    ERROR_SCHEMA,
    Answer,
    Content,
    Operation,
    Parameter,
    Schema,
    json_answer,
)
from drum_testing.version import DRUM_VERSION, VERSION

from .core_answers import ANSWER_HEADERS, CORE_ANSWERS, REQUEST_ID_HEADERS
from .routes import GET, ROUTES, Route
from .state import Serving

OPENAPI_VERSION = "3.1.0"
OPENAPI_PATH = "/openapi.json"
"""Where ``--openapi`` serves the document (under ``URL_PREFIX``)."""
ERROR_REF = "#/components/schemas/Error"

DESCRIPTION = (
    "A DRUM 1.18.1-compatible model server ({target} model). Every answer carries "
    "X-Drum-Version, X-Drum-Testing-Version and X-Request-ID (the client's, else a new one). "
    "Besides what each operation lists: a path that is not routed answers 404, a method a "
    "route does not take 405 with Allow, HEAD answers as GET without a body, OPTIONS 200 with "
    "Allow, and a routed path without its trailing slash 308 to it; every error body is "
    '{{"message": "ERROR: ...", "detail": ...}}. A model\'s server extension (custom_flask.py, '
    "custom_fastapi.py) may add routes and answer any route before the server does: this "
    "document tells the server's own contract."
)


def _document_operation(settings: Settings) -> Operation:
    return Operation(
        "this document (--openapi)",
        (json_answer(200, "the OpenAPI document", {"type": "object"}),),
    )


def _schema(schema: Schema) -> Schema:
    """A schema as the document writes it: the shared error body by reference."""
    return {"$ref": ERROR_REF} if schema is ERROR_SCHEMA else dict(schema)


def _content(contents: Iterable[Content]) -> dict[str, Any]:
    written: dict[str, Any] = {}
    for content in contents:
        media: dict[str, Any] = {"schema": _schema(content.schema)}
        if content.encoding:
            media["encoding"] = dict(content.encoding)
        written[content.media_type] = media
    return written


def _responses(answers: Iterable[Answer]) -> dict[str, Any]:
    """One entry a status; answers of the same status (a route's 400 and the core's) are
    one response, their descriptions joined."""
    merged: dict[str, dict[str, Any]] = {}
    for answer in answers:
        status = str(answer.status)
        response = merged.get(status)
        if response is None:
            response = merged[status] = {"description": answer.description}
            if answer.content:
                response["content"] = _content(answer.content)
            headers: dict[str, Any] = {
                name: {"$ref": f"#/components/headers/{name}"} for name in ANSWER_HEADERS
            }
            for name, schema in (answer.headers or {}).items():
                headers[name] = {"schema": dict(schema)}
            response["headers"] = headers
        elif answer.description not in response["description"]:
            response["description"] += "; " + answer.description
    return {status: merged[status] for status in sorted(merged)}


def _operation_id(method: str, path: str) -> str:
    """``get_ping_`` for ``/ping/``, ``get_ping`` for ``/ping``: unique, as the paths are."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", path).lstrip("_")
    return f"{method.lower()}_{name if name.strip('_') else 'root'}"


def _parameter(parameter: Parameter) -> dict[str, Any]:
    written: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        "description": parameter.description,
        "schema": dict(parameter.schema),
    }
    if parameter.style is not None:
        written["style"] = parameter.style
    if parameter.explode is not None:
        written["explode"] = parameter.explode
    return written


def operation_object(path: str, method: str, route: Route, settings: Settings) -> dict[str, Any]:
    """The OpenAPI operation of ``method`` on ``route`` (at ``path``) for ``settings``."""
    operation = route.describe(settings)
    core = [row.answer for row in CORE_ANSWERS if row.applies(route, settings)]
    written: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": operation.summary,
        "tags": [route.handler.__module__.rsplit(".", 1)[-1]],
    }
    if operation.description:
        written["description"] = operation.description
    request_id = {
        "name": REQUEST_ID_HEADERS[0],
        "in": "header",
        "description": "the request's id, sent back on the answer (a new one if none)",
        "schema": {"type": "string"},
    }
    written["parameters"] = [request_id, *(_parameter(p) for p in operation.parameters)]
    if operation.body:
        written["requestBody"] = {
            "required": operation.body_required,
            "content": _content(operation.body),
        }
    written["responses"] = _responses([*operation.answers, *core])
    return written


def served_routes(settings: Settings) -> Mapping[str, Route]:
    """The routes a server with ``settings`` answers, relative to ``URL_PREFIX``: the
    table's, and this document's own with ``--openapi``."""
    if not settings.openapi:
        return ROUTES
    return {**ROUTES, OPENAPI_PATH: document_route(settings)}


def build_document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a server with ``settings``."""
    paths: dict[str, Any] = {}
    for path, route in served_routes(settings).items():
        full = settings.url_prefix + path
        paths[full] = {
            method.lower(): operation_object(full, method, route, settings)
            for method in sorted(route.methods)
        }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "drum_testing",
            "version": VERSION,
            "description": DESCRIPTION.format(target=settings.target_type.value),
            "x-drum-version": DRUM_VERSION,
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": dict(ERROR_SCHEMA)},
            "headers": {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in ANSWER_HEADERS.items()
            },
        },
    }


def document_route(settings: Settings) -> Route:
    """The route that answers the document (``--openapi``); it is made once, when asked."""
    body: list[bytes] = []

    def serve(serving: Serving, request: Request) -> Response:
        if not body:
            body.append(dumps(build_document(settings)))
        return Response(200, [("Content-Type", JSON)], body[0])

    return Route(GET, serve, _document_operation, needs_model=False)
