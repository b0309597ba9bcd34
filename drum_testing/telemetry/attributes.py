"""The attributes DRUM 1.18.1 puts on its spans, made by the same rules (plain Python).

A span carries the caller's ``X-DataRobot-Consumer-Id`` and ``-Type`` headers, and a chat span
the ``gen_ai.*`` attributes of the request and of the answer: one ``role``/``content`` pair per
message (``gen_ai.prompt.<i>.*``, ``gen_ai.completion.<i>.*``), the last message's content on
its own (``gen_ai.prompt``, ``gen_ai.completion``), and every message as JSON in
``gen_ai.input.messages`` / ``gen_ai.output.messages`` (OpenTelemetry's GenAI conventions:
``{"role", "parts": [{"type": "text", "content"}], "finish_reason"}``).

A streamed answer is put back together from its server-sent events first
(:func:`answer_from_events`), so a streamed and a whole answer leave the same attributes.

Values are handed to the SDK as DRUM hands them, None and lists of dicts included: the SDK
decides what a span keeps (1.45 keeps both, as empty and structured values), so ours and
DRUM's agree on any SDK version.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

Attributes = dict[str, Any]
"""Span attributes, as DRUM makes them (the SDK checks the values)."""

CONSUMER_HEADERS = {
    "X-DataRobot-Consumer-Id": "gen_ai.request.consumer_id",
    "X-DataRobot-Consumer-Type": "gen_ai.request.consumer_type",
}


def header_attributes(headers: Mapping[str, str]) -> Attributes:
    """The attributes of every traced route: who is calling, when DataRobot says so."""
    return {
        name: headers[header] for header, name in CONSUMER_HEADERS.items() if headers.get(header)
    }


def request_attributes(params: object) -> Attributes:
    """The ``gen_ai.*`` attributes of a chat request (OpenAI's ``messages`` and ``model``)."""
    params = params if isinstance(params, Mapping) else {}
    attributes: Attributes = {"gen_ai.request.model": params.get("model")}
    messages = []
    for i, message in enumerate(_list(params.get("messages"))):
        if not isinstance(message, Mapping):
            continue
        role, content = message.get("role"), message.get("content")
        attributes[f"gen_ai.prompt.{i}.role"] = role
        attributes[f"gen_ai.prompt.{i}.content"] = content
        attributes["gen_ai.prompt"] = content  # the last message's wins, as in DRUM
        messages.append(_message(role, content))
    _set_json(attributes, "gen_ai.input.messages", messages)
    return attributes


def answer_attributes(answer: object) -> Attributes:
    """The ``gen_ai.*`` attributes of a chat answer (a chat completion's ``choices``)."""
    answer = answer if isinstance(answer, Mapping) else {}
    attributes: Attributes = {"gen_ai.response.model": answer.get("model")}
    messages = []
    for i, choice in enumerate(_list(answer.get("choices"))):
        if not isinstance(choice, Mapping):
            continue
        message = choice.get("message")
        message = message if isinstance(message, Mapping) else {}
        role, content = message.get("role"), message.get("content")
        attributes[f"gen_ai.completion.{i}.role"] = role
        attributes[f"gen_ai.completion.{i}.content"] = content
        attributes["gen_ai.completion"] = content
        output = _message(role, content)
        if choice.get("finish_reason") is not None:
            output["finish_reason"] = choice["finish_reason"]
        messages.append(output)
    _set_json(attributes, "gen_ai.output.messages", messages)
    return attributes


def answer_from_events(chunks: Iterable[bytes]) -> dict[str, Any]:
    """A chat completion rebuilt from the server-sent events of a streamed one: the first
    ``model`` given, and per choice index its role, its deltas' content joined, and its
    finish reason. Lines that are not ``data:`` JSON (``[DONE]``, an error event's
    remains) are skipped."""
    model = None
    roles: dict[Any, Any] = {}
    contents: dict[Any, str] = {}
    finish: dict[Any, Any] = {}
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line.startswith("data:"):
            continue
        try:
            event = json.loads(line[5:])
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        if model is None:
            model = event.get("model")
        for choice in _list(event.get("choices")):
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", 0)
            delta = choice.get("delta")
            delta = delta if isinstance(delta, dict) else {}
            if delta.get("role"):
                roles[index] = delta["role"]
            if delta.get("content"):
                contents[index] = contents.get(index, "") + str(delta["content"])
            if choice.get("finish_reason"):
                finish[index] = choice["finish_reason"]
    indices = _sorted({*roles, *contents, *finish})
    return {
        "model": model,
        "choices": [
            {
                "message": {"role": roles.get(i), "content": contents.get(i)},
                "finish_reason": finish.get(i),
            }
            for i in indices
        ],
    }


def _message(role: object, content: object) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role}
    parts = _parts(content)
    if parts:
        message["parts"] = parts
    return message


def _parts(content: object) -> list[Any]:
    """A message's content as GenAI parts: text becomes ``{"type": "text", "content"}``,
    other parts (an image) are kept as they are."""
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if isinstance(content, list):
        return [
            {"type": "text", "content": part["text"]}
            if part.get("type") == "text" and "text" in part
            else part
            for part in content
            if isinstance(part, dict)
        ]
    return [] if content is None else [{"type": "text", "content": str(content)}]


def _set_json(attributes: Attributes, name: str, messages: list[dict[str, Any]]) -> None:
    if not messages:
        return
    # A part that is not JSON: DRUM leaves the attribute out.
    with contextlib.suppress(TypeError, ValueError):
        attributes[name] = json.dumps(messages)


def _sorted(indices: set[Any]) -> list[Any]:
    try:
        return sorted(indices)
    except TypeError:  # indices of mixed types (a model's mistake): any stable order
        return sorted(indices, key=repr)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
