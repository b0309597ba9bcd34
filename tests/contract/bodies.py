"""The request bodies the contract battery sends, byte for byte fixed."""

from __future__ import annotations

from collections.abc import Mapping

CSV = b"a,b\n1,2\n3,4\n"
BOUNDARY = "contract-boundary"


def multipart(fields: Mapping[str, tuple[str, bytes]]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body from ``{name: (filename, data)}``, byte for byte fixed."""
    parts = []
    for name, (filename, data) in fields.items():
        head = (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


MULTIPART_CSV = multipart({"X": ("x.csv", CSV)})
MULTIPART_MTX = multipart(
    {"X": ("x.mtx", b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 2 4\n")}
)
MULTIPART_WRONG_FIELD = multipart({"Y": ("y.csv", CSV)})
MULTIPART_X_Y = multipart({"X": ("x.csv", CSV), "y": ("y.csv", b"target\n0\n1\n")})
MULTIPART_SPARSE_NAMED = multipart(
    {
        "X": ("x.mtx", b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 2 1.5\n2 1 4\n"),
        "X.colnames": ("colnames", b"p\nq\n"),
    }
)
SCALED = b"a_x10,b_x10,rows_with_y\r\n10,20,-1\r\n30,40,-1"
"""The transform fixture's answer to CSV, as DRUM writes it: CRLF, no final line break."""
TEXT_CSV = {"Content-Type": "text/csv"}
