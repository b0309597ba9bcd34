"""Decoding request bodies and encoding answers, with no web framework in sight.

Structured input arrives as a multipart form field ``X`` (CSV, or Matrix Market when the
file name ends in ``.mtx``; split by :mod:`~drum_testing.multipart`) or as the raw body.
Every way it can be wrong maps to a :class:`~drum_testing.errors.RequestError` with the
status CONTRACT.md gives it.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .csv_input import decode_text, read_csv
from .errors import RequestError

if TYPE_CHECKING:
    from .multipart import FormFile

CSV_MIMETYPES = frozenset({"text/csv", "text/plain", ""})
"""Raw structured bodies we parse as CSV; ``""`` is a request without a content type."""
MULTIPART = "multipart/form-data"
SPARSE_SUFFIX = ".mtx"


@dataclass(frozen=True)
class ContentType:
    """A parsed ``Content-Type``: ``mimetype`` in lower case, ``charset`` when given."""

    mimetype: str
    charset: str | None
    raw: str

    @classmethod
    def parse(cls, value: str | None) -> ContentType:
        """Parse a header value with the standard library's MIME rules.

        ::

            >>> ContentType.parse("text/CSV; charset=latin-1").charset
            'latin-1'
        """
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
            or self.mimetype
            in {
                "application/json",
                "application/x-www-form-urlencoded",
            }
            or self.mimetype.endswith("+json")
        )


def unstructured_input(
    body: bytes | bytearray, content_type: ContentType
) -> tuple[str | bytes, str, str]:
    """What ``score_unstructured`` gets for ``body``: the data, its mimetype and charset.

    Text (and a body without a content type) is decoded with its charset, utf-8 unless
    declared; anything else stays bytes::

        >>> unstructured_input(b"hi", ContentType.parse(None))
        ('hi', 'text/plain', 'utf-8')
    """
    mimetype = content_type.mimetype or "text/plain"
    charset = content_type.charset or "utf-8"
    is_text = content_type.is_text or not content_type.mimetype
    return (decode_text(body, charset) if is_text else bytes(body)), mimetype, charset


@functools.lru_cache(maxsize=256)
def _parse_content_type(value: str) -> ContentType:
    # Clients send the same few content types again and again; the MIME parser is not free.
    return ContentType._parse(value)


def read_sparse(data: bytes, column_names: bytes | None) -> pd.DataFrame:
    """Parse a Matrix Market body into a sparse DataFrame (a 422 when it does not parse)."""
    from scipy.io import mmread  # scipy is imported only by the sparse path.
    from scipy.sparse import csr_matrix

    # scipy 1.18 warns that mmread's default result type changes; ask for the new one
    # where the argument exists (the conversion below takes either).
    options = {"spmatrix": False} if "spmatrix" in inspect.signature(mmread).parameters else {}
    try:
        matrix = csr_matrix(mmread(io.BytesIO(data), **options))
    except Exception as exc:  # scipy raises ValueError, IndexError, ... on bad input
        raise RequestError(422, f"ERROR: the Matrix Market data cannot be parsed: {exc}") from None
    names: list[str] | None = None
    if column_names:
        names = [line for line in decode_text(column_names, None).splitlines() if line]
        if len(names) != matrix.shape[1]:
            raise RequestError(
                422,
                f"ERROR: X.colnames has {len(names)} names for {matrix.shape[1]} columns",
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


def json_default(value: Any) -> Any:
    """Serialise what pandas and numpy hand us (numpy scalars, timestamps)."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(payload: Mapping[str, Any] | list[Any]) -> bytes:
    """Encode a JSON answer, without spaces as DRUM's answers are.

    NaN and infinities become ``null`` rather than invalid JSON.
    """
    options: dict[str, Any] = {
        "default": json_default,
        "allow_nan": False,
        "separators": (",", ":"),
    }
    try:
        text = json.dumps(payload, **options)
    except ValueError:
        text = json.dumps(_nan_to_none(payload), **options)
    return text.encode("utf-8")


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(item) for item in value]
    return value
