"""Multipart forms at the server: 50,000 tiny parts, and one 6.5 MiB part.

The two shapes that hurt a parser: many parts (per-part cost; 16 s with the standard
library's ``email`` parser) and one large part (copies of the body; +87 MiB of peak for
6.5 MiB with ``email``). Each form carries the model's input as its first part ``X``, so
the request is scored as usual; the time is the request's, the memory the server group's
peak during it (``bench.memory``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bench.memory import MemoryFigures, measure_one
from bench.report import Target, _judge, _num, _short, _table
from bench.servers import Running

BOUNDARY = "bench-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
TINY_PARTS = 50_000
LARGE_PART_MIB = 6.5
TINY_SECONDS = 0.5
EXTRA_BODIES = 1.0
"""What the form may cost over the same CSV sent raw, in bodies: one copy, the part."""


def _part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"


def _form(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def tiny_parts_form(parts: int = TINY_PARTS) -> bytes:
    """``X`` (a one-row CSV), then ``parts - 1`` parts of one byte."""
    rest = (_part(f"f{i}", b"x") for i in range(parts - 1))
    return _form(_part("X", b"a,b\n1,2\n", "x.csv"), *rest)


def large_csv(mib: float = LARGE_PART_MIB) -> bytes:
    row = b"1.25,2.5\n"
    return b"a,b\n" + row * int(mib * 2**20 / len(row))


def large_part_form(mib: float = LARGE_PART_MIB) -> bytes:
    return _form(_part("X", large_csv(mib), "x.csv"))


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "tiny": (tiny_parts_form, CONTENT_TYPE),
    "large": (large_part_form, CONTENT_TYPE),
    "large raw": (large_csv, "text/csv"),
}
"""Each case, and its content type: the forms, and the large form's CSV sent as ``text/csv``
(what scoring it costs without a form). Each runs on servers of its own: memory a
previous request left in the heap would hide part of the next one's rise."""


def measure(
    case: str, servers: Mapping[str, Running], say: Callable[[str], None]
) -> dict[str, MemoryFigures]:
    """``{server: figures}`` for one of :data:`CASES`."""
    make_body, content_type = CASES[case]
    body = make_body()
    results = {}
    for label, running in servers.items():
        results[label] = figures = measure_one(running, body, content_type)
        say(f"  {case}, {label}: HTTP {figures.status}, {_num(figures.seconds, 3)} s")
    return results


def evaluate(results: Mapping[str, Mapping[str, MemoryFigures]]) -> list[Target]:
    targets = []
    large_mib = len(large_part_form()) / 2**20
    for label, f in results.get("tiny", {}).items():
        if label.startswith("DRUM"):
            continue
        note = "" if f.status == 200 else f"HTTP {f.status}"
        name = f"{TINY_PARTS:,} tiny parts, {label}"
        targets.append(_judge((name, f.seconds, TINY_SECONDS, False, " s", note)))
    raw = results.get("large raw", {})
    for label, f in results.get("large", {}).items():
        if label.startswith("DRUM") or label not in raw:
            continue
        note = "" if f.status == 200 else f"HTTP {f.status}"
        form, csv = f.rise_mib, raw[label].rise_mib
        extra = form - csv if form is not None and csv is not None else None
        name = f"peak RSS of a {large_mib:.1f} MiB one-part form over the same CSV raw, {label}"
        targets.append(_judge((name, extra, EXTRA_BODIES * large_mib, False, " MiB", note)))
    return targets


def table(results: Mapping[str, Mapping[str, MemoryFigures]]) -> str:
    rows = [
        [
            case,
            label,
            str(f.status or "-"),
            _num(f.seconds, 3),
            _num(f.rise_mib, 1),
            _short(f.error),
        ]
        for case, group in results.items()
        for label, f in group.items()
    ]
    header = ["form", "server", "status", "seconds", "peak rise MiB", "error"]
    return _table(header, rows)
