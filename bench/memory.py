"""Peak memory of a server while it scores a ~100 MiB CSV, and while it refuses one.

Linux keeps each process's peak resident size (``VmHWM`` in ``/proc/PID/status``) and
resets it when ``5`` is written to ``/proc/PID/clear_refs``. Resetting it for every process
of the server's group just before the request and reading it after the answer gives the
peak of that request alone; the group's figure is the sum over its processes (a gunicorn
master and its worker). Where the reset is refused, RSS is sampled every 5 ms instead.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import psutil

from bench.batches import PAIRS, floats_csv
from bench.report import Target, _judge, _num, _short, _table
from bench.servers import Running, server_pids

ROWS_PER_MIB = 6_700
"""Rows of the bench's 8-float CSV per MiB (about 156 bytes a row)."""
TIMEOUT = 300.0
PEAK_VS_DRUM = 0.7
REFUSED_RISE_MIB = 10.0
SAMPLE_S = 0.005


@dataclass
class MemoryFigures:
    """MiB: the group's RSS before the request, its peak during it, and the answer's status."""

    before_mib: float | None = None
    peak_mib: float | None = None
    status: int | None = None
    seconds: float | None = None
    method: str = ""
    error: str | None = None

    @property
    def rise_mib(self) -> float | None:
        if self.before_mib is None or self.peak_mib is None:
            return None
        return self.peak_mib - self.before_mib


def rss_kib(pid: int) -> int:
    """A process's resident size; 0 once the pid is gone."""
    try:
        return int(psutil.Process(pid).memory_info().rss // 1024)
    except psutil.Error:
        return 0


def status_kib(pid: int, field: str) -> int:
    """A ``kB`` line of ``/proc/PID/status`` (``VmHWM``: the peak psutil does not give, and
    whose reset through ``clear_refs`` it cannot do); 0 once the pid is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as file:
            for line in file:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peaks(pids: list[int]) -> bool:
    try:
        for pid in pids:
            with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as file:
                file.write("5")
    except OSError:
        return False
    return True


def measure_one(running: Running, body: bytes, content_type: str = "text/csv") -> MemoryFigures:
    """Send ``body`` to ``/predict/`` once and take the group's memory around it."""
    pids = server_pids(running.pgid)
    figures = MemoryFigures(before_mib=sum(rss_kib(p) for p in pids) / 1024)
    sampled = not reset_peaks(pids)
    peak = [figures.before_mib or 0.0]
    done = threading.Event()

    def sample() -> None:  # bounded by the request: it stops when done is set
        while not done.wait(SAMPLE_S):
            peak[0] = max(peak[0], sum(rss_kib(p) for p in pids) / 1024)

    sampler = threading.Thread(target=sample, daemon=True)
    if sampled:
        sampler.start()
    began = time.perf_counter()
    try:
        figures.status = post_raw(running.url, body, content_type)
    except (OSError, ValueError) as exc:
        figures.error = f"{type(exc).__name__}: {exc}"
    finally:
        figures.seconds = time.perf_counter() - began
        done.set()
    if sampled:
        sampler.join()
        figures.peak_mib, figures.method = peak[0], "RSS sampled every 5 ms"
    else:
        figures.peak_mib = sum(status_kib(p, "VmHWM") for p in pids) / 1024
        figures.method = "VmHWM"
    return figures


def post_raw(url: str, body: bytes, content_type: str = "text/csv") -> int:
    """POST ``body`` and return the status; a server may answer (413) and close before it
    read the whole body, so a failed send is not an error if an answer follows."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"POST /predict/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        try:
            sock.sendall(head)
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered early; the answer is what counts
        # Read the answer as a client does (to its Content-Length), not until the server
        # closes: werkzeug keeps draining a refused body until the client goes.
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        return response.status


def refused_body(limit_bytes: int) -> bytes:
    """One byte over the limit: refused on its declared length, before it is read."""
    return b"x" * (limit_bytes + 1)


def large_body(mib: int) -> bytes:
    return floats_csv(ROWS_PER_MIB * mib, seed=1)


def measure(
    servers: Mapping[str, Running], body: bytes, say: Callable[[str], None]
) -> dict[str, MemoryFigures]:
    figures = {}
    for label, running in servers.items():
        figures[label] = measure_one(running, body)
        f = figures[label]
        say(f"  {label}: HTTP {f.status}, peak {_num(f.peak_mib, 0)} MiB (+{_num(f.rise_mib, 0)})")
    return figures


def evaluate(
    scored: Mapping[str, MemoryFigures], refused: Mapping[str, MemoryFigures]
) -> list[Target]:
    targets = []
    for ours, drum in PAIRS.items():
        if ours in scored and drum in scored:
            mine, theirs = scored[ours].peak_mib, scored[drum].peak_mib
            ratio = mine / theirs if mine is not None and theirs else None
            note = "" if scored[ours].status == 200 else f"HTTP {scored[ours].status}"
            name = f"peak RSS scoring the large CSV, {ours} vs {drum}"
            targets.append(_judge((name, ratio, PEAK_VS_DRUM, False, "x", note)))
    for ours in PAIRS:
        if ours in refused:
            f = refused[ours]
            note = "" if f.status == 413 else f"HTTP {f.status}, not 413"
            name = f"RSS rise for a refused body, {ours}"
            targets.append(_judge((name, f.rise_mib, REFUSED_RISE_MIB, False, " MiB", note)))
    return targets


def table(scored: Mapping[str, MemoryFigures], refused: Mapping[str, MemoryFigures]) -> str:
    rows = []
    for case, group in (("scored", scored), ("refused", refused)):
        for label, f in group.items():
            rows.append(
                [
                    case,
                    label,
                    str(f.status or "-"),
                    _num(f.before_mib, 0),
                    _num(f.peak_mib, 0),
                    _num(f.rise_mib, 0),
                    _num(f.seconds),
                    f.method,
                    _short(f.error),
                ]
            )
    header = [
        "body",
        "server",
        "status",
        "RSS before MiB",
        "peak MiB",
        "rise MiB",
        "s",
        "how",
        "error",
    ]
    return _table(header, rows)
