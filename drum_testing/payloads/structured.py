"""Structured input that is not a plain CSV body: Matrix Market, and CSV in a form field.

A structured request sends its data as the raw body (CSV) or as the multipart form field
``X``: CSV, or Matrix Market when the file name ends in ``.mtx`` (with its column names in
the field ``X.colnames``), as DRUM reads it. Every way it can be wrong is a 422.

::

    frame = read_form_file(files["X"], files.get("X.colnames"), request.content_type.charset)
"""

from __future__ import annotations

import inspect
import io
from typing import Any

import pandas as pd

from drum_testing.http.content_type import decode_text
from drum_testing.http.errors import RequestError
from drum_testing.http.multipart import FormFile
from drum_testing.http.openapi import BINARY, TEXT, Content, Schema

from .csv_input import read_csv

CSV_MIMETYPES = frozenset({"text/csv", "text/plain", ""})
"""Raw structured bodies we parse as CSV; ``""`` is a request without a content type."""
SPARSE_SUFFIX = ".mtx"
DATA_FIELD = "X"
COLUMN_NAMES_FIELD = "X.colnames"
TARGET_FIELD = "y"


UNNAMED_SPARSE_COLUMNS = 2**14
"""The widest Matrix Market matrix read without ``X.colnames``, or wider than its bytes."""
SPARSE_ROWS = 2**20
"""The tallest one read with fewer bytes than rows."""


def _check_shape(data: bytes, column_names: bytes | None) -> tuple[int, int, str, str]:
    """The matrix's declared ``(rows, columns, layout, field)``; a 422 for a header that does
    not parse, or a shape out of proportion to the bytes that came.

    The header alone sets the cost: a 60-byte body declaring 3,000,000 columns took 36 s
    of CPU to become a frame (a column object each), and one declaring 300,000,000 rows
    2.4 GB (the row index); DRUM reads both alike. A column costs a name in ``X.colnames``
    (or a byte of the body), a row a byte of the body, beyond the limits above.
    """
    from scipy.io import mminfo

    try:
        rows, columns, _, layout, field, _ = mminfo(io.BytesIO(data))
    except Exception as exc:  # as mmread: ValueError, IndexError, ... on a bad header
        raise RequestError(422, f"ERROR: the Matrix Market data cannot be parsed: {exc}") from None
    sent = len(data) + len(column_names or b"")
    if columns > max(sent, UNNAMED_SPARSE_COLUMNS) or rows > max(len(data), SPARSE_ROWS):
        raise RequestError(
            422,
            f"ERROR: the Matrix Market data declares {rows} x {columns}, out of proportion to "
            f"the {sent} bytes sent (more than {UNNAMED_SPARSE_COLUMNS} columns needs as many "
            f"bytes, names in {COLUMN_NAMES_FIELD} included; more than {SPARSE_ROWS} rows as "
            "many bytes of data)",
        )
    return rows, columns, layout, field


def read_sparse(data: bytes, column_names: bytes | None) -> pd.DataFrame:
    """Parse a Matrix Market body into a sparse DataFrame (a 422 when it does not parse, or
    declares a shape out of proportion to its bytes)."""
    from scipy.io import mmread  # scipy is imported only by the sparse path.
    from scipy.sparse import csr_matrix

    rows, columns, layout, field = _check_shape(data, column_names)
    # scipy 1.18 warns that mmread's default result type changes; ask for the new one
    # where the argument exists (the conversion below takes either).
    options = {"spmatrix": False} if "spmatrix" in inspect.signature(mmread).parameters else {}
    try:
        if layout == "array" and rows == 0:
            # scipy's reader (fast_matrix_market, 1.12 on) divides by the row count: a
            # dense matrix of no rows killed the process with SIGFPE, the whole server
            # with it. It holds no values: its shape is all there is to read.
            matrix = csr_matrix((0, columns), dtype="int64" if field == "integer" else "float64")
        else:
            matrix = csr_matrix(mmread(io.BytesIO(data), **options))
    except Exception as exc:  # scipy raises ValueError, IndexError, ... on bad input
        raise RequestError(422, f"ERROR: the Matrix Market data cannot be parsed: {exc}") from None
    names: list[str] | None = None
    if column_names:
        names = [line for line in decode_text(column_names, None).splitlines() if line]
        if len(names) != matrix.shape[1]:
            raise RequestError(
                422,
                f"ERROR: {COLUMN_NAMES_FIELD} has {len(names)} names for {matrix.shape[1]} columns",
            )
    # pandas-stubs types the .sparse accessor on instances only.
    from_spmatrix: Any = pd.DataFrame.sparse.from_spmatrix  # type: ignore[attr-defined]
    frame: pd.DataFrame = from_spmatrix(matrix, columns=names)
    return frame


def read_form_file(field: FormFile, names: FormFile | None, charset: str | None) -> pd.DataFrame:
    """A structured form field as a frame: Matrix Market when its file name ends in
    ``.mtx`` (with column names from ``names``), else CSV in the part's charset, or the
    request's (``charset``)."""
    if (field.filename or "").endswith(SPARSE_SUFFIX):
        return read_sparse(field.data, names.data if names else None)
    return read_csv(field.data, field.content_type.charset or charset)


FORM_FIELDS: dict[str, Schema] = {
    DATA_FIELD: {
        **BINARY,
        "description": "the data: CSV, or Matrix Market when the part's file name ends in .mtx",
    },
    COLUMN_NAMES_FIELD: {**BINARY, "description": "a Matrix Market X's column names, one a line"},
    TARGET_FIELD: {
        **BINARY,
        "description": "/transform/ only: the target, CSV (Matrix Market when named *.mtx)",
    },
}
"""The multipart fields a structured route may read, as the OpenAPI document shows them."""


def request_bodies(fields: tuple[str, ...]) -> tuple[Content, ...]:
    """What a structured route takes: a CSV body (any of :data:`CSV_MIMETYPES`, or none), or
    a multipart form with ``fields`` (the data in ``X``). A model with a ``read_input_data``
    hook takes any body; the document shows what every model takes."""
    form: Schema = {
        "type": "object",
        "properties": {name: FORM_FIELDS[name] for name in fields},
    }
    csv = {
        **TEXT,
        "description": "CSV with a header line (UTF-8 unless a charset is declared)",
        "examples": ["a,b\n1,2\n3,4.5\n"],
    }
    return (
        *(Content(mimetype, csv) for mimetype in sorted(CSV_MIMETYPES) if mimetype),
        Content("multipart/form-data", form),
    )
