"""pytest fixtures that start model servers and always stop them (entry point ``drum_testing``).

::

    def test_ping(drum_server: DrumServerFactory, models_dir: Path) -> None:
        run = drum_server("regression", None, models_dir / "regression")
        assert requests.get(run.url_server_address + "/ping/").ok

    def test_type(drum_server_type: str) -> None:
        assert drum_server_type in {"flask", "gunicorn", "fastapi"}

``--drum-runtime=drum`` makes both factories start real DRUM (``drum server``) unless a test
passes ``runtime=``; the ``drum_runtime`` fixture is the value in force. A test can also pass
``runtime="drum"`` itself::

    def test_like_drum(drum_server: DrumServerFactory, models_dir: Path) -> None:
        run = drum_server("regression", None, models_dir / "regression", runtime="drum")

Every server a test started is stopped at teardown, also when the test failed. A server that
fails to start raises with the tail of its log; when a test fails while servers run, the path
and the tail of each server's log are added to the failure report.

Logs go to pytest's temporary directories, unless a test passes ``log_dir=``: a ``drum_server``
log to ``drum-server-logs`` in the test's ``tmp_path``, a ``drum_shared_server`` log to a
``drum-shared-server*`` directory of the session's ``tmp_path_factory``. They are not removed
after the run; pytest removes them with its old base directories (it keeps the last three).

``drum_check`` runs ``drum-testing check``'s checks on a model and fails the test with the
report when one finds a problem (:mod:`~drum_testing.testing.model_check`)::

    def test_safe_to_serve(drum_check: DrumCheckFactory) -> None:
        drum_check("regression", None, "model/", "model/data.csv")

``otlp_receiver`` is a loopback OTLP/HTTP receiver, started for the test and stopped after it,
to test what a server or a model exports (:mod:`~drum_testing.testing.otlp`; it needs
``opentelemetry-proto``)::

    def test_traced(drum_server: DrumServerFactory, otlp_receiver: OTLPReceiver) -> None:
        run = drum_server("regression", None, "model/", env=otlp_receiver.env())
        requests.post(run.url_server_address + "/predict/", files={"X": b"x\n1\n"})
        otlp_receiver.wait_for_spans("drum.invocations")
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from drum_testing.launch.arguments import RUNTIMES
from drum_testing.launch.drum_signature import resolve_server_type
from drum_testing.launch.run import LOG_TAIL_LINES, DrumServerRun

from .otlp import OTLPReceiver

if TYPE_CHECKING:  # the check needs requests: imported when a check runs
    from drum_testing.check.report import CheckReport

_RUNS = pytest.StashKey[list[DrumServerRun]]()
LOGS_DIR = "drum-server-logs"
"""Where in a test's ``tmp_path`` the ``drum_server`` logs go."""
CHECK_LOGS_DIR = "drum-check-logs"
"""Where in a test's ``tmp_path`` the ``drum_check`` servers' logs go."""
SHARED_LOGS_DIR = "drum-shared-server"
"""The name (numbered by pytest) of the session directory of ``drum_shared_server`` logs."""


class DrumServerFactory(Protocol):
    """The ``drum_server`` fixture: :class:`DrumServerRun`'s arguments, returns it started."""

    def __call__(
        self,
        target_type: str,
        labels: Sequence[str] | None,
        custom_model_dir: str | os.PathLike[str],
        **kwargs: Any,
    ) -> DrumServerRun: ...


class DrumCheckFactory(Protocol):
    """The ``drum_check`` fixture: :func:`~drum_testing.testing.check_model`'s arguments."""

    def __call__(
        self,
        target_type: str,
        labels: Sequence[str] | None,
        code_dir: str | os.PathLike[str],
        input: str | os.PathLike[str],
        **kwargs: Any,
    ) -> CheckReport: ...


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--drum-runtime",
        choices=RUNTIMES,
        default=RUNTIMES[0],
        help="what the drum_server fixtures start: our server (drum_testing) or real DRUM (drum)",
    )


@pytest.fixture(scope="session")
def drum_runtime(pytestconfig: pytest.Config) -> str:
    """The runtime the factories start unless a test passes ``runtime=``: ``--drum-runtime``."""
    value: str = pytestconfig.getoption("--drum-runtime")
    return value


@pytest.fixture
def drum_server_type() -> str:
    """The server type tests run against: :data:`~drum_testing.config.settings.SERVER_TYPE_ENV`
    resolved to its canonical name (``"flask"`` when unset)."""
    return resolve_server_type()


@pytest.fixture
def drum_server(
    request: pytest.FixtureRequest, tmp_path: Path, drum_runtime: str
) -> Iterator[DrumServerFactory]:
    """A factory that starts a :class:`DrumServerRun` and stops it when the test ends.

    Logs go to ``tmp_path / "drum-server-logs"`` unless ``log_dir=`` is given.
    """
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
            kwargs.setdefault("log_dir", tmp_path / LOGS_DIR)
            kwargs.setdefault("runtime", drum_runtime)
            run = stack.enter_context(
                DrumServerRun(target_type, labels, custom_model_dir, **kwargs)
            )
            runs.append(run)
            return run

        yield start
    runs.clear()


@pytest.fixture
def drum_check(tmp_path: Path) -> DrumCheckFactory:
    """Run ``drum-testing check``'s checks on a model; a problem fails the test with the report.

    Returns the :class:`~drum_testing.check.CheckReport` of a check that passed. The servers'
    logs go to ``tmp_path / "drum-check-logs"`` unless ``log_dir=`` is given.
    """

    def check(
        target_type: str,
        labels: Sequence[str] | None,
        code_dir: str | os.PathLike[str],
        input: str | os.PathLike[str],
        **kwargs: Any,
    ) -> CheckReport:
        __tracebackhide__ = True  # the failure is the model's, not this fixture's
        from .model_check import ModelCheckFailed, check_model

        kwargs.setdefault("log_dir", tmp_path / CHECK_LOGS_DIR)
        try:
            return check_model(target_type, labels, code_dir, input, **kwargs)
        except ModelCheckFailed as failed:
            pytest.fail(str(failed), pytrace=False)

    return check


@pytest.fixture
def otlp_receiver() -> Iterator[OTLPReceiver]:
    """A started loopback OTLP/HTTP receiver (:class:`~drum_testing.testing.otlp.OTLPReceiver`),
    stopped when the test ends; ``env()`` is what points a server's exporters at it."""
    with OTLPReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def drum_shared_server(
    tmp_path_factory: pytest.TempPathFactory, drum_runtime: str
) -> Iterator[DrumServerFactory]:
    """Like ``drum_server``, but one server per distinct set of arguments for the session.

    For tests that only send requests: they share a server instead of each starting one.
    A test that stops, signals or breaks its server uses ``drum_server`` instead. Logs go to
    one ``drum-shared-server*`` directory of the session's, unless ``log_dir=`` is given.
    """
    started: dict[str, DrumServerRun] = {}
    logs: list[Path] = []  # made on the first start
    with contextlib.ExitStack() as stack:

        def start(
            target_type: str,
            labels: Sequence[str] | None,
            custom_model_dir: str | os.PathLike[str],
            **kwargs: Any,
        ) -> DrumServerRun:
            __tracebackhide__ = True
            kwargs.setdefault("runtime", drum_runtime)
            key = repr((target_type, labels, os.fspath(custom_model_dir), sorted(kwargs.items())))
            if key not in started:
                if "log_dir" not in kwargs:
                    if not logs:
                        logs.append(tmp_path_factory.mktemp(SHARED_LOGS_DIR))
                    kwargs["log_dir"] = logs[0]
                run = DrumServerRun(target_type, labels, custom_model_dir, **kwargs)
                started[key] = stack.enter_context(run)
            return started[key]

        yield start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add each server's log path and tail to the report of a test that failed."""
    report = yield
    if report.failed and report.when == "call":
        for run in item.stash.get(_RUNS, []):
            title = f"{run!r} log {run.log_path} (last {LOG_TAIL_LINES} lines)"
            report.sections.append((title, run.log_tail()))
    return report
