"""Holding an answer of the battery to the OpenAPI document of the server that gave it.

The document is the one ``drum-testing openapi`` prints for the options the battery starts
the model's server with (:func:`document`); :func:`conforms` asserts an answer's status is
declared for its path and method, its content type too, and its JSON body validates against
the declared schema (JSON Schema 2020-12, OpenAPI 3.1's).
"""

from __future__ import annotations

import functools
import urllib.parse
from typing import Any

import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from drum_testing.app.openapi import build_document
from drum_testing.cli import build_parser
from drum_testing.config.build import build_settings
from drum_testing.http.content_type import ContentType
from tests.helpers.models import MODELS as FIXTURES

from .case import Case
from .models import DEPLOYMENT_CONFIGS, DEPLOYMENTS, ERROR_SERVER, MODELS, TARGET_NAME, folder

DOCUMENT = "urn:drum-testing:openapi"
EXTENDED = frozenset({"extended"})
"""Models with a server extension, which may add routes and answer any route its own way:
the document tells the server's contract, not the extension's (its description says so)."""
UNDECLARED = frozenset({308, 404, 405})
"""What the core answers on a path or method the document cannot list (its description
says so): a redirect to the path with its slash, no route, a method the route does not take."""


def openapi_arguments(model: str) -> list[str]:
    """``drum-testing openapi``'s arguments for a battery model: its server's options."""
    target_type, labels = MODELS[model]
    arguments = ["--code-dir", str(FIXTURES / folder(model)), "--target-type", target_type]
    if target_type == "binary" and labels:
        arguments += ["--negative-class-label", labels[0], "--positive-class-label", labels[1]]
    elif labels:
        arguments += ["--class-labels", *labels]
    config = DEPLOYMENT_CONFIGS.get(model)
    if config is not None:
        arguments += ["--deployment-config", str(DEPLOYMENTS / config)]
    if model in ERROR_SERVER:
        arguments.append("--with-error-server")
    return arguments


@functools.cache
def document(model: str) -> dict[str, Any]:
    """The document of the battery's server for ``model``, as the command line builds it."""
    args = build_parser().parse_args(["openapi", *openapi_arguments(model)])
    settings = build_settings(args, {"TARGET_NAME": TARGET_NAME})
    return build_document(settings)


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def conforms(model: str, case: Case, response: requests.Response) -> None:
    """Assert that ``response`` to ``case`` is an answer the document declares."""
    doc = document(model)
    path = urllib.parse.urlsplit(case.path).path
    method = case.method.lower()
    status = response.status_code
    # HEAD answers as GET, without a body.
    operation = doc["paths"].get(path, {}).get("get" if method == "head" else method)
    if operation is None or method == "options":
        assert status in UNDECLARED or method == "options", (case.id, status, path, method)
        return
    responses = operation["responses"]
    # A status declared by itself, else by its range ("4XX": a model's own HTTP error).
    key = str(status) if str(status) in responses else f"{status // 100}XX"
    assert key in responses, (case.id, status, sorted(responses))
    declared = responses[key].get("content", {})
    if method == "head" or not response.content:
        return
    mimetype = ContentType.parse(response.headers.get("Content-Type")).mimetype
    media = mimetype if mimetype in declared else "*/*"
    assert media in declared, (case.id, mimetype, sorted(declared))
    if mimetype != "application/json":
        return
    pointer = _pointer("paths", path, method, "responses", key, "content", media)
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator({"$ref": f"{DOCUMENT}{pointer}/schema"}, registry=registry)
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert not errors, (case.id, errors)
