"""Load generation: wrk when it is installed, else a bounded Python client.

wrk is the measuring tool: written in C on epoll, it costs the server little CPU on a
two-core machine, so the figures are the server's. The Python fallback (threads with
keep-alive ``http.client`` connections) competes with the server for the GIL-free cores and
mostly measures itself; it exists so the bench still runs where wrk is missing, and every
result it produces says so.

Every run is bounded: wrk by ``-d``, the fallback by a deadline *and* a request count.
Errors are counted, never dropped: a result with non-2xx answers or socket errors is
flagged by the report instead of being averaged in.
"""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROUND_SECONDS = 1.0
"""Servers compared with each other take turns this often (see measure_interleaved)."""
CONNECTIONS = 4
"""Concurrent keep-alive connections, as the issue asks."""
WRK_THREADS = 1
"""One thread drives 4 connections easily (epoll, tens of thousands of requests/s); a
second would only take CPU from the server on a two-core machine."""
WRK_TIMEOUT = "5s"
"""A request slower than this counts as a socket error (wrk's default is 2 s)."""
FALLBACK_MAX_REQUESTS = 200_000
"""The fallback stops here even if the duration has not passed."""
REQUEST_TIMEOUT = 10.0
"""Per request, in the fallback."""

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class Request:
    """One request, sent again and again: ``GET /ping/`` or ``POST /predict/`` with a CSV."""

    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None


@dataclass(frozen=True)
class LoadResult:
    """What one timed run measured; latencies in milliseconds."""

    tool: str
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int = 0
    socket_errors: int = 0
    round_rps: tuple[float, ...] = ()
    """Requests/s of each timed round, when the figure combines several."""

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk_path() -> str | None:
    """The wrk executable, or None (the fallback is then used)."""
    return shutil.which("wrk")


def wrk_version(path: str) -> str:
    """wrk's first ``-v`` line ("wrk debian/4.1.0-3+b2 [epoll]"); it exits 1 after printing."""
    try:
        done = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"wrk (version unknown: {exc})"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].split(" Copyright")[0].strip() if lines else "wrk (version unknown)"


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _TIME_UNITS_MS[unit]


_UNIT = r"(us|ms|s|m|h)"
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)" + _UNIT + r",", re.MULTILINE)
_PERCENTILE = r"^\s*{}(?:\.0+)?%\s+([\d.]+)" + _UNIT + r"\s*$"
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def _percentile_ms(text: str, percent: int) -> float | None:
    match = re.search(_PERCENTILE.format(percent), text, re.MULTILINE)
    return None if match is None else _to_ms(match.group(1), match.group(2))


def parse_wrk_output(text: str) -> LoadResult:
    """The figures of one ``wrk --latency`` run.

    wrk prints no error lines when there were none; its "Non-2xx or 3xx" count is in fact
    of statuses >= 400, which is what matters here (none of these routes redirects).

    :raises ValueError: the text has no ``Requests/sec`` line (wrk failed).
    """
    rps = _RPS.search(text)
    if rps is None:
        raise ValueError(f"not wrk output (no Requests/sec line): {text.strip()[-300:]!r}")
    total = _TOTAL.search(text)
    requests, seconds = (0, 0.0)
    if total is not None:
        requests = int(total.group(1))
        seconds = _to_ms(total.group(2), total.group(3)) / 1000.0
    socket = _SOCKET_ERRORS.search(text)
    non_2xx = _NON_2XX.search(text)
    return LoadResult(
        tool="wrk",
        requests=requests,
        seconds=seconds,
        requests_per_second=float(rps.group(1)),
        p50_ms=_percentile_ms(text, 50),
        p99_ms=_percentile_ms(text, 99),
        non_2xx=0 if non_2xx is None else int(non_2xx.group(1)),
        socket_errors=0 if socket is None else sum(int(n) for n in socket.groups()),
    )


def lua_string(data: bytes) -> str:
    """``data`` as a Lua string literal; every byte but plain printable ASCII escaped.

    Decimal escapes always have three digits, so a digit that follows is not read as
    part of the escape.
    """
    out = []
    for byte in data:
        char = chr(byte)
        plain = 32 <= byte < 127 and char not in '"\\'
        out.append(char if plain else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(request: Request) -> str:
    """The Lua script that makes wrk send ``request`` (wrk's default is a bodyless GET)."""
    lines = [f"wrk.method = {lua_string(request.method.encode())}"]
    if request.body:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    if request.content_type:
        lines.append(f'wrk.headers["Content-Type"] = {lua_string(request.content_type.encode())}')
    return "\n".join(lines) + "\n"


def run_wrk(wrk: str, base_url: str, request: Request, seconds: int) -> LoadResult:
    """One wrk run of ``seconds`` (whole seconds: wrk's ``-d`` takes no fractions)."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "request.lua"
        script.write_text(wrk_script(request), encoding="utf-8")
        command = [wrk, f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s"]
        command += ["--latency", "--timeout", WRK_TIMEOUT, "-s", str(script)]
        done = subprocess.run(
            [*command, base_url + request.path],
            capture_output=True,
            text=True,
            timeout=seconds + 30,  # wrk stops itself at -d; this only guards a hang
            check=False,
        )
    return parse_wrk_output(done.stdout + done.stderr)


def percentile(sorted_values: list[float], percent: float) -> float | None:
    """Nearest-rank percentile of an ascending list; None if it is empty."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * percent // 100))  # ceil without floats
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def run_python(base_url: str, request: Request, seconds: float) -> LoadResult:
    """The fallback: ``CONNECTIONS`` threads, each with one keep-alive connection."""
    parts = urllib.parse.urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = {"Content-Type": request.content_type} if request.content_type else {}
    per_thread = FALLBACK_MAX_REQUESTS // CONNECTIONS
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"non_2xx": 0, "socket_errors": 0}
    start = time.perf_counter()
    deadline = start + seconds

    def client() -> None:
        mine: list[float] = []
        non_2xx = errors = 0
        connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        try:
            while len(mine) + errors < per_thread and time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    connection.request(request.method, request.path, request.body, headers)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    errors += 1
                    connection.close()  # reconnects on the next request
                    continue
                mine.append((time.perf_counter() - began) * 1000.0)
                non_2xx += not 200 <= response.status < 300
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                counts["non_2xx"] += non_2xx
                counts["socket_errors"] += errors

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT + 5)
    elapsed = time.perf_counter() - start
    with lock:
        done = sorted(latencies)
        return LoadResult(
            tool="python",
            requests=len(done),
            seconds=elapsed,
            requests_per_second=len(done) / elapsed if elapsed > 0 else 0.0,
            p50_ms=percentile(done, 50),
            p99_ms=percentile(done, 99),
            non_2xx=counts["non_2xx"],
            socket_errors=counts["socket_errors"],
        )


def combine(rounds: Sequence[LoadResult]) -> LoadResult:
    """One figure from timed rounds: requests/s over all of them, latency the median round's.

    Percentiles of separate runs can't be pooled exactly; the median over rounds of each
    run's p50 and p99 is robust to one disturbed round, as the mean would not be.
    """
    requests = sum(r.requests for r in rounds)
    seconds = sum(r.seconds for r in rounds)
    p50s = [r.p50_ms for r in rounds if r.p50_ms is not None]
    p99s = [r.p99_ms for r in rounds if r.p99_ms is not None]
    return LoadResult(
        tool=rounds[0].tool,
        requests=requests,
        seconds=seconds,
        requests_per_second=requests / seconds if seconds > 0 else 0.0,
        p50_ms=statistics.median(p50s) if p50s else None,
        p99_ms=statistics.median(p99s) if p99s else None,
        non_2xx=sum(r.non_2xx for r in rounds),
        socket_errors=sum(r.socket_errors for r in rounds),
        round_rps=tuple(r.requests_per_second for r in rounds),
    )


def measure_interleaved(
    urls: Mapping[str, str], request: Request, *, duration: float, warmup: float
) -> dict[str, LoadResult | str]:
    """Load each server in turn, in 1-second rounds, for ``duration`` seconds each in all.

    On a small shared machine requests/s drift by tens of percent from one second to the
    next; measured one after the other, two servers can differ by that alone. Taking turns
    every second (the order reversed every other round, ABBA) exposes every server to the
    same drift, so it cancels out of their ratio. Each round's requests/s is kept
    (``round_rps``): a wide spread is noise no ordering removes. Each server first gets
    ``warmup`` seconds, thrown away. A server whose run fails gets the error message
    instead of a result, and the others go on.
    """
    wrk = wrk_path()

    def one(url: str, seconds: float) -> LoadResult:
        if wrk is not None:
            return run_wrk(wrk, url, request, max(1, round(seconds)))
        return run_python(url, request, seconds)

    rounds: dict[str, list[LoadResult]] = {name: [] for name in urls}
    failed: dict[str, str] = {}
    names = list(urls)
    for number in range(-1 if warmup > 0 else 0, max(1, round(duration / ROUND_SECONDS))):
        for name in names if number % 2 == 0 else reversed(names):
            if name in failed:
                continue
            try:
                result = one(urls[name], warmup if number < 0 else ROUND_SECONDS)
            except (ValueError, OSError, subprocess.SubprocessError) as exc:
                failed[name] = f"load run failed: {str(exc).splitlines()[0][:200]}"
                continue
            if number >= 0:
                rounds[name].append(result)
    return {name: failed.get(name) or combine(rounds[name]) for name in names}
