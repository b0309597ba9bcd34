"""Chat answers: an OpenAI-style completion as JSON, or a stream of server-sent events.

::

    params = read_chat_request(request.body)         # the request: a JSON object
    body = dumps(to_jsonable(completion))            # one answer
    for event in sse_stream(chunks):                 # a streamed one, ending in [DONE]
        send(event)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Iterable, Mapping
from typing import Any

from drum_testing.errors import ModelOutputError
from drum_testing.http.errors import RequestError
from drum_testing.http.json import JSON, dumps
from drum_testing.http.openapi import TEXT, Content, Schema

logger = logging.getLogger(__name__)

EVENT_STREAM = "text/event-stream; charset=utf-8"

_warned_of_dicts = False


def read_chat_request(body: bytes | bytearray) -> dict[str, Any]:
    """The parameters of a chat request: its body, a JSON object; anything else is a 400.

    JSON nested deeper than the interpreter's recursion limit (``[[[[...``, a few KiB) makes
    ``json.loads`` raise RecursionError: a 400 too, not a 500.
    """
    try:
        params = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"ERROR: the chat request is not valid JSON: {exc}") from None
    except RecursionError:
        raise RequestError(
            400, "ERROR: the chat request is not valid JSON: nested too deeply"
        ) from None
    if not isinstance(params, dict):
        raise RequestError(400, "ERROR: the chat request must be a JSON object")
    return params


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


REQUEST_SCHEMA: Schema = {
    "type": "object",
    "description": "OpenAI's chat completion request (model, messages, stream, ...), handed "
    "to the model's chat hook as it is",
    "properties": {
        "model": {"type": "string"},
        "messages": {"type": "array", "items": {"type": "object"}},
        "stream": {"type": "boolean"},
    },
}
COMPLETION_SCHEMA: Schema = {
    "type": "object",
    "description": "OpenAI's ChatCompletion, as the model's chat hook made it",
}
STREAM_SCHEMA: Schema = {
    **TEXT,
    "description": "server-sent events: `data: <ChatCompletionChunk JSON>` a chunk, an "
    '`{"error": {"message", "type"}}` event if the model raised mid-stream, then '
    "`data: [DONE]`",
}
ANSWER = (
    Content(JSON, COMPLETION_SCHEMA),
    Content(EVENT_STREAM.split(";")[0], STREAM_SCHEMA),
)
"""A chat answer: one completion, or (``"stream": true``) a stream of events."""
