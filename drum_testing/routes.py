"""The route table and what answers each route. Framework-free; the core dispatches here."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from .answers import ModelOutputError
from .csv_input import read_csv
from .errors import RequestError
from .messages import JSON, Request, Response, json_response
from .model import Model
from .multipart import FormFile, parse_multipart
from .payloads import CSV_MIMETYPES, MULTIPART, dumps, read_form_file, unstructured_input
from .settings import TargetType
from .transform_answer import transform_answer
from .version import VERSION

if TYPE_CHECKING:
    from .core import PredictionCore

logger = logging.getLogger(__name__)

GET = ("GET",)
POST = ("POST",)

ROUTES: Mapping[str, tuple[tuple[str, ...], str, bool]] = {
    # path: (methods, handler, needs the model)
    "/": (GET, "ping", False),
    "/ping/": (GET, "ping", False),
    "/ping": (GET, "ping", False),
    "/health/": (GET, "health", True),
    "/info/": (GET, "info", True),
    "/capabilities/": (GET, "capabilities", True),
    "/stats/": (GET, "stats", True),
    "/predict/": (POST, "predict", True),
    "/predictions/": (POST, "predict", True),
    "/invocations": (POST, "predict", True),
    "/transform/": (POST, "transform", True),
    "/predictUnstructured/": (POST, "predict_unstructured", True),
    "/predictionsUnstructured/": (POST, "predict_unstructured", True),
    "/chat/completions": (POST, "chat", True),
    "/v1/chat/completions": (POST, "chat", True),
    "/models": (GET, "models", True),
    "/v1/models": (GET, "models", True),
}
"""Every route, relative to ``URL_PREFIX``. Without a trailing slash only where DRUM has none."""

OK = {"message": "OK"}
FORM_FIELDS = ("X", "X.colnames")
"""The multipart fields /predict/ reads: the data, and a sparse matrix's column names."""
TRANSFORM_FIELDS = (*FORM_FIELDS, "y")
"""/transform/ reads a target ``y`` too."""
LANGUAGE = "python"


_warned_of_dicts = False


def to_jsonable(value: Any) -> Any:
    """A chat answer or chunk as plain JSON data (dicts, or OpenAI-style objects).

    A plain dict is served, with a warning in the log (once): DRUM 1.18.1 answers 500 to it,
    and a model author should learn that before deploying, not after.
    """
    global _warned_of_dicts
    if isinstance(value, Mapping):
        if not _warned_of_dicts:
            _warned_of_dicts = True
            logger.warning(
                "chat returned a dict: served here, but DRUM 1.18.1 answers 500 to it; return "
                "openai's ChatCompletion / ChatCompletionChunk objects to serve on DRUM too"
            )
        return dict(value)
    # OpenAI's objects: to_dict() leaves out fields never set, as DRUM sends them.
    for method in ("to_dict", "model_dump"):
        if callable(getattr(value, method, None)):
            return getattr(value, method)()
    raise ModelOutputError(f"chat returned {type(value).__name__}, expected a dict or an object")


def sse_stream(chunks: Iterable[Any]) -> Generator[bytes, None, None]:
    """Server-sent events of a streamed chat answer, closed by ``data: [DONE]``.

    Headers are sent before the model's generator runs, so a hook that raises mid-stream
    can no longer change the status: the stream then ends with an error event (OpenAI's
    shape, ``{"error": {"message", "type"}}``) and ``[DONE]``, and the traceback is logged.
    Closing this stream (the server does when the answer ends or the client left) closes
    the model's generator too, which gives the model's turn back.
    """
    try:
        try:
            for chunk in chunks:
                yield b"data: " + dumps(to_jsonable(chunk)) + b"\n\n"
        except Exception as exc:
            logger.exception("the chat stream failed")
            error = {"message": f"{type(exc).__name__}: {exc}", "type": type(exc).__name__}
            yield b"data: " + dumps({"error": error}) + b"\n\n"
        yield b"data: [DONE]\n\n"
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


class Handlers:
    """One method per handler name in :data:`ROUTES`."""

    def __init__(self, core: PredictionCore) -> None:
        self._core = core
        self._settings = core.settings

    @property
    def _model(self) -> Model:
        model = self._core.model
        assert model is not None, "routes that need the model are not dispatched without one"
        return model

    def _require_target(self, request: Request, structured: bool) -> None:
        target = self._settings.target_type
        model = self._model
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
                422,
                f"ERROR: {request.path} does not serve {target.value} models; use {right}",
            )
        if structured and target is not TargetType.TRANSFORM and not model.scores_structured:
            raise RequestError(
                422,
                f"ERROR: {request.path} needs a score hook, which this model does not have "
                "(it answers /chat/completions)",
            )

    # --- liveness and metadata ------------------------------------------------------------
    def ping(self, request: Request) -> Response:
        return json_response(200, OK)

    def health(self, request: Request) -> Response:
        probe = self._model.readiness_probe
        if probe is None:
            return json_response(200, OK)
        return probe_response(probe())

    def info(self, request: Request) -> Response:
        settings = self._settings
        payload: dict[str, Any] = {
            "codeDir": str(settings.code_dir),
            "drumServer": self._core.server_type,
            "drumVersion": VERSION,
            "language": LANGUAGE,
            # DRUM's: null without a model-metadata.yaml, and the artifact predictor's name
            # only when one scores (a custom.py score hook is not a predictor).
            "modelMetadata": self._model.metadata_or_none,
            "predictor": self._model.predictor_name,
            "targetType": settings.target_type.value,
        }
        if settings.target_type is TargetType.BINARY:
            payload["positiveClassLabel"] = settings.positive_class_label
            payload["negativeClassLabel"] = settings.negative_class_label
        elif settings.target_type is TargetType.MULTICLASS:  # not multilabel: DRUM's rule
            payload["classLabels"] = list(settings.class_labels or ())
        return json_response(200, payload)

    def capabilities(self, request: Request) -> Response:
        # DRUM's exact answer: the formats it reads, each with its version (none: null).
        return json_response(
            200,
            {
                "supported_payload_formats": {"csv": None, "mtx": None},
                "supported_methods": {"chat": self._model.supports_chat},
            },
        )

    def stats(self, request: Request) -> Response:
        return json_response(200, self._core.stats.snapshot())

    # --- scoring ----------------------------------------------------------------------------
    def predict(self, request: Request) -> Response:
        if self._settings.target_type is TargetType.TRANSFORM:
            # DRUM's words, before the body is read.
            raise RequestError(
                422, "ERROR: This model has target type 'transform', use the /transform/ endpoint."
            )
        self._require_target(request, structured=True)
        # A header-only CSV is a frame of zero rows, which DRUM scores: {"predictions": []}.
        frame = self._structured_input(request, self._form(request, FORM_FIELDS))
        with self._core.stats.timing():
            predictions = self._model.predict(frame)
        return Response(200, [("Content-Type", JSON)], predictions.to_json())

    @staticmethod
    def _form(request: Request, fields: Collection[str]) -> dict[str, FormFile] | None:
        """The named parts of a multipart request; None for any other body."""
        content_type = request.content_type
        if content_type.mimetype != MULTIPART:
            return None
        return parse_multipart(request.body, content_type, only=fields)

    def _structured_input(
        self, request: Request, files: dict[str, FormFile] | None
    ) -> pd.DataFrame:
        model = self._model
        content_type = request.content_type
        if files is not None:
            field = files.get("X")
            if field is None or not field.data:
                raise RequestError(422, "ERROR: no data: send the payload in a form field named X")
            if model.reads_own_input:
                return model.read_input(field.data)
            return read_form_file(field, files.get("X.colnames"), content_type.charset)
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

    def transform(self, request: Request) -> Response:
        """Transform ``X`` (raw body or form field) and answer DRUM's multipart fields.

        A target sent in the form field ``y`` (CSV, or Matrix Market when its file name ends
        in ``.mtx``) is read as DRUM reads it, handed to a hook that takes three arguments,
        and sent back as ``y.transformed``. An empty ``y`` is no target, as in DRUM.
        """
        target_type = self._settings.target_type
        if target_type is not TargetType.TRANSFORM:
            right = (
                "/predictUnstructured/" if target_type is TargetType.UNSTRUCTURED else "/predict/"
            )
            raise RequestError(
                422,
                f"ERROR: /transform/ serves transform models; this is a {target_type.value} "
                f"model, use {right}",
            )
        files = self._form(request, TRANSFORM_FIELDS)
        frame = self._structured_input(request, files)
        field = files.get("y") if files is not None else None
        target = None
        if field is not None and field.data:
            # Never through read_input_data: DRUM reads y with its own readers only.
            target = read_form_file(field, None, request.content_type.charset)
        with self._core.stats.timing():
            features, target = self._model.transform(frame, target)
        content_type, body = transform_answer(features, target)
        return Response(200, [("Content-Type", content_type)], body)

    def predict_unstructured(self, request: Request) -> Response:
        self._require_target(request, structured=False)
        data, mimetype, charset = unstructured_input(request.body, request.content_type)
        with self._core.stats.timing():
            result = self._model.score_unstructured(
                data,
                mimetype=mimetype,
                charset=charset,
                query=request.query,
                headers=request.headers,
            )
        return unstructured_response(result)

    # --- chat -------------------------------------------------------------------------------
    def _require_chat(self) -> Model:
        if not self._model.supports_chat:
            raise RequestError(404, "ERROR: this model does not support chat (no chat hook)")
        return self._model

    def chat(self, request: Request) -> Response:
        model = self._require_chat()
        try:
            params = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RequestError(400, f"ERROR: the chat request is not valid JSON: {exc}") from None
        if not isinstance(params, dict):
            raise RequestError(400, "ERROR: the chat request must be a JSON object")
        result = model.chat(params)
        if isinstance(result, Iterator) and not isinstance(result, Mapping):
            return Response(
                200, [("Content-Type", "text/event-stream; charset=utf-8")], sse_stream(result)
            )
        return json_response(200, to_jsonable(result))

    def models(self, request: Request) -> Response:
        """OpenAI's model list, as DRUM builds it: the model's ``get_supported_llm_models``
        hook, else the ``LLM_ID`` runtime parameter, else an empty list."""
        if self._settings.target_type is not TargetType.TEXT_GENERATION:
            raise RequestError(
                404, "ERROR: /models answers textgeneration models only (OpenAI's model list)"
            )
        return json_response(200, {"object": "list", "data": self._model.llm_models()})


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


def unstructured_response(result: Any) -> Response:
    """Encode ``score_unstructured``'s answer: ``data`` or ``(data, {mimetype, charset})``."""
    meta: Mapping[str, Any] = {}
    if isinstance(result, tuple):
        if len(result) != 2 or not isinstance(result[1], (Mapping, type(None))):
            raise ModelOutputError("score_unstructured returned a tuple other than (data, dict)")
        result, meta = result[0], result[1] or {}
    charset = meta.get("charset")
    if result is None:
        result = ""
    if isinstance(result, str):
        charset = charset or "utf-8"
        body = result.encode(charset)
        mimetype = meta.get("mimetype") or "text/plain"
    elif isinstance(result, (bytes, bytearray)):
        body = bytes(result)
        mimetype = meta.get("mimetype") or "application/octet-stream"
    else:
        raise ModelOutputError(
            f"score_unstructured returned {type(result).__name__}, expected str or bytes"
        )
    content_type = f"{mimetype}; charset={charset}" if charset else mimetype
    return Response(200, [("Content-Type", content_type)], body)
