"""The routes that describe the server and its model: liveness, health, info, stats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drum_testing.config.settings import Settings, TargetType
from drum_testing.errors import ModelOutputError
from drum_testing.http.messages import Request, Response, json_response
from drum_testing.http.openapi import Operation, Schema, json_answer
from drum_testing.version import DRUM_VERSION, VERSION

from .state import Serving

OK = {"message": "OK"}
LANGUAGE = "python"
APP_FRAMEWORKS: Mapping[str, str] = {"flask": "flask", "gunicorn": "flask", "fastapi": "fastapi"}
"""``drumServer`` of each server type: the app framework, as DRUM names it (DRUM says
``flask`` under werkzeug and under gunicorn, which serve its one Flask app, as our gunicorn
type serves our Flask app)."""


def ping(serving: Serving, request: Request) -> Response:
    return json_response(200, OK)


def health(serving: Serving, request: Request) -> Response:
    probe = serving.loaded.readiness_probe
    if probe is None:
        return json_response(200, OK)
    return probe_response(probe())


def info(serving: Serving, request: Request) -> Response:
    settings, model = serving.settings, serving.loaded
    payload: dict[str, Any] = {
        "codeDir": str(settings.code_dir),
        "drumServer": APP_FRAMEWORKS.get(serving.server_type, serving.server_type),
        "drumVersion": DRUM_VERSION,  # the DRUM whose behaviour we serve
        # Ours, beside DRUM's: the server type that answers, and drum_testing's version.
        "drumTestingServer": serving.server_type,
        "drumTestingVersion": VERSION,
        "language": LANGUAGE,
        # DRUM's: null without a model-metadata.yaml, and the artifact predictor's name
        # only when one scores (a custom.py score hook is not a predictor).
        "modelMetadata": model.metadata_or_none,
        "predictor": model.predictor_name,
        "targetType": settings.target_type.value,
    }
    if settings.target_type is TargetType.BINARY:
        payload["positiveClassLabel"] = settings.positive_class_label
        payload["negativeClassLabel"] = settings.negative_class_label
    elif settings.target_type is TargetType.MULTICLASS:  # not multilabel: DRUM's rule
        payload["classLabels"] = list(settings.class_labels or ())
    return json_response(200, payload)


def capabilities(serving: Serving, request: Request) -> Response:
    # DRUM's exact answer: the formats it reads, each with its version (none: null).
    return json_response(
        200,
        {
            "supported_payload_formats": {"csv": None, "mtx": None},
            "supported_methods": {"chat": serving.loaded.supports_chat},
        },
    )


def stats(serving: Serving, request: Request) -> Response:
    return json_response(200, serving.stats.snapshot())


def probe_response(result: Any) -> Response:
    """A ``readiness_probe`` answer, ``(payload, status)`` as DRUM's predictors return it,
    or a bare payload (status 200)."""
    status = 200
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], int):
        result, status = result
    if not isinstance(result, Mapping) or not 100 <= status <= 599:
        raise ModelOutputError(
            "readiness_probe returned something other than (dict, status) or a dict"
        )
    return json_response(status, dict(result))


# What each route answers, for the OpenAPI document (drum_testing.app.openapi).
_OK_SCHEMA: Schema = {
    "type": "object",
    "properties": {"message": {"const": "OK"}},
    "required": ["message"],
}
_OBJECT: Schema = {"type": "object"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}


def ping_operation(settings: Settings) -> Operation:
    return Operation("liveness", (json_answer(200, "alive", _OK_SCHEMA),))


def health_operation(settings: Settings) -> Operation:
    return Operation(
        "readiness",
        (
            json_answer(
                200, "ready: OK, or what the model's readiness_probe hook answered", _OBJECT
            ),
        ),
        description="A readiness_probe hook answers its own object and status.",
    )


def info_operation(settings: Settings) -> Operation:
    properties: dict[str, Schema] = {
        "codeDir": {"type": "string"},
        "drumServer": {"type": "string", "enum": sorted(set(APP_FRAMEWORKS.values()))},
        "drumVersion": {"const": DRUM_VERSION},
        "drumTestingServer": {"type": "string", "enum": sorted(APP_FRAMEWORKS)},
        "drumTestingVersion": {"const": VERSION},
        "language": {"const": LANGUAGE},
        "modelMetadata": {"type": ["object", "null"]},
        "predictor": _TEXT_OR_NULL,
        "targetType": {"const": settings.target_type.value},
    }
    if settings.target_type is TargetType.BINARY:
        properties["positiveClassLabel"] = _TEXT_OR_NULL
        properties["negativeClassLabel"] = _TEXT_OR_NULL
    elif settings.target_type is TargetType.MULTICLASS:
        properties["classLabels"] = {"type": "array", "items": {"type": "string"}}
    schema = {"type": "object", "properties": properties, "required": sorted(properties)}
    return Operation("the model and the server", (json_answer(200, "what is served", schema),))


def capabilities_operation(settings: Settings) -> Operation:
    schema: Schema = {
        "type": "object",
        "properties": {
            "supported_payload_formats": {"type": "object"},
            "supported_methods": {
                "type": "object",
                "properties": {"chat": {"type": "boolean"}},
            },
        },
        "required": ["supported_payload_formats", "supported_methods"],
    }
    return Operation("what the server reads", (json_answer(200, "its capabilities", schema),))


def stats_operation(settings: Settings) -> Operation:
    schema: Schema = {
        "type": "object",
        "properties": {
            "drum_info": {"type": "array", "items": _OBJECT},
            "mem_info": _OBJECT,
            "time_info": _OBJECT,
            "predict_calls_count": {"type": "integer", "minimum": 0},
        },
        "required": ["drum_info", "mem_info", "time_info"],
    }
    return Operation("the serving process", (json_answer(200, "DRUM's stats", schema),))
