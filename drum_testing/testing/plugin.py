"""pytest fixtures that start model servers and always stop them (entry point ``drum_testing``).

::

    def test_ping(drum_server: DrumServerFactory, models_dir: Path) -> None:
        run = drum_server("regression", None, models_dir / "regression")
        assert requests.get(run.url_server_address + "/ping/").ok

    def test_type(drum_server_type: str) -> None:
        assert drum_server_type in {"flask", "gunicorn", "fastapi"}

Every server a test started is stopped at teardown, also when the test failed. A server that
fails to start raises with the tail of its log; when a test fails while servers run, the tail
of each server's log is added to the failure report.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator, Sequence
from typing import Any, Protocol

import pytest

from .run import LOG_TAIL_LINES, DrumServerRun, resolve_server_type

_RUNS = pytest.StashKey[list[DrumServerRun]]()


class DrumServerFactory(Protocol):
    """The ``drum_server`` fixture: :class:`DrumServerRun`'s arguments, returns it started."""

    def __call__(
        self,
        target_type: str,
        labels: Sequence[str] | None,
        custom_model_dir: str | os.PathLike[str],
        **kwargs: Any,
    ) -> DrumServerRun: ...


@pytest.fixture
def drum_server_type() -> str:
    """The server type tests run against: :data:`~drum_testing.settings.SERVER_TYPE_ENV`
    resolved to its canonical name (``"flask"`` when unset)."""
    return resolve_server_type()


@pytest.fixture
def drum_server(request: pytest.FixtureRequest) -> Iterator[DrumServerFactory]:
    """A factory that starts a :class:`DrumServerRun` and stops it when the test ends."""
    runs = request.node.stash.setdefault(_RUNS, [])
    with contextlib.ExitStack() as stack:  # stops them all, in reverse, even if one fails

        def start(
            target_type: str,
            labels: Sequence[str] | None,
            custom_model_dir: str | os.PathLike[str],
            **kwargs: Any,
        ) -> DrumServerRun:
            __tracebackhide__ = True  # the error is the server's, not this fixture's
            # A run that fails to start stops itself and raises with its log tail.
            run = stack.enter_context(
                DrumServerRun(target_type, labels, custom_model_dir, **kwargs)
            )
            runs.append(run)
            return run

        yield start
    runs.clear()


@pytest.fixture(scope="session")
def drum_shared_server() -> Iterator[DrumServerFactory]:
    """Like ``drum_server``, but one server per distinct set of arguments for the session.

    For tests that only send requests: they share a server instead of each starting one.
    A test that stops, signals or breaks its server uses ``drum_server`` instead.
    """
    started: dict[str, DrumServerRun] = {}
    with contextlib.ExitStack() as stack:

        def start(
            target_type: str,
            labels: Sequence[str] | None,
            custom_model_dir: str | os.PathLike[str],
            **kwargs: Any,
        ) -> DrumServerRun:
            __tracebackhide__ = True
            key = repr((target_type, labels, os.fspath(custom_model_dir), sorted(kwargs.items())))
            if key not in started:
                run = DrumServerRun(target_type, labels, custom_model_dir, **kwargs)
                started[key] = stack.enter_context(run)
            return started[key]

        yield start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add each running server's log tail to the report of a test that failed."""
    report = yield
    if report.failed and report.when == "call":
        for run in item.stash.get(_RUNS, []):
            title = f"{run!r} log {run.log_path} (last {LOG_TAIL_LINES} lines)"
            report.sections.append((title, run.log_tail()))
    return report
