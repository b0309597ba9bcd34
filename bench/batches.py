"""Milliseconds per ``/predict/`` request against the batch size, ours next to DRUM.

One request at a time, at 1 to 100,000 rows, for three payloads: all-float columns, a
mixed frame (ints, floats with missing cells, short strings, a quoted field with a comma),
and the floats sent to a binary model, whose answer (an object a row) is the heaviest JSON.
Each server is started once per model and keeps serving across the sizes; at each size the
servers take turns request by request, in an order rotated every round, so drift on the
machine hits them alike. A server's figure is the median of its timed requests.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.report import Target, _judge, _num, _table
from bench.servers import BINARY, TRIVIAL, Model, Running

SIZES = (1, 10, 100, 1_000, 10_000, 100_000)
WARMUPS = 2
SIZE_BUDGET_S = 60.0
"""The longest one size may take for all servers together (bounds the loop in time)."""
REQUEST_TIMEOUT = 120.0
FLOAT_COLUMNS = 8
NOT_SLOWER = 1.0
LARGE_SIZES = (10_000, 100_000)
LARGE_SPEEDUP = 0.5
PAIRS = {"flask": "DRUM werkzeug", "gunicorn-1": "DRUM gunicorn", "fastapi-1": "DRUM gunicorn"}
"""Our config -> the DRUM server it is held against."""


def repeats(rows: int) -> int:
    """Timed requests per server at a size: fewer where one takes long."""
    return 15 if rows <= 10_000 else 9


def floats_csv(rows: int, seed: int = 0) -> bytes:
    """``rows`` rows of 8 float columns at full precision (17 significant digits)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, FLOAT_COLUMNS)), columns=[f"f{n}" for n in range(FLOAT_COLUMNS)]
    )
    text: str = frame.to_csv(index=False)
    return text.encode()


def mixed_csv(rows: int, seed: int = 0) -> bytes:
    """Ints, floats with missing cells, short strings and a quoted field with a comma."""
    rng = np.random.default_rng(seed)
    price = rng.uniform(1, 1000, rows).round(2)
    price[::7] = np.nan  # a missing cell every seventh row
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "rooms": rng.integers(1, 6, rows),
            "price": price,
            "area": rng.normal(80, 20, rows),
            "city": rng.choice(["Oslo", "Lyon", "Porto", "Graz"], rows),
            "note": rng.choice(["near a park, quiet", "new", "top floor, lift"], rows),
        }
    )
    text: str = frame.to_csv(index=False)
    return text.encode()


@dataclass(frozen=True)
class Payload:
    name: str
    model: Model
    make: Callable[[int], bytes]


PAYLOADS = (
    Payload("floats", TRIVIAL, floats_csv),
    Payload("mixed", TRIVIAL, mixed_csv),
    Payload("binary", BINARY, floats_csv),
)


def expected_answer(payload: Payload, body: bytes) -> list[float]:
    """What a right answer holds: the row sums, or P(yes) for the binary model."""
    import io

    totals = pd.read_csv(io.BytesIO(body)).select_dtypes("number").sum(axis=1).to_numpy()
    if payload.model.labels is None:
        return [float(x) for x in totals]
    return [float(x) for x in 1.0 / (1.0 + np.exp(-0.1 * totals))]


def post(url: str, body: bytes) -> tuple[int, bytes, float]:
    """One request on a new connection: ``(status, body, milliseconds)``."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT)
    began = time.perf_counter()
    try:
        connection.request("POST", "/predict/", body, {"Content-Type": "text/csv"})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, data, (time.perf_counter() - began) * 1000


def check(payload: Payload, url: str, body: bytes) -> str | None:
    """None if the server answers this body right (to DRUM's 10 digits), else what is wrong."""
    status, data, _ = post(url, body)
    if status != 200:
        return f"HTTP {status}: {data[:120]!r}"
    predictions = json.loads(data)["predictions"]
    if payload.model.labels is not None:
        predictions = [row["yes"] for row in predictions]
    expected = expected_answer(payload, body)
    if len(predictions) != len(expected) or not np.allclose(predictions, expected, rtol=1e-9):
        return f"wrong predictions: {predictions[:3]}... for {expected[:3]}..."
    return None


def measure_size(
    payload: Payload, rows: int, servers: Mapping[str, Running], say: Callable[[str], None]
) -> tuple[dict[str, float], dict[str, str]]:
    """Median ms per request of each server at ``rows``, and the servers that failed."""
    body = payload.make(rows)
    failed: dict[str, str] = {}
    for label, running in servers.items():
        problem = check(payload, running.url, body)
        if problem:
            failed[label] = problem
            say(f"    {label}: {problem}")
    live = [label for label in servers if label not in failed]
    for _ in range(WARMUPS):
        for label in live:
            post(servers[label].url, body)
    times: dict[str, list[float]] = {label: [] for label in live}
    deadline = time.monotonic() + SIZE_BUDGET_S
    for round_number in range(repeats(rows)):
        if time.monotonic() > deadline:
            break
        shift = round_number % max(1, len(live))
        for label in live[shift:] + live[:shift]:  # a different server first each round
            status, _, ms = post(servers[label].url, body)
            if status == 200:
                times[label].append(ms)
    medians = {label: statistics.median(t) for label, t in times.items() if t}
    return medians, failed


def measure(
    payload: Payload,
    servers: Mapping[str, Running],
    sizes: Sequence[int],
    say: Callable[[str], None],
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """``{server: {rows: ms}}`` over the sizes, and ``{server: error}``."""
    figures: dict[str, dict[str, float]] = {label: {} for label in servers}
    errors: dict[str, str] = {}
    for rows in sizes:
        medians, failed = measure_size(payload, rows, servers, say)
        for label, ms in medians.items():
            figures[label][str(rows)] = ms
        errors.update({label: f"{rows} rows: {why}" for label, why in failed.items()})
        say(
            f"  {payload.name} {rows:>7,} rows: "
            + ", ".join(f"{k} {v:.1f}" for k, v in medians.items())
        )
    return figures, errors


# --- judging and reporting --------------------------------------------------------------------
Figures = Mapping[str, Mapping[str, Mapping[str, float]]]
"""payload -> server -> rows (as text, for JSON) -> median ms per request."""


def evaluate(batches: Figures) -> list[Target]:
    """The issue's two targets, for each of our types and payload, at its worst size."""
    targets = []
    for payload, servers in batches.items():
        for ours, drum in PAIRS.items():
            if ours not in servers or drum not in servers:
                continue
            ratios = {
                int(rows): ms / servers[drum][rows]
                for rows, ms in servers[ours].items()
                if servers[drum].get(rows)
            }
            worst = max(ratios.values(), default=None)
            where = f" at {max(ratios, key=ratios.__getitem__):,} rows" if ratios else ""
            name = f"{payload}: {ours} ms/request vs {drum}, every size"
            targets.append(_judge((name, worst, NOT_SLOWER, False, "x", "")))
            targets[-1] = _with_note(targets[-1], f"worst{where}")
            large = {rows: r for rows, r in ratios.items() if rows in LARGE_SIZES}
            worst_large = max(large.values(), default=None)
            name = f"{payload}: {ours} vs {drum}, 10,000 and 100,000 rows"
            targets.append(_judge((name, worst_large, LARGE_SPEEDUP, False, "x", "")))
    return targets


def _with_note(target: Target, note: str) -> Target:
    import dataclasses

    return dataclasses.replace(target, note="; ".join(filter(None, [target.note, note])))


def table(payload: str, servers: Mapping[str, Mapping[str, float]]) -> str:
    """ms per request, a row per size, a column per server, then ours over DRUM's."""
    labels = list(servers)
    pairs = [(o, d) for o, d in PAIRS.items() if o in servers and d in servers]
    sizes = sorted({int(rows) for figures in servers.values() for rows in figures})
    rows = []
    for size in sizes:
        key = str(size)
        cells = [_num(servers[label].get(key)) for label in labels]
        ratios = [
            _num(servers[o][key] / servers[d][key])
            if key in servers[o] and key in servers[d]
            else "-"
            for o, d in pairs
        ]
        rows.append([f"{size:,}", *cells, *ratios])
    header = ["rows", *(f"{label} ms" for label in labels), *(f"{o}/DRUM" for o, _ in pairs)]
    return f"### {payload}\n\n" + _table(header, rows)
