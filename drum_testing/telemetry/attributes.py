"""The attributes DRUM 1.18.1 puts on its spans, made by the same rules (plain Python).

A span carries the caller's ``X-DataRobot-Consumer-Id`` and ``-Type`` headers, and a chat span
the ``gen_ai.*`` attributes of the request and of the answer: one ``role``/``content`` pair per
message (``gen_ai.prompt.<i>.*``, ``gen_ai.completion.<i>.*``), the last message's content on
its own (``gen_ai.prompt``, ``gen_ai.completion``), and every message as JSON in
``gen_ai.input.messages`` / ``gen_ai.output.messages`` (OpenTelemetry's GenAI conventions:
``{"role", "parts": [{"type": "text", "content"}], "finish_reason"}``).

A streamed answer is put back together from its server-sent events first
(:func:`answer_from_events`), so a streamed and a whole answer leave the same attributes.

Values a span cannot hold (None, a list of dicts) are left out, as the SDK leaves them out
of DRUM's spans (with a warning each, which we spare the log).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Attributes = dict[str, Any]
"""Span attributes: str, bool, int or float values, or sequences of one of them."""

CONSUMER_HEADERS = {
    "X-DataRobot-Consumer-Id": "gen_ai.request.consumer_id",
    "X-DataRobot-Consumer-Type": "gen_ai.request.consumer_type",
}

_SCALARS = (str, bool, int, float)


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
    if messages:
        attributes["gen_ai.input.messages"] = _json(messages)
    return valid(attributes)


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
    if messages:
        attributes["gen_ai.output.messages"] = _json(messages)
    return valid(attributes)


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


def valid(attributes: Mapping[str, Any]) -> Attributes:
    """Only the attributes a span can hold: a str, bool, int or float, or a sequence of one
    of them (None among them allowed), as the SDK keeps them."""
    return {name: value for name, value in attributes.items() if _valid(value)}


def _valid(value: object) -> bool:
    if isinstance(value, _SCALARS):
        return True
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        return False
    kinds = {type(item) for item in value if item is not None}
    return len(kinds) <= 1 and all(kind in _SCALARS for kind in kinds)


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


def _json(messages: list[dict[str, Any]]) -> str | None:
    try:
        return json.dumps(messages)
    except (TypeError, ValueError):  # a part that is not JSON: the attribute is left out
        return None


def _sorted(indices: set[Any]) -> list[Any]:
    try:
        return sorted(indices)
    except TypeError:  # indices of mixed types (a model's mistake): any stable order
        return sorted(indices, key=repr)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
