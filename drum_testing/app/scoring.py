"""The routes that run the model on a payload: ``/predict/``, ``/transform/``,
``/predictUnstructured/`` (and their other names, in :mod:`~drum_testing.app.routes`)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from drum_testing.config.settings import Settings, TargetType
from drum_testing.http.content_type import MULTIPART
from drum_testing.http.errors import RequestError
from drum_testing.http.json import JSON
from drum_testing.http.messages import Request, Response
from drum_testing.http.multipart import FormFile, parse_multipart
from drum_testing.http.openapi import Answer, Operation, Parameter, error_answer, json_answer
from drum_testing.payloads import prediction_api, predictions
from drum_testing.payloads import structured as structured_payload
from drum_testing.payloads import transform as transform_payload
from drum_testing.payloads.csv_input import NO_SAMPLES, read_csv
from drum_testing.payloads.structured import (
    COLUMN_NAMES_FIELD,
    CSV_MIMETYPES,
    DATA_FIELD,
    TARGET_FIELD,
    read_form_file,
)
from drum_testing.payloads.transform import transform_answer
from drum_testing.payloads.unstructured import (
    ANY_BODY,
    unstructured_answer,
    unstructured_input,
)

from .state import Serving

FORM_FIELDS = (DATA_FIELD, COLUMN_NAMES_FIELD)
"""The multipart fields /predict/ reads: the data, and a sparse matrix's column names."""
TRANSFORM_FIELDS = (*FORM_FIELDS, TARGET_FIELD)
"""/transform/ reads a target ``y`` too."""
ROUTE_OF: dict[TargetType, str] = {
    TargetType.UNSTRUCTURED: "/predictUnstructured/",
    TargetType.TRANSFORM: "/transform/",
}
"""The scoring route of the target types that are not scored at /predict/."""


def _route_for(target: TargetType) -> str:
    return ROUTE_OF.get(target, "/predict/")


def _drum_name(target: TargetType) -> str:
    """A target type as DRUM's messages print its enum (``TargetType.REGRESSION``)."""
    return f"TargetType.{target.name}"


def predict(serving: Serving, request: Request) -> Response:
    target = serving.settings.target_type
    if target in ROUTE_OF:
        # DRUM's words, before the body is read.
        endpoint = {
            TargetType.TRANSFORM: "/transform/",
            TargetType.UNSTRUCTURED: "/predictUnstructured/ or /predictionsUnstructured/",
        }[target]
        raise RequestError(
            422,
            f"ERROR: This model has target type '{target.value}', use the {endpoint} endpoint.",
            detail=f"{request.path} does not serve {target.value} models; use {ROUTE_OF[target]}",
        )
    _require_target(serving, request, structured=True)
    # A header-only CSV is a frame of zero rows, which DRUM scores: {"predictions": []}.
    frame = _structured_input(serving, request, _form(request, FORM_FIELDS))
    with serving.stats.timing():
        predictions = serving.loaded.predict(frame)
    deployment = serving.settings.deployment_config
    if deployment is None:
        return Response(200, [("Content-Type", JSON)], predictions.to_json())
    body = prediction_api.encode(predictions, deployment, serving.settings.target_type)
    return Response(200, [("Content-Type", JSON)], body)


def transform(serving: Serving, request: Request) -> Response:
    """Transform ``X`` (raw body or form field) and answer DRUM's multipart fields.

    A target sent in the form field ``y`` (CSV, or Matrix Market when its file name ends
    in ``.mtx``) is read as DRUM reads it, handed to a hook that takes three arguments,
    and sent back as ``y.transformed``. An empty ``y`` is no target, as in DRUM.
    """
    target_type = serving.settings.target_type
    if target_type is not TargetType.TRANSFORM:
        right = _route_for(target_type)
        raise RequestError(
            422,
            f"ERROR: This model has target type {_drum_name(target_type)}, use the {right} "
            "endpoint.",
            detail=f"/transform/ serves transform models; this is a {target_type.value} model, "
            f"use {right}",
        )
    files = _form(request, TRANSFORM_FIELDS)
    frame = _structured_input(serving, request, files)
    field = files.get(TARGET_FIELD) if files is not None else None
    target = None
    if field is not None and field.data:
        # Never through read_input_data: DRUM reads y with its own readers only.
        target = read_form_file(field, None, request.content_type.charset)
    with serving.stats.timing():
        features, target = serving.loaded.transform(frame, target)
    content_type, body = transform_answer(features, target)
    return Response(200, [("Content-Type", content_type)], body)


def predict_unstructured(serving: Serving, request: Request) -> Response:
    _require_target(serving, request, structured=False)
    data, mimetype, charset = unstructured_input(request.body, request.content_type)
    with serving.stats.timing():
        result = serving.loaded.score_unstructured(
            data, mimetype=mimetype, charset=charset, query=request.query, headers=request.headers
        )
    content_type, body = unstructured_answer(result)
    return Response(200, [("Content-Type", content_type)], body)


def _require_target(serving: Serving, request: Request, structured: bool) -> None:
    target = serving.settings.target_type
    model = serving.loaded
    if not structured and target is TargetType.TEXT_GENERATION:
        # DRUM serves text generation models here too (guard models are called so).
        if "score_unstructured" not in model.hooks:
            raise RequestError(
                422,
                f"ERROR: {request.path} needs a score_unstructured hook, "
                "which this textgeneration model does not have",
            )
        return
    if target.is_structured != structured:
        # Only /predictUnstructured/ on a structured model comes here (predict() answers
        # the other way round). DRUM's words point to /predict/ even for a transform model;
        # the detail names the right route.
        raise RequestError(
            422,
            f"ERROR: This model has target type {_drum_name(target)}, use either /predict/ "
            "or /predictions/ endpoint.",
            detail=f"{request.path} does not serve {target.value} models; use {_route_for(target)}",
        )
    if structured and target is not TargetType.TRANSFORM and not model.scores_structured:
        raise RequestError(
            422,
            f"ERROR: {request.path} needs a score hook, which this model does not have "
            "(it answers /chat/completions)",
        )


def _form(request: Request, fields: Collection[str]) -> dict[str, FormFile] | None:
    """The named parts of a multipart request; None for any other body.

    A body that is not a multipart form (a 400) is told with DRUM's words, which find no
    samples in it (DRUM answers 422); what is wrong with it is the detail.
    """
    content_type = request.content_type
    if content_type.mimetype != MULTIPART:
        return None
    try:
        return parse_multipart(request.body, content_type, only=fields)
    except RequestError as exc:
        detail = exc.message.removeprefix("ERROR: ")
        raise RequestError(exc.status, NO_SAMPLES, detail=detail) from None


def _structured_input(
    serving: Serving, request: Request, files: dict[str, FormFile] | None
) -> pd.DataFrame:
    model = serving.loaded
    content_type = request.content_type
    if files is not None:
        field = files.get(DATA_FIELD)
        if field is None or not field.data:
            raise RequestError(
                422, NO_SAMPLES, detail="no data: send the payload in a form field named X"
            )
        if model.reads_own_input:
            return model.read_input(field.data)
        return read_form_file(field, files.get(COLUMN_NAMES_FIELD), content_type.charset)
    if not request.body:
        raise RequestError(422, NO_SAMPLES, detail="no data: the request body is empty")
    if model.reads_own_input:
        return model.read_input(bytes(request.body))  # the hook gets bytes, as in DRUM
    if content_type.mimetype not in CSV_MIMETYPES:
        raise RequestError(
            422,
            # DRUM's words, to the last space.
            f"ERROR: payload format `{content_type.mimetype}` is not supported by "
            "predictor/transformer. Make DRUM support the format or implement "
            "`read_input_data` hook to read the data. ",
            detail=f"this model does not take {content_type.mimetype} payloads; send CSV "
            "(text/csv) or a multipart form field X, or add a read_input_data hook",
        )
    return read_csv(request.body, content_type.charset)


# What each route answers, for the OpenAPI document (drum_testing.app.openapi).
_UNPROCESSABLE = error_answer(
    422,
    "no data, data that does not parse, a payload format the model does not read, or a "
    "model of a target type this route does not serve",
)
_NOT_A_FORM = error_answer(400, "a multipart body that is not a well-formed form")


def predict_operation(settings: Settings) -> Operation:
    target = settings.target_type
    deployment = settings.deployment_config
    if deployment is None:
        schema = predictions.answer_schema(target, settings.labels)
        what = "the predictions, a row each"
    else:
        labels = deployment.class_names if target.is_classification else None
        schema = prediction_api.answer_schema(target, labels)
        what = "the predictions in DataRobot's prediction API format (--deployment-config)"
    return Operation(
        "score a structured payload",
        (json_answer(200, what, schema), _NOT_A_FORM, _UNPROCESSABLE),
        body=structured_payload.request_bodies(FORM_FIELDS),
        description=f"Serves structured models; this document is for a {target.value} model"
        + (f", scored at {ROUTE_OF[target]}." if target in ROUTE_OF else "."),
    )


def transform_operation(settings: Settings) -> Operation:
    return Operation(
        "transform a structured payload (transform models)",
        (
            Answer(200, "the transformed features (and target)", transform_payload.ANSWER),
            _NOT_A_FORM,
            _UNPROCESSABLE,
        ),
        body=structured_payload.request_bodies(TRANSFORM_FIELDS),
    )


def predict_unstructured_operation(settings: Settings) -> Operation:
    return Operation(
        "score any payload (unstructured models)",
        (
            Answer(200, "what the model's score_unstructured hook answered", ANY_BODY),
            error_answer(422, "a model of a structured target type, or text that does not decode"),
        ),
        body=ANY_BODY,
        parameters=(
            Parameter(
                "query",
                "every query parameter, handed to score_unstructured as query=",
                {"type": "object", "additionalProperties": {"type": "string"}},
                style="form",
                explode=True,
            ),
        ),
    )
