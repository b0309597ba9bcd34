"""Sending a case of the battery, and reading an answer down to what must be alike."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from drum_testing.http.content_type import ContentType
from drum_testing.http.multipart import parse_multipart
from drum_testing.payloads.structured import read_sparse
from drum_testing.payloads.transform import OCTET_STREAM

from .case import Case

REQUEST_ID = "contract-battery-request"
OUR_HEADERS = (
    "X-Drum-Version",
    "X-Drum-Testing-Version",
    "X-Request-ID",
    "X_Request_ID",
    "X-Drum-User-Http-Error",
    "Allow",
    "Location",
)
"""Headers of ours that every server type must send alike (Date, Server are the server's)."""


@dataclass(frozen=True)
class Observed:
    """What a server answered, reduced to what must be equal across server types."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: Any


def _keys(value: Any) -> Any:
    """The keys of a /stats/ entry: of a dict, or of each dict of a list (``drum_info``)."""
    if isinstance(value, dict):
        return sorted(value)
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return [sorted(item) for item in value]
    return None


def send(base_url: str, case: Case) -> requests.Response:
    """Send the case's request (redirects are not followed: a 308 is an answer here)."""
    headers = {"X-Request-ID": REQUEST_ID, **case.headers}
    return requests.request(
        case.method,
        base_url + case.path,
        data=case.body,
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def observe(response: requests.Response) -> Observed:
    content_type = response.headers.get("Content-Type", "")
    body: Any = response.content
    if content_type.startswith("application/json") and response.content:  # HEAD: none
        body = response.json()
        if isinstance(body, dict) and "mem_info" in body:  # /stats/: figures vary, keys don't
            body = {key: _keys(value) for key, value in body.items() if _keys(value) is not None}
    ours = {name: response.headers[name] for name in OUR_HEADERS if name in response.headers}
    if "Location" in ours:  # absolute: this server's own address is not part of the answer
        own = urllib.parse.urlsplit(response.url)
        ours["Location"] = ours["Location"].removeprefix(f"{own.scheme}://{own.netloc}")
    return Observed(response.status_code, content_type, ours, body)


def check(case: Case, response: requests.Response) -> None:
    """Assert that ``response`` is what the contract says ``case`` gets."""
    assert response.status_code == case.status, (case.id, response.status_code, response.text)
    seen = observe(response)
    assert seen.headers["X-Request-ID"] == REQUEST_ID
    assert seen.headers["X_Request_ID"] == REQUEST_ID
    assert "X-Drum-Version" in seen.headers
    assert "X-Drum-Testing-Version" in seen.headers
    for name, value in case.expect_headers.items():
        got = seen.headers.get(name) if name in OUR_HEADERS else response.headers.get(name)
        assert got == value, (name, response.headers)
    if case.method == "HEAD":
        assert response.content == b""
    if case.content_type is not None:
        assert seen.content_type == case.content_type
    if case.json is not None:
        body = seen.body
        if isinstance(body, dict) and isinstance(case.json, dict) and "detail" not in case.json:
            body = {key: value for key, value in body.items() if key != "detail"}  # ours
        assert body == case.json
    if case.parts is not None:
        assert seen.content_type.startswith("multipart/form-data; boundary=")
        assert decode_parts(seen.content_type, response.content) == case.parts
    if case.status >= 400:
        assert seen.content_type == "application/json"
        text = response.json()["message"]
        # Our errors start with "ERROR: "; a model's CustomHTTPError is its message as raised.
        assert text.startswith("ERROR: ") or "X-Drum-User-Http-Error" in seen.headers
        # The message is DRUM's words; what we add is the detail beside it.
        said = f"{text}\n{response.json().get('detail', '')}"
        assert case.message is None or case.message in said, said


def decode_parts(content_type: str, body: bytes) -> dict[str, bytes | list[list[float]]]:
    """A /transform/ answer's parts, name -> data, as our request parser reads them. Each
    is DRUM's kind: a ``.format`` is a plain value, the rest files of their own name, of
    type application/octet-stream. A sparse X.transformed is given as its dense values."""
    files = parse_multipart(body, ContentType.parse(content_type))
    decoded: dict[str, bytes | list[list[float]]] = {}
    for name, part in files.items():
        kind = (part.filename, part.content_type.mimetype)
        assert kind == ((None, "") if name.endswith(".format") else (name, OCTET_STREAM)), name
        decoded[name] = part.data
    if decoded.get("X.format") == b"sparse":
        sparse: Any = read_sparse(files["X.transformed"].data, None).sparse  # stubs: loose
        decoded["X.transformed"] = sparse.to_dense().to_numpy().tolist()
    return decoded


def decode_events(body: bytes) -> list[Any]:
    """The JSON payloads of a server-sent-events body, ``[DONE]`` as the string."""
    events = [e for e in body.decode().split("\n\n") if e]
    return [e[6:] if e == "data: [DONE]" else json.loads(e[6:]) for e in events]
