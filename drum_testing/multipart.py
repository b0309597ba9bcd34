"""``multipart/form-data`` bodies, split in one pass over bytes already in memory.

The standard library's ``email`` parser built a message object per part and copied the
body several times: a 6.5 MiB one-part upload took 87 MiB of peak memory, and 50,000 tiny
parts (3 MiB) took 16 s of CPU (measured here). python-multipart (what Starlette uses)
streams well, but its pure-Python state machine walks each header byte by byte: 2.0 s for
the same 50,000 parts, four times the time we allow. The body is already in memory when a
route parses it (the adapters read it whole, within ``max_body_bytes``), so the parts are
found with one compiled pattern and ``bytes.find``, in C: time is linear in bytes and memory
is the body plus the parts.

The rules are werkzeug's, which DRUM's server reads forms with: a delimiter line is
``--boundary`` after a line break (CRLF or LF), optionally followed by ``--`` (the end),
blanks and a line break; ``request.files[name]`` is the *first* part of that name.

::

    files = parse_multipart(body, ContentType.parse(request.headers["content-type"]))
    frame = read_csv(files["X"].data, files["X"].content_type.charset)
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from .errors import RequestError

if TYPE_CHECKING:
    from .payloads import ContentType

MALFORMED = "ERROR: the multipart body is malformed and cannot be read"
NO_BOUNDARY = "ERROR: multipart body without a boundary in its Content-Type"
_PARAM = re.compile(rb';\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')
_ENCODING = b"content-transfer-encoding"
_ESCAPE = re.compile(rb"\\(.)")


class FormFile(NamedTuple):
    """One part of a multipart body (a tuple: 50,000 tiny parts are built fast)."""

    name: str
    filename: str | None
    content_type: ContentType
    data: bytes


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def header_params(value: bytes) -> dict[bytes, bytes]:
    """The ``; key=value`` parameters of a header value (keys lower-cased, first wins).

    ::

        >>> header_params(b'form-data; name="X"; filename="a \\"b\\".csv"')
        {b'name': b'X', b'filename': b'a "b".csv'}
    """
    params: dict[bytes, bytes] = {}
    for match in _PARAM.finditer(value):
        quoted, bare = match.group(2), match.group(3)
        if quoted is None:
            text = bare.strip()
        else:
            text = _ESCAPE.sub(rb"\1", quoted) if b"\\" in quoted else quoted
        params.setdefault(match.group(1).lower(), text)
    return params


def _headers(block: bytes) -> dict[bytes, bytes]:
    headers: dict[bytes, bytes] = {}
    for line in block.splitlines():
        name, colon, value = line.partition(b":")
        if not colon:
            raise RequestError(400, MALFORMED)
        headers.setdefault(name.strip().lower(), value.strip())
    return headers


def _decode(data: bytes, encoding: bytes | None) -> bytes:
    """A part's data with its Content-Transfer-Encoding undone, as ``email`` did."""
    word = (encoding or b"").strip().lower()
    try:
        if word == b"base64":
            return base64.b64decode(data)
        if word == b"quoted-printable":
            return binascii.a2b_qp(data)
    except (ValueError, binascii.Error):
        raise RequestError(400, f"ERROR: a multipart part is not valid {word.decode()}") from None
    return data


def _part(body: bytes | bytearray, start: int, end: int) -> tuple[dict[bytes, bytes], bytes]:
    """``(headers, data)`` of the part in ``body[start:end]``, its data copied once."""
    if body.startswith(b"\r\n", start, end):  # no headers at all
        return {}, memoryview(body)[start + 2 : end].tobytes()
    if body.startswith(b"\n", start, end):
        return {}, memoryview(body)[start + 1 : end].tobytes()
    crlf, lf = body.find(b"\r\n\r\n", start, end), body.find(b"\n\n", start, end)
    if crlf >= 0 and (lf < 0 or crlf < lf):
        head, data_start = crlf, crlf + 4
    elif lf >= 0:
        head, data_start = lf, lf + 2
    else:
        raise RequestError(400, MALFORMED)
    return _headers(bytes(body[start:head])), memoryview(body)[data_start:end].tobytes()


def parse_multipart(body: bytes | bytearray, content_type: ContentType) -> dict[str, FormFile]:
    """Split a ``multipart/form-data`` body into its named parts, the first of each name.

    A body that is not well-formed multipart (no boundary, no parts, no closing boundary)
    is a 400: there is nothing we can read in it.
    """
    boundary = header_params(b";" + content_type.raw.partition(";")[2].encode("latin-1")).get(
        b"boundary"
    )
    if not boundary:
        raise RequestError(400, NO_BOUNDARY)
    delimiter = re.compile(rb"(?:\A|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    from .payloads import ContentType  # payloads imports this module

    files: dict[str, FormFile] = {}
    previous: re.Match[bytes] | None = None
    parts = 0
    for match in delimiter.finditer(body):
        if previous is not None:
            parts += 1
            _keep(files, ContentType.parse, *_part(body, previous.end(), match.start()))
        if match.group(1):  # the closing delimiter: the rest is an epilogue
            break
        previous = match
    else:
        raise RequestError(400, MALFORMED)  # never closed
    if not parts:
        raise RequestError(400, MALFORMED)
    return files


def _keep(
    files: dict[str, FormFile],
    parse_type: Callable[[str | None], ContentType],
    headers: dict[bytes, bytes],
    data: bytes,
) -> None:
    params = header_params(headers.get(b"content-disposition", b""))
    name = params.get(b"name")
    if name is None:
        return
    text = _text(name)
    if text in files:  # not the first of its name
        return
    filename = params.get(b"filename")
    files[text] = FormFile(
        name=text,
        filename=None if filename is None else _text(filename),
        content_type=parse_type(_text(headers.get(b"content-type", b""))),
        data=_decode(data, encoding)
        if (encoding := headers.get(b"content-transfer-encoding"))
        else data,
    )
