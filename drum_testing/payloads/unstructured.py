"""Unstructured payloads: what ``score_unstructured`` gets, and how its answer is sent.

The hook gets text (``str``, decoded in the request's charset, utf-8 unless declared) for
text mimetypes, JSON and a body without a content type, and ``bytes`` otherwise. It answers
``data`` or ``(data, {"mimetype": ..., "charset": ...})``; a ``str`` goes out encoded in its
charset (utf-8 by default) as ``text/plain`` unless told otherwise, ``bytes`` as
``application/octet-stream``. ``/predictUnstructured/`` and ``drum-testing score`` both
read and write through here.

::

    >>> unstructured_input(b"hi", ContentType.parse(None))
    ('hi', 'text/plain', 'utf-8')
    >>> unstructured_answer(("hi", {"mimetype": "text/csv"}))
    ('text/csv; charset=utf-8', b'hi')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drum_testing.errors import ModelOutputError
from drum_testing.http.content_type import DEFAULT_CHARSET, ContentType, decode_text
from drum_testing.http.openapi import ANY, Content

OCTET_STREAM = "application/octet-stream"
TEXT_PLAIN = "text/plain"


def unstructured_input(
    body: bytes | bytearray, content_type: ContentType
) -> tuple[str | bytes, str, str]:
    """What ``score_unstructured`` gets for ``body``: the data, its mimetype and charset."""
    mimetype = content_type.mimetype or TEXT_PLAIN
    charset = content_type.charset or DEFAULT_CHARSET
    is_text = content_type.is_text or not content_type.mimetype
    return (decode_text(body, charset) if is_text else bytes(body)), mimetype, charset


def unstructured_answer(result: Any) -> tuple[str, bytes]:
    """``(content_type, body)`` of ``score_unstructured``'s answer: ``data`` or
    ``(data, {mimetype, charset})``; anything else is the model's fault."""
    meta: Mapping[str, Any] = {}
    if isinstance(result, tuple):
        if len(result) != 2 or not isinstance(result[1], (Mapping, type(None))):
            raise ModelOutputError("score_unstructured returned a tuple other than (data, dict)")
        result, meta = result[0], result[1] or {}
    charset = meta.get("charset")
    if result is None:
        result = ""
    if isinstance(result, str):
        charset = charset or DEFAULT_CHARSET
        body = result.encode(charset)
        mimetype = meta.get("mimetype") or TEXT_PLAIN
    elif isinstance(result, (bytes, bytearray)):
        body = bytes(result)
        mimetype = meta.get("mimetype") or OCTET_STREAM
    else:
        raise ModelOutputError(
            f"score_unstructured returned {type(result).__name__}, expected str or bytes"
        )
    return (f"{mimetype}; charset={charset}" if charset else mimetype), body


ANY_BODY = (Content("*/*", ANY),)
"""What ``/predictUnstructured/`` takes and answers: any body of any content type (the model
decides; text is decoded for it, the rest handed over as bytes)."""
