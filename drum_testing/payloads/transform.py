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
type ``application/octet-stream``. We write the same bytes without requests_toolbelt
(:func:`~drum_testing.http.multipart.encode_form`).
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

import io
from typing import Any

import pandas as pd

from drum_testing.errors import ModelOutputError
from drum_testing.http.multipart import FormPart, encode_form
from drum_testing.http.openapi import BINARY, Content, Schema

X_FORMAT = "X.format"
X_TRANSFORMED = "X.transformed"
X_COLNAMES = "X.colnames"
Y_FORMAT = "y.format"
Y_TRANSFORMED = "y.transformed"
OCTET_STREAM = "application/octet-stream"


def file_field(name: str, data: bytes) -> FormPart:
    """A data part as DRUM sends it: a file named as its field, of unknown binary type."""
    return FormPart(name, data, name, OCTET_STREAM)


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
            FormPart(X_FORMAT, b"sparse"),
            file_field(X_TRANSFORMED, matrix),
            file_field(X_COLNAMES, names),
        ]
    else:
        fields = [FormPart(X_FORMAT, b"csv"), file_field(X_TRANSFORMED, csv_payload(features))]
    if target is not None:
        fields += [FormPart(Y_FORMAT, b"csv"), file_field(Y_TRANSFORMED, csv_payload(target))]
    return encode_form(fields)


ANSWER_SCHEMA: Schema = {
    "type": "object",
    "properties": {
        X_FORMAT: {"type": "string", "enum": ["csv", "sparse"]},
        X_TRANSFORMED: {**BINARY, "description": "CSV (CRLF lines), or Matrix Market if sparse"},
        X_COLNAMES: {**BINARY, "description": "sparse only: the column names, one a line"},
        Y_FORMAT: {"type": "string", "enum": ["csv"]},
        Y_TRANSFORMED: {**BINARY, "description": "the target sent, as CSV"},
    },
    "required": [X_FORMAT, X_TRANSFORMED],
}
ANSWER = (Content("multipart/form-data", ANSWER_SCHEMA),)
"""The ``/transform/`` answer, as the OpenAPI document shows it."""
