"""The routes that describe the server and its model: liveness, health, info, stats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drum_testing.config.settings import TargetType
from drum_testing.errors import ModelOutputError
from drum_testing.http.messages import Request, Response, json_response
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
