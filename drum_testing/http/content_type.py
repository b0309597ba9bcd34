"""``Content-Type`` headers, and text decoded in the charset they declare.

::

    >>> ContentType.parse("text/CSV; charset=latin-1").charset
    'latin-1'
    >>> decode_text(b"caf\\xe9", "latin-1")
    'café'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from email.message import Message

from .errors import RequestError

DEFAULT_CHARSET = "utf-8"
MULTIPART = "multipart/form-data"
TEXT_MIMETYPES = frozenset({"application/json", "application/x-www-form-urlencoded"})
"""Mimetypes outside ``text/`` whose bodies are text (as are ``+json`` types)."""


@dataclass(frozen=True)
class ContentType:
    """A parsed ``Content-Type``: ``mimetype`` in lower case, ``charset`` when given."""

    mimetype: str
    charset: str | None
    raw: str

    @classmethod
    def parse(cls, value: str | None) -> ContentType:
        """Parse a header value with the standard library's MIME rules (None: no header)."""
        return _parse_content_type(value or "")

    @classmethod
    def _parse(cls, value: str) -> ContentType:
        if not value.strip():
            return cls("", None, "")
        message = Message()
        message["content-type"] = value
        charset = message.get_param("charset")
        return cls(
            message.get_content_type().lower(),
            charset if isinstance(charset, str) and charset else None,
            value,
        )

    @property
    def is_text(self) -> bool:
        """Text mimetypes and JSON reach ``score_unstructured`` as ``str``."""
        return (
            self.mimetype.startswith("text/")
            or self.mimetype in TEXT_MIMETYPES
            or self.mimetype.endswith("+json")
        )


@functools.lru_cache(maxsize=256)
def _parse_content_type(value: str) -> ContentType:
    # Clients send the same few content types again and again; the MIME parser is not free.
    return ContentType._parse(value)


def decode_text(data: bytes | bytearray, charset: str | None) -> str:
    """Decode ``data`` in ``charset`` (utf-8 when none is given); a mismatch is a 422 whose
    message is the decoder's, as DRUM sends it."""
    encoding = charset or DEFAULT_CHARSET
    try:
        return data.decode(encoding)
    except LookupError:
        raise RequestError(422, f"ERROR: unknown charset {encoding!r}") from None
    except UnicodeDecodeError as exc:
        # DRUM's message is the decoder's own; ours says where the text breaks.
        raise RequestError(
            422,
            f"ERROR: {exc}",
            detail=f"the body is not valid {encoding} text (byte {exc.start}: {exc.reason})",
        ) from None
