"""A rolling restart under load: two replicas behind nginx, each in turn replaced on its port.

As a Kubernetes rolling update does it: a replica gets SIGTERM (``DrumServerRun.stop()``:
SIGTERM to its process group, then its grace), and once it has exited a new one is started
on the same port and waited for (``GET /ping/``) before the next is rolled. Meanwhile
:data:`CLIENTS` clients post a 50-row CSV to ``/predict/`` through nginx without pause, each
on one keep-alive connection (a new one after an error, as a client library does). Every
answer that is not 200 and every connection error is a failed request::

    outcome = rolling_restart(lambda port: DrumServerRun(..., port=port), tmp_path)
    assert outcome.failed == 0, outcome

Everything is bounded: the load by a count and a deadline, each wait by a deadline, and
every process started (replicas, nginx) is stopped however this ends. No pytest here: the
bench uses it too.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from drum_testing.launch.process import wait_for
from drum_testing.launch.run import DrumServerRun

from .nginx import Nginx

CLIENTS = 4
ROWS = 50
CSV = ("a,b,c\n" + "".join(f"{i},{i * 0.5},{i % 7}\n" for i in range(ROWS))).encode()
"""What each request posts: numeric columns, which the regression fixture model sums."""
REQUEST_TIMEOUT = 30.0
"""Seconds one request may take: a replica that hangs a request fails it, never the run."""
ROLL_BUDGET = 180.0
"""Seconds one roll may take at most (stop, then start and ready: real DRUM takes several
seconds to import); the load's deadline allows this much per roll."""
PROGRESS_TIMEOUT = 60.0
"""Seconds to wait for the load to get its successes between rolls."""

MakeReplica = Callable[[int | None], DrumServerRun]
"""A replica, not started, on this port (None: any free port)."""


@dataclass
class Outcome:
    """What one rolling restart came to."""

    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    """Failed requests by kind: the status (``"502"``) or the exception's name."""
    rolls: int = 0
    rolled_exits: list[int | None] = field(default_factory=list)
    """The exit status of each replica rolled (stopped under load), in order."""
    final_exits: list[int | None] = field(default_factory=list)
    """The exit status of the replicas stopped at the end, once the load had stopped."""
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.failures.most_common()) or "none"
        return (
            f"{self.requests} requests, {self.failed} failed ({kinds}), {self.rolls} rolls "
            f"in {self.seconds:.1f} s; exits: rolled {self.rolled_exits}, last {self.final_exits}"
        )


class Load:
    """:data:`CLIENTS` threads posting :data:`CSV` to ``/predict/`` on ``port`` without pause,
    until :meth:`stop`, ``max_requests`` requests in all, or ``deadline`` seconds."""

    def __init__(self, port: int, *, max_requests: int, deadline: float, body: bytes = CSV) -> None:
        self.port, self.body = port, body
        self.max_requests = max_requests
        self._deadline = time.monotonic() + deadline
        self._lock = threading.Lock()
        self.requests = 0
        self.successes = 0
        self.failures: Counter[str] = Counter()
        self.done = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, name=f"load-{i}", daemon=True)
            for i in range(CLIENTS)
        ]
        self.started = 0.0

    def _client(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Content-Type": "text/csv"}
        try:
            while not self.done.is_set():
                failure = None
                try:
                    connection.request("POST", "/predict/", body=self.body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        failure = str(response.status)
                except (OSError, http.client.HTTPException) as exc:
                    failure = type(exc).__name__
                    connection.close()  # the next request opens a new connection
                self._count(failure)
        finally:
            connection.close()

    def _count(self, failure: str | None) -> None:
        with self._lock:
            self.requests += 1
            if failure is None:
                self.successes += 1
            else:
                self.failures[failure] += 1
            if self.requests >= self.max_requests or time.monotonic() >= self._deadline:
                self.done.set()

    def wait_for_successes(self, count: int, timeout: float = PROGRESS_TIMEOUT) -> bool:
        """Wait until ``count`` more requests succeeded (or the load is done); whether they did."""
        with self._lock:
            target = self.successes + count

        def reached() -> bool:
            with self._lock:
                return self.successes >= target or self.done.is_set()

        return wait_for(reached, timeout)

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.done.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)


def rolling_restart(
    make: MakeReplica,
    prefix: Path,
    *,
    rolls: int = 2,
    seconds: float = 3.0,
    between: int = 200,
    max_requests: int = 200_000,
    body: bytes = CSV,
) -> Outcome:
    """Two replicas of ``make`` behind nginx (its files under ``prefix``), rolled ``rolls``
    times in turn under load; the load lasts at least ``seconds`` and until the last roll's
    replica has answered ``between`` requests' worth of successes (as has each before it).
    ``body``: the CSV each request posts (the default suits the regression fixture model)."""
    outcome = Outcome()
    replicas: list[DrumServerRun] = []
    try:
        for _ in range(2):
            replicas.append(make(None))
            replicas[-1].start()
        ports = [replica.port for replica in replicas]
        deadline = seconds + rolls * ROLL_BUDGET
        with (
            Nginx(prefix, ports) as nginx,
            Load(nginx.port, max_requests=max_requests, deadline=deadline, body=body) as load,
        ):
            load.wait_for_successes(between)
            for roll in range(rolls):
                if load.done.is_set():
                    break
                index = roll % 2
                outcome.rolled_exits.append(replicas[index].stop())
                replicas[index] = make(ports[index])  # before start: stopped in finally
                replicas[index].start()
                outcome.rolls += 1
                load.wait_for_successes(between)
            # Load for what is left of ``seconds`` (at once if the load is done); leaving the
            # block stops the clients, then nginx.
            load.done.wait(max(0.0, seconds - (time.monotonic() - load.started)))
        outcome.seconds = time.monotonic() - load.started
        outcome.requests, outcome.failures = load.requests, load.failures
    finally:
        for replica in replicas:
            outcome.final_exits.append(replica.stop())
    return outcome
