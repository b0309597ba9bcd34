"""Unstructured scoring: /predictUnstructured/, its data and mimetypes."""

from __future__ import annotations

from tests.contract.case import Case

CASES: tuple[Case, ...] = (
    # --- unstructured scoring
    *(
        Case(
            f"unstructured {p}",
            "unstructured",
            "POST",
            p + "?mode=upper",
            200,
            body="héllo".encode(),
            headers={"Content-Type": "text/plain"},
            content_type="text/plain; charset=utf-8",
        )
        for p in ("/predictUnstructured/", "/predictionsUnstructured/")
    ),
    Case(
        "unstructured meta",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=meta&k=1",
        200,
        body="ü".encode("latin-1"),
        headers={"Content-Type": "text/csv; charset=latin-1", "X-Fixture": "seen"},
        json={
            "type": "str",
            "mimetype": "text/csv",
            "charset": "latin-1",
            "query": {"mode": "meta", "k": "1"},
            "length": 1,
            "header": "seen",
        },
    ),
    Case(
        "unstructured bytes",
        "unstructured",
        "POST",
        "/predictUnstructured/?mode=bytes",
        200,
        body=bytes(range(256)),
        headers={"Content-Type": "image/png"},
        content_type="application/octet-stream",
    ),
)
