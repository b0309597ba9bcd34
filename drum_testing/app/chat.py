"""The OpenAI-style routes of a chat model: ``/chat/completions`` and ``/models``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from drum_testing.config.settings import Settings, TargetType
from drum_testing.http.errors import RequestError
from drum_testing.http.json import JSON
from drum_testing.http.messages import Request, Response, json_response
from drum_testing.http.openapi import Answer, Content, Operation, error_answer, json_answer
from drum_testing.payloads import chat as chat_payload
from drum_testing.payloads.chat import EVENT_STREAM, read_chat_request, sse_stream, to_jsonable

from .state import Serving


def chat(serving: Serving, request: Request) -> Response:
    model = serving.loaded
    if not model.supports_chat:
        # DRUM's words, which differ by target type.
        target = serving.settings.target_type
        missing = (
            "chat() is not implemented"
            if target in (TargetType.TEXT_GENERATION, TargetType.AGENTIC_WORKFLOW)
            else "chat is not supported"
        )
        raise RequestError(
            404,
            f"ERROR: This model's chat interface was called, but {missing}.",
            detail="this model does not support chat (no chat hook)",
        )
    result = model.chat(read_chat_request(request.body))
    if isinstance(result, Iterator) and not isinstance(result, Mapping):
        return Response(200, [("Content-Type", EVENT_STREAM)], sse_stream(result))
    return json_response(200, to_jsonable(result))


def models(serving: Serving, request: Request) -> Response:
    """OpenAI's model list, as DRUM builds it: the model's ``get_supported_llm_models``
    hook, else the ``LLM_ID`` runtime parameter, else an empty list."""
    if serving.settings.target_type is not TargetType.TEXT_GENERATION:
        raise RequestError(
            404,
            "ERROR: get_supported_llm_models is supported only for TextGen models",
            detail=f"{request.path} answers textgeneration models only (OpenAI's model list)",
        )
    return json_response(200, {"object": "list", "data": serving.loaded.llm_models()})


# What each route answers, for the OpenAPI document (drum_testing.app.openapi).
def chat_operation(settings: Settings) -> Operation:
    return Operation(
        "OpenAI's chat completion",
        (
            Answer(200, "a completion, or a stream of its chunks", chat_payload.ANSWER),
            error_answer(400, "a body that is not a JSON object"),
            error_answer(404, "a model without a chat hook"),
        ),
        body=(Content(JSON, chat_payload.REQUEST_SCHEMA),),
        body_required=True,
    )


def models_operation(settings: Settings) -> Operation:
    schema = {
        "type": "object",
        "properties": {"object": {"const": "list"}, "data": {"type": "array"}},
        "required": ["object", "data"],
    }
    return Operation(
        "OpenAI's model list (textgeneration models)",
        (
            json_answer(200, "the models", schema),
            error_answer(404, "a model that is not a textgeneration model"),
        ),
    )
