"""The routes that run the model on a payload: ``/predict/``, ``/transform/``,
``/predictUnstructured/`` (and their other names, in :mod:`~drum_testing.app.routes`)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from drum_testing.config.settings import TargetType
from drum_testing.http.content_type import MULTIPART
from drum_testing.http.errors import RequestError
from drum_testing.http.json import JSON
from drum_testing.http.messages import Request, Response
from drum_testing.http.multipart import FormFile, parse_multipart
from drum_testing.payloads import prediction_api
from drum_testing.payloads.csv_input import read_csv
from drum_testing.payloads.structured import (
    COLUMN_NAMES_FIELD,
    CSV_MIMETYPES,
    DATA_FIELD,
    TARGET_FIELD,
    read_form_file,
)
from drum_testing.payloads.transform import transform_answer
from drum_testing.payloads.unstructured import unstructured_answer, unstructured_input

from .state import Serving

FORM_FIELDS = (DATA_FIELD, COLUMN_NAMES_FIELD)
"""The multipart fields /predict/ reads: the data, and a sparse matrix's column names."""
TRANSFORM_FIELDS = (*FORM_FIELDS, TARGET_FIELD)
"""/transform/ reads a target ``y`` too."""


def predict(serving: Serving, request: Request) -> Response:
    if serving.settings.target_type is TargetType.TRANSFORM:
        # DRUM's words, before the body is read.
        raise RequestError(
            422, "ERROR: This model has target type 'transform', use the /transform/ endpoint."
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
        right = "/predictUnstructured/" if target_type is TargetType.UNSTRUCTURED else "/predict/"
        raise RequestError(
            422,
            f"ERROR: /transform/ serves transform models; this is a {target_type.value} "
            f"model, use {right}",
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
        right = {
            TargetType.UNSTRUCTURED: "/predictUnstructured/",
            TargetType.TRANSFORM: "/transform/",
        }.get(target, "/predict/")
        raise RequestError(
            422, f"ERROR: {request.path} does not serve {target.value} models; use {right}"
        )
    if structured and target is not TargetType.TRANSFORM and not model.scores_structured:
        raise RequestError(
            422,
            f"ERROR: {request.path} needs a score hook, which this model does not have "
            "(it answers /chat/completions)",
        )


def _form(request: Request, fields: Collection[str]) -> dict[str, FormFile] | None:
    """The named parts of a multipart request; None for any other body."""
    content_type = request.content_type
    if content_type.mimetype != MULTIPART:
        return None
    return parse_multipart(request.body, content_type, only=fields)


def _structured_input(
    serving: Serving, request: Request, files: dict[str, FormFile] | None
) -> pd.DataFrame:
    model = serving.loaded
    content_type = request.content_type
    if files is not None:
        field = files.get(DATA_FIELD)
        if field is None or not field.data:
            raise RequestError(422, "ERROR: no data: send the payload in a form field named X")
        if model.reads_own_input:
            return model.read_input(field.data)
        return read_form_file(field, files.get(COLUMN_NAMES_FIELD), content_type.charset)
    if not request.body:
        raise RequestError(422, "ERROR: no data: the request body is empty")
    if model.reads_own_input:
        return model.read_input(bytes(request.body))  # the hook gets bytes, as in DRUM
    if content_type.mimetype not in CSV_MIMETYPES:
        raise RequestError(
            422,
            f"ERROR: this model does not take {content_type.mimetype} payloads; send CSV "
            "(text/csv) or a multipart form field X, or add a read_input_data hook",
        )
    return read_csv(request.body, content_type.charset)
