"""Run a check: start every server, send every probe, time them, stop them all.

::

    options = CheckOptions(Path("model"), TargetType.REGRESSION, Path("data.csv"))
    report = run_check(options)
    print(table.render(report))

Servers start through :class:`~drum_testing.testing.DrumServerRun`, up to
``options.parallel_starts`` at once, each on its own port; every one is stopped when the
check ends, whatever happens (an exception, Ctrl-C). Probes go to the servers one after the
other, each to every server, so the servers see the same requests in the same order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import requests

from drum_testing.launch.run import DrumServerRun, ServerStartError

from . import compare
from .deploy import drum_refusals
from .observe import LogCursor, send
from .options import DRUM, CheckOptions
from .probes import Probe, Probes
from .report import CheckReport, ProbeResult, ServerResult
from .speed import TimingClient, group_memory, time_probe

Progress = Callable[[str], None]
"""Told what the check is doing, a few words at a time (the terminal's progress line)."""


def _quiet(_: str) -> None:
    pass


class Server:
    """One started server of a check: its run, a connection and a cursor on its log."""

    def __init__(self, name: str, run: DrumServerRun) -> None:
        self.name = name
        self.run = run
        self.session = requests.Session()
        self.log = LogCursor(run.log_path)

    @property
    def url(self) -> str:
        return self.run.url_server_address


def make_run(name: str, options: CheckOptions) -> DrumServerRun:
    """The (unstarted) run of one server of the check."""
    extra_args = []
    if options.runtime_params_file is not None:
        extra_args = ["--runtime-params-file", str(options.runtime_params_file)]
    return DrumServerRun(
        options.target_type.value,
        options.labels,
        options.code_dir,
        server_type="flask" if name == DRUM else name,
        runtime="drum" if name == DRUM else "drum_testing",
        target_name=options.target_name,
        logging_level=options.logging_level,
        extra_args=extra_args,
        wait_for_server_timeout=options.start_timeout,
        log_dir=options.log_dir / name if options.log_dir is not None else None,
    )


def _start(name: str, run: DrumServerRun) -> ServerResult:
    started = time.perf_counter()
    try:
        run.start()
    except (ServerStartError, TimeoutError) as exc:
        return ServerResult(name, error=str(exc))
    return ServerResult(name, ready_seconds=round(time.perf_counter() - started, 3))


@contextlib.contextmanager
def started_servers(
    options: CheckOptions, report: CheckReport, progress: Progress
) -> Iterator[dict[str, Server]]:
    """Start every server of the check; yield those that started; stop them all after."""
    runs = {name: make_run(name, options) for name in options.servers}
    with contextlib.ExitStack() as stack:
        for run in runs.values():
            stack.callback(run.stop)  # registered before it starts: a stop is idempotent
        progress(f"starting {', '.join(runs)}")
        with ThreadPoolExecutor(max_workers=options.parallel_starts) as pool:
            futures = {name: pool.submit(_start, name, run) for name, run in runs.items()}
            try:
                for name, future in futures.items():
                    report.servers[name] = future.result()
                    state = "ready" if report.servers[name].started else "failed to start"
                    progress(f"{name} {state}")
            except BaseException:  # Ctrl-C: stop what runs now, not once every start ends
                for future in futures.values():
                    future.cancel()
                for run in runs.values():
                    run.stop()
                raise
        servers = {
            name: Server(name, run) for name, run in runs.items() if report.servers[name].started
        }
        for name, server in servers.items():
            memory = group_memory(server.run.process.pid)
            if memory is not None:
                report.servers[name].idle_mib = memory.mib
                report.servers[name].idle_memory = memory.figure
        try:
            yield servers
        finally:
            for server in servers.values():
                server.session.close()
            progress("stopping the servers")


def ask_all(servers: Mapping[str, Server], probe: Probe, options: CheckOptions) -> ProbeResult:
    """Send ``probe`` to every server and compare what they answered."""
    answers = {
        name: send(server.session, server.url, probe, options.request_timeout, server.log)
        for name, server in servers.items()
    }
    return ProbeResult(
        probe, answers, compare.between_types(answers), compare.against_drum(answers)
    )


def run_check(options: CheckOptions, progress: Progress = _quiet) -> CheckReport:
    """Run every check of ``options`` and return the report (servers all stopped)."""
    began = time.perf_counter()
    probes = Probes.build(options)  # InputError before any server starts
    report = CheckReport(
        options,
        notes=list(probes.notes),
        warnings=[
            f"DRUM 1.18.1 would not start this model: {reason}"
            for reason in drum_refusals(options.code_dir, options.target_type, options.target_name)
        ],
    )
    with started_servers(options, report, progress) as servers:
        if servers:
            for index, probe in enumerate(probes.parity, start=1):
                progress(f"parity {index}/{len(probes.parity)}: {probe.name}")
                report.parity.append(ask_all(servers, probe, options))
            for index, probe in enumerate(probes.robustness, start=1):
                progress(f"robustness {index}/{len(probes.robustness)}: {probe.name}")
                report.robustness.append(ask_all(servers, probe, options))
            for name, server in servers.items():
                with TimingClient(server.url, options.request_timeout) as client:
                    for probe in probes.timed:
                        progress(f"timing {name}: {probe.name}")
                        report.servers[name].latency.append(
                            time_probe(
                                client,
                                probe,
                                count=options.latency_requests,
                                seconds=options.latency_seconds,
                            )
                        )
    report.seconds = time.perf_counter() - began
    return report
