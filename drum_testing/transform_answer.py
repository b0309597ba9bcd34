"""The ``/transform/`` answer: a multipart body laid out byte for byte as DRUM 1.18.1 sends it.

DRUM builds it with requests_toolbelt's ``MultipartEncoder`` from these fields, in order:

========================  ==========================================================
``X.format``              ``csv``, or ``sparse`` when the transform returned a frame of
                          sparse columns only
``X.transformed``         the frame: CSV (CRLF lines, no index, no final line break), or
                          Matrix Market (``scipy.io.mmwrite``) when sparse
``X.colnames``            sparse only: the column names, one a line
``y.format``              ``csv``, when the request sent a target ``y``
``y.transformed``         the target as CSV, as it was sent (DRUM transforms features only)
========================  ==========================================================

Format fields are plain form values; the data fields are files named as their field, of
type ``application/octet-stream``. We write the same bytes without requests_toolbelt.
The one difference is the boundary: DRUM draws a random one (``uuid4().hex``); ours is a
hash of the parts (32 hex digits too), so the same request gets the same bytes from every
server type and worker. Clients read the boundary from the Content-Type either way.

::

    >>> content_type, body = transform_answer(pd.DataFrame({"a": [1, 2]}), None)
    >>> content_type.startswith("multipart/form-data; boundary=")
    True
    >>> b'name="X.transformed"; filename="X.transformed"' in body
    True
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from typing import Any, NamedTuple

import pandas as pd

from .answers import ModelOutputError

X_FORMAT = "X.format"
X_TRANSFORMED = "X.transformed"
X_COLNAMES = "X.colnames"
Y_FORMAT = "y.format"
Y_TRANSFORMED = "y.transformed"
OCTET_STREAM = "application/octet-stream"
CRLF = b"\r\n"


class FormField(NamedTuple):
    """One part of the answer: a plain value (no filename), or a file."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None


def file_field(name: str, data: bytes) -> FormField:
    """A data part as DRUM sends it: a file named as its field, of unknown binary type."""
    return FormField(name, data, name, OCTET_STREAM)


def _head(field: FormField) -> bytes:
    # Field and file names are ours (the constants above): nothing in them needs quoting.
    disposition = f'Content-Disposition: form-data; name="{field.name}"'
    if field.filename is not None:
        disposition += f'; filename="{field.filename}"'
    lines = [disposition]
    if field.content_type is not None:
        lines.append(f"Content-Type: {field.content_type}")
    return "\r\n".join(lines).encode("utf-8") + CRLF + CRLF


def _boundary(heads: Sequence[bytes], fields: Sequence[FormField]) -> str:
    """32 hex digits derived from the parts, and found in none of them."""
    digest = hashlib.blake2b(digest_size=16)
    for head, field in zip(heads, fields, strict=True):
        digest.update(head)
        digest.update(field.data)
    while True:
        boundary = digest.hexdigest()
        marker = boundary.encode("ascii")
        if not any(marker in field.data for field in fields):
            return boundary
        digest.update(marker)  # astronomically rare: draw again, still deterministic


def encode_form(fields: Sequence[FormField]) -> tuple[str, bytes]:
    """``(content_type, body)`` of a multipart/form-data body of ``fields``, in order.

    The layout is ``MultipartEncoder.to_string()``'s: ``--boundary`` CRLF, the part's
    headers, a blank line, its data, CRLF; then ``--boundary--`` CRLF::

        >>> content_type, body = encode_form([FormField("k", b"v")])
        >>> boundary = content_type.partition("boundary=")[2].encode()
        >>> body.replace(boundary, b"B")
        b'--B\\r\\nContent-Disposition: form-data; name="k"\\r\\n\\r\\nv\\r\\n--B--\\r\\n'
    """
    heads = [_head(field) for field in fields]
    boundary = _boundary(heads, fields)
    delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for head, field in zip(heads, fields, strict=True):
        chunks += [delimiter, CRLF, head, field.data, CRLF]
    chunks += [delimiter, b"--", CRLF]
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def is_sparse(frame: pd.DataFrame) -> bool:
    """Whether DRUM sends ``frame`` as Matrix Market: every column is sparse.

    (DRUM asks ``hasattr(frame, "sparse")``, which is this, but also holds for a frame
    without columns, which it then fails to write; we send that one as CSV.)
    """
    return frame.shape[1] > 0 and all(isinstance(t, pd.SparseDtype) for t in frame.dtypes)


def column_names(frame: pd.DataFrame) -> list[str]:
    """The names DRUM sends: ``str``, stripped, line breaks written ``\\n``; none empty."""
    names = [str(name).strip().replace("\n", "\\n") for name in frame.columns]
    if not all(names):
        raise ModelOutputError(
            f"the transform returned columns {list(frame.columns)!r}; a column name that is "
            "empty or only whitespace cannot be sent"
        )
    return names


def csv_payload(frame: pd.DataFrame) -> bytes:
    """``frame`` as DRUM's CSV: no index, CRLF line ends, no line break after the last row."""
    named = frame.set_axis(column_names(frame), axis=1)
    text: str = named.to_csv(index=False, lineterminator="\r\n")
    return text[:-2].encode("utf-8")


def mtx_payload(frame: pd.DataFrame) -> tuple[bytes, bytes]:
    """A sparse ``frame`` as ``(Matrix Market bytes, column names one a line)``."""
    from scipy.io import mmwrite  # scipy is imported only by the sparse path.

    names = column_names(frame)
    sparse: Any = frame.sparse  # pandas-stubs types the accessor loosely
    sink = io.BytesIO()
    mmwrite(sink, sparse.to_coo())
    return sink.getvalue(), "\n".join(names).encode("utf-8")


def transform_answer(features: pd.DataFrame, target: pd.DataFrame | None) -> tuple[str, bytes]:
    """``(content_type, body)`` of the ``/transform/`` answer for what the model returned.

    ``target`` is the ``y`` the request sent (None when it sent none).
    """
    if is_sparse(features):
        matrix, names = mtx_payload(features)
        fields = [
            FormField(X_FORMAT, b"sparse"),
            file_field(X_TRANSFORMED, matrix),
            file_field(X_COLNAMES, names),
        ]
    else:
        fields = [FormField(X_FORMAT, b"csv"), file_field(X_TRANSFORMED, csv_payload(features))]
    if target is not None:
        fields += [FormField(Y_FORMAT, b"csv"), file_field(Y_TRANSFORMED, csv_payload(target))]
    return encode_form(fields)
