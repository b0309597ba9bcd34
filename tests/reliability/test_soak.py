"""A soak: 20,000 mixed requests without one error, in memory that does not grow."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from drum_testing.launch.process import group_pids
from drum_testing.testing import DrumServerRun
from tests.helpers.models import MODELS

TOTAL = 20_000
CLIENTS = 4
DEADLINE = 600.0
"""Seconds the whole soak may take: a bounded loop, whatever the machine."""
GROWTH = 0.10
"""RSS growth allowed between the first and the last quarter."""
CSV = {"Content-Type": "text/csv"}
SMALL = b"a,b\n1,2\n3,4\n"
LARGE = b"a,b\n" + b"".join(f"{i},{i * 0.5}\n".encode() for i in range(1000))


def rss_bytes(run: DrumServerRun) -> int:
    """Resident memory of the server's whole process group."""
    total = 0
    for pid in group_pids(run.process.pid):
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            continue  # it ended meanwhile
    return total


def one_request(session: requests.Session, base: str, i: int) -> int:
    kind = i % 5
    if kind == 0:
        return session.get(base + "/ping/", timeout=10).status_code
    if kind == 1:
        return session.post(base + "/predict/", data=SMALL, headers=CSV, timeout=10).status_code
    if kind == 2:
        return session.post(base + "/predict/", data=LARGE, headers=CSV, timeout=10).status_code
    if kind == 3:
        files = {"X": ("x.csv", SMALL)}
        return session.post(base + "/predict/", files=files, timeout=10).status_code
    return session.get(base + "/info/", timeout=10).status_code


@pytest.mark.timeout(DEADLINE + 120)
@pytest.mark.parametrize("server_type", ["flask", "gunicorn", "fastapi"])
def test_20000_mixed_requests_no_errors_and_no_growth(server_type: str) -> None:
    with DrumServerRun("regression", None, MODELS / "regression", server_type=server_type) as run:
        base = run.url_server_address
        quarter = TOTAL // 4
        samples: list[int] = []
        started = time.monotonic()
        statuses: dict[int, int] = {}
        with ThreadPoolExecutor(CLIENTS) as pool:
            sessions = [requests.Session() for _ in range(CLIENTS)]
            for q in range(4):
                if time.monotonic() - started > DEADLINE:
                    pytest.fail(f"the soak took over {DEADLINE} s")
                indices = range(q * quarter, (q + 1) * quarter)
                for status in pool.map(
                    lambda i: one_request(sessions[i % CLIENTS], base, i), indices
                ):
                    statuses[status] = statuses.get(status, 0) + 1
                samples.append(rss_bytes(run))
            for session in sessions:
                session.close()
        assert statuses == {200: TOTAL}
        first, last = samples[0], samples[-1]
        assert last <= first * (1 + GROWTH), f"RSS {first / 2**20:.1f} -> {last / 2**20:.1f} MiB"
