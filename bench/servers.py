"""Starting what is measured (our server types, the bare apps, DRUM) and stopping it again.

Every server runs as its own process group, through the test kit's helpers, so stopping
it stops its workers too, and a lifeline (ours, the bare apps) or the test kit's watchdog
(DRUM) stops it even if the bench is killed. Ours and DRUM are started by
``DrumServerRun`` (``runtime="drum"`` for DRUM, which also proves the port DRUM listens on
is its own). Memory is the sum over the whole group: a gunicorn master and its workers, a
uvicorn supervisor and its spawned workers; the watchdog in DRUM's group is the test kit's,
not DRUM's, and is left out (:func:`server_pids`).
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.load import Request
from drum_testing.launch.drum import GUARD_MODULE
from drum_testing.launch.process import (
    Lifeline,
    group_pids,
    start_process_group,
    stop_process_group,
    tail_lines,
)
from drum_testing.testing import DrumServerRun, listening_socket

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL_MODEL = ROOT / "bench" / "models" / "trivial"
READY_TIMEOUT = 60.0
"""Seconds a server, a bare app or DRUM has to answer ``/ping/`` (DRUM takes several)."""
STOP_GRACE = 10.0


def csv_payload(rows: int = 10) -> bytes:
    """A CSV of ``rows`` rows and four integer columns (the trivial model sums them)."""
    lines = ["sqm,rooms,age,floor"]
    lines += [f"{50 + 7 * i},{1 + i % 5},{(3 * i) % 40},{i % 4}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


PING = Request("GET", "/ping/")
PREDICT = Request("POST", "/predict/", csv_payload(), "text/csv")


class StartError(RuntimeError):
    """A server exited, or never answered, before it was ready."""


@dataclass
class Running:
    """A ready server: where to send requests, its process group, how to stop it."""

    url: str
    pgid: int
    stop: Callable[[], object]


BINARY_MODEL = ROOT / "bench" / "models" / "binary"
BINARY_LABELS = ("no", "yes")
"""(negative, positive), DRUM's order."""


@dataclass(frozen=True)
class Model:
    """A model folder the bench serves, and how it is served."""

    folder: Path = TRIVIAL_MODEL
    target_type: str = "regression"
    labels: tuple[str, str] | None = None


TRIVIAL = Model()
BINARY = Model(BINARY_MODEL, "binary", BINARY_LABELS)


def start_server(
    server_type: str,
    workers: int | None,
    log_dir: Path,
    model: Model = TRIVIAL,
    *,
    drum: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Running:
    """One of our server types on a bench model, started and stopped by the test kit; with
    ``drum`` (the ``drum`` program), DRUM's server of that type instead (``flask``: its
    werkzeug mode; ``gunicorn``), through ``DrumServerRun(runtime="drum")``. ``env`` adds
    variables to the server's environment."""
    run = DrumServerRun(
        model.target_type,
        model.labels,
        model.folder,
        server_type=server_type,
        max_workers=workers,
        log_dir=log_dir,
        wait_for_server_timeout=READY_TIMEOUT,
        stop_timeout=STOP_GRACE,
        runtime="drum_testing" if drum is None else "drum",
        drum_program=drum,
        env=env,
    )
    run.start()
    return Running(run.url_server_address, run.process.pid, run.stop)


def start_bare(kind: str, workers: int, middleware: str, log_dir: Path) -> Running:
    """A bare app (``bench.bare_apps``) on a socket bound here, as DrumServerRun does it."""
    lifeline = Lifeline()
    with listening_socket() as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        command = [sys.executable, "-m", "bench.bare_apps", "--kind", kind]
        command += ["--workers", str(workers), "--middleware", middleware]
        command += ["--fd", str(sock.fileno()), "--lifeline-fd", str(lifeline.read_fd)]
        log_path = log_dir / f"bare-{kind}-{workers}-{middleware}.log"
        process = start_process_group(
            command, log_path=log_path, pass_fds=(sock.fileno(), lifeline.read_fd), cwd=ROOT
        )
    lifeline.close_read_end()

    def stop() -> None:
        try:
            stop_process_group(process, grace=STOP_GRACE)
        finally:
            lifeline.close()

    return _when_ready(Running(url, process.pid, stop), process, log_path)


def _when_ready(running: Running, process: subprocess.Popen[bytes], log_path: Path) -> Running:
    """Poll ``GET /ping/`` until it answers 200; stop the server if it exits or never does."""
    host, port = running.url.removeprefix("http://").split(":")
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            running.stop()
            raise StartError(f"exited with {process.returncode}: {tail_lines(log_path, 5)}")
        connection = http.client.HTTPConnection(host, int(port), timeout=0.5)
        try:
            connection.request("GET", "/ping/")
            if connection.getresponse().status == 200:
                return running
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        time.sleep(0.05)
    running.stop()
    raise StartError(f"no answer to /ping/ in {READY_TIMEOUT:g} s: {tail_lines(log_path, 5)}")


def check_predict(url: str) -> None:
    """One ``/predict/`` first: a server that answers something else fast would look fast.

    :raises RuntimeError: not a 200 with the right predictions.
    """
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", PREDICT.path, PREDICT.body, {"Content-Type": "text/csv"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    rows = [line.split(",") for line in PREDICT.body.decode().splitlines()[1:]]
    expected = [float(sum(int(cell) for cell in row)) for row in rows]
    try:
        predictions = json.loads(body).get("predictions")
    except (ValueError, AttributeError):
        predictions = None
    if response.status != 200 or predictions != expected:
        raise RuntimeError(f"/predict/ answered {response.status} {body[:200]!r}")


def server_pids(pgid: int) -> list[int]:
    """The processes of the server that leads group ``pgid``: the group without the test
    kit's watchdog (it shares DRUM's group, to stop it if the bench dies)."""
    return [pid for pid in group_pids(pgid) if not _is_watchdog(pid)]


def _is_watchdog(pid: int) -> bool:
    try:
        return GUARD_MODULE in psutil.Process(pid).cmdline()
    except psutil.Error:
        return False  # exited meanwhile: counts for nothing either way


def group_memory(pgid: int) -> tuple[int, int]:
    """``(bytes, processes)``: the summed RSS of the server's processes in group ``pgid``
    (RSS, as every figure of BENCHMARKS.md and DRUM's ``drum_rss``)."""
    total = count = 0
    for pid in server_pids(pgid):
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            continue  # exited meanwhile
        count += 1
    return total, count


def settled_memory(pgid: int, timeout: float = 10.0) -> tuple[int, int]:
    """The group's memory once it stops changing: its last workers may still be loading.

    ``/ping/`` answers as soon as one worker is up, so right after "ready" a second
    worker can still be importing pandas. Settled means the same process count and RSS
    within 1% over three readings a quarter second apart (or ``timeout`` passed). This
    also keeps the load test from starting before every worker serves.
    """
    readings = [group_memory(pgid)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.25)
        readings.append(group_memory(pgid))
        last = readings[-3:]
        if len(last) == 3 and len({n for _, n in last}) == 1:
            low, high = min(b for b, _ in last), max(b for b, _ in last)
            if high - low <= 0.01 * high:
                break
    return readings[-1]
