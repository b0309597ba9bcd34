"""Run the benchmarks: ``python -m bench.run [--duration S] [--only fastapi-1,...] [--drum PATH]``.

For each configuration (flask; gunicorn and fastapi with 1 and 2 workers) it measures our
server type on the trivial model and the bare framework app doing the same work: time to
ready (median of ``--starts``), idle memory of the process group, requests/s and latency
of ``/ping/`` and ``/predict/``. Then the flusher middleware's cost, how fast a model that
cannot load is reported, and, with ``--drum``, DRUM itself. It prints the tables and writes
the JSON, ``BENCHMARKS.md`` and the chart. Missed targets are reported, never raised: the
exit status is 0 unless the bench itself broke.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

from bench import (
    batches,
    chart,
    environment,
    fuzzing,
    load,
    memory,
    multipart,
    report,
    rolling,
    tracing,
)
from bench.bare_apps import MIDDLEWARES
from bench.report import Results, ServerFigures
from bench.servers import (
    PING,
    PREDICT,
    ROOT,
    TRIVIAL,
    Model,
    Running,
    check_predict,
    settled_memory,
    start_bare,
    start_server,
)
from drum_testing.config.settings import Settings
from drum_testing.testing import DrumServerRun, ServerStartError

CONFIGS: dict[str, tuple[str, int | None]] = {
    # name -> (server type, workers); flask has no workers to set.
    "flask": ("flask", None),
    "gunicorn-1": ("gunicorn", 1),
    "gunicorn-2": ("gunicorn", 2),
    "fastapi-1": ("fastapi", 1),
    "fastapi-2": ("fastapi", 2),
}
DRUM_CONFIGS = {"flask": "flask", "gunicorn-1": "gunicorn"}
"""Our config -> DRUM's server of the same kind (DRUM's gunicorn runs 1 worker by default)."""
SECTIONS = (
    *CONFIGS,
    "middleware",
    "crash",
    "batches",
    "memory",
    "multipart",
    "tracing",
    "fuzzing",
    "rolling",
)
BATCH_SERVERS = {
    "flask": ("flask", None),
    "gunicorn-1": ("gunicorn", 1),
    "fastapi-1": ("fastapi", 1),
}
"""Our servers in the batch-size and memory sections (one worker: one request at a time)."""
DRUM_SERVERS = {"DRUM werkzeug": "flask", "DRUM gunicorn": "gunicorn"}
IMPORT_ERROR_MODEL = ROOT / "bench" / "models" / "import_error"
CRASH_TIMEOUT = 10.0
BUSY_WARNING = 10.0
"""Percent of CPU time other work used just before the run, above which the bench warns."""

Side = tuple[str, dict[str, ServerFigures], str, Callable[[], Running], int]
"""One server of a comparison: (label, where its figures go, its name there, start, starts)."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def start_up(
    label: str, name: str, start: Callable[[], Running], starts: int
) -> tuple[ServerFigures, Running | None]:
    """Start it ``starts`` times, timing each; the last start is left running, settled."""
    figures = ServerFigures(name)
    shown = name if label == name else f"{label} {name}"
    for attempt in range(1, starts + 1):
        began = time.perf_counter()
        try:
            running = start()
        except (ServerStartError, TimeoutError, RuntimeError, OSError) as exc:
            figures.error = f"start failed: {_first_line(exc)}"
            _say(f"  {shown}: {figures.error}")
            return figures, None
        figures.startup.seconds.append(time.perf_counter() - began)
        _say(f"  {shown}: start {attempt}/{starts} ready in {figures.startup.seconds[-1]:.2f} s")
        if attempt < starts:
            running.stop()
    memory, processes = settled_memory(running.pgid)
    figures.startup.memory_mib = memory / 2**20
    figures.startup.processes = processes
    return figures, running


def measure_group(sides: Sequence[Side], routes: Sequence[str], args: argparse.Namespace) -> None:
    """Start every side, then load them on ``routes`` taking turns, so they compare fairly."""
    up: dict[str, tuple[ServerFigures, Running]] = {}  # by label
    try:
        for label, where, name, start, starts in sides:
            figures, running = start_up(label, name, start, starts)
            where[name] = figures
            if running is not None:
                up[label] = (figures, running)
        for route in routes:
            urls = {}
            for key, (figures, running) in up.items():
                try:
                    if route == "predict":
                        check_predict(running.url)
                    urls[key] = running.url
                except (RuntimeError, OSError) as exc:
                    figures.error = _first_line(exc)
            request = PING if route == "ping" else PREDICT
            measured = load.measure_interleaved(
                urls, request, duration=args.duration, warmup=args.warmup
            )
            for key, result in measured.items():
                figures = up[key][0]
                if isinstance(result, str):
                    figures.error = result
                else:
                    setattr(figures, route, result)
                    rps = result.requests_per_second
                    _say(f"  {key} {figures.name} /{route}/: {rps:,.0f} req/s")
    finally:
        for _, running in up.values():
            running.stop()


def measure_crash(server_type: str, starts: int, log_dir: Path) -> ServerFigures:
    """Seconds until ServerStartError for a model that raises at import, ``starts`` times."""
    figures = ServerFigures(server_type)
    for _ in range(starts):
        run = DrumServerRun(
            "regression",
            None,
            IMPORT_ERROR_MODEL,
            server_type=server_type,
            log_dir=log_dir,
            wait_for_server_timeout=CRASH_TIMEOUT,
        )
        began = time.perf_counter()
        try:
            run.start()
        except ServerStartError:
            figures.startup.seconds.append(time.perf_counter() - began)
            continue
        except TimeoutError:
            figures.error = f"no ServerStartError within {CRASH_TIMEOUT:g} s"
        else:
            run.stop()
            figures.error = "the model loaded; it should not"
        break
    _say(f"  crash {server_type}: " + ", ".join(f"{s:.2f} s" for s in figures.startup.seconds))
    return figures


def run_all(args: argparse.Namespace, results: Results, log_dir: Path) -> None:
    only = set(args.only)
    for name, (server_type, workers) in CONFIGS.items():
        if name not in only:
            continue
        _say(f"{name}: ours, bare" + (", DRUM" if args.drum and name in DRUM_CONFIGS else ""))
        kind = name.split("-")[0]
        ours = partial(start_server, server_type, workers, log_dir)
        bare = partial(start_bare, kind, workers or 1, "none", log_dir)
        sides: list[Side] = [
            ("ours", results.ours, name, ours, args.starts),
            ("bare", results.bare, name, bare, 1),
        ]
        if args.drum and name in DRUM_CONFIGS:
            start = partial(start_server, DRUM_CONFIGS[name], None, log_dir, drum=args.drum)
            sides.append(("DRUM", results.drum, name, start, args.starts))
        measure_group(sides, ("ping", "predict"), args)
    if "middleware" in only:
        _say("middleware: bare FastAPI on uvicorn, 1 worker")
        sides = []
        for middleware in MIDDLEWARES:
            start = partial(start_bare, "fastapi", 1, middleware, log_dir)
            sides.append((middleware, results.middleware, middleware, start, 1))
        measure_group(sides, ("ping",), args)
    if "crash" in only:
        _say("crash: a model that raises at import")
        for server_type in ("flask", "gunicorn", "fastapi"):
            results.crash[server_type] = measure_crash(server_type, args.starts, log_dir)
    if "batches" in only:
        sizes = [rows for rows in batches.SIZES if rows <= args.max_rows]
        for payload in batches.PAYLOADS:
            _say(f"batches: {payload.name}, {payload.model.folder.name} model")
            with started_servers(args, log_dir, payload.model) as servers:
                figures, errors = batches.measure(payload, servers, sizes, _say)
            results.batches[payload.name] = figures
            results.batch_errors.update({f"{payload.name} {k}": v for k, v in errors.items()})
    if "memory" in only:
        body = memory.large_body(args.memory_mib)
        _say(f"memory: a {len(body) / 2**20:.0f} MiB CSV scored, and a body over the limit")
        with started_servers(args, log_dir, TRIVIAL) as servers:
            scored = memory.measure(servers, body, _say)
            del body
            refused = {
                label: figures
                for label, figures in memory.measure(
                    {k: v for k, v in servers.items() if not k.startswith("DRUM")},
                    memory.refused_body(Settings.max_body_bytes),
                    _say,
                ).items()
            }
        results.memory = {
            "scored": {k: dataclasses.asdict(v) for k, v in scored.items()},
            "refused": {k: dataclasses.asdict(v) for k, v in refused.items()},
        }
    if "multipart" in only:
        _say("multipart: 50,000 tiny parts, and one 6.5 MiB part")
        for case in multipart.CASES:
            with started_servers(args, log_dir, TRIVIAL) as servers:
                forms = multipart.measure(case, servers, _say)
            results.multipart[case] = {k: dataclasses.asdict(v) for k, v in forms.items()}
    if "tracing" in only:
        _say("tracing: /predict/ with OpenTelemetry off and on (a loopback OTLP receiver)")
        traced = tracing.measure(log_dir, args.duration, args.warmup, _say, drum=args.drum)
        results.tracing = tracing.as_json(traced)
    if "fuzzing" in only:
        _say("fuzzing: schemathesis with the OpenAPI document, the 5xx answers counted")
        fuzzed = fuzzing.measure(log_dir, _say, drum=args.drum, given_document=args.openapi)
        results.fuzzing = fuzzing.as_json(fuzzed)
    if "rolling" in only:
        _say("rolling: a rolling restart of two replicas behind nginx, under load")
        rolled = rolling.measure(log_dir, _say, drum=args.drum)
        results.rolling = rolling.as_json(rolled)


@contextlib.contextmanager
def started_servers(
    args: argparse.Namespace, log_dir: Path, model: Model
) -> Iterator[dict[str, Running]]:
    """Our one-worker servers (and DRUM's two, with ``--drum``) on ``model``, stopped after."""
    servers: dict[str, Running] = {}
    try:
        for label, (server_type, workers) in BATCH_SERVERS.items():
            servers[label] = start_server(server_type, workers, log_dir, model)
        if args.drum:
            for label, server_type in DRUM_SERVERS.items():
                servers[label] = start_server(server_type, None, log_dir, model, drum=args.drum)
        for running in servers.values():
            settled_memory(running.pgid)
        yield servers
    finally:
        for running in servers.values():
            running.stop()


NOTES = [
    "start-up: from `DrumServerRun.start` (ours and DRUM's, or the bare app's start) until "
    "`GET /ping/` answers; idle memory: summed RSS of the process group once it stopped changing",
    "load: `wrk -t1 -c4 --latency` against servers that are up at once, taking turns in 1 s "
    "rounds (order reversed every other round) after a warm-up each; requests/s over all "
    "rounds, p50/p99 the median of the rounds'; (!) marks a figure with errors",
    "bare apps: Flask on werkzeug threaded / gunicorn gthread (threads=4, keepalive 5), "
    "FastAPI on uvicorn, each doing `pandas.read_csv` and a row sum (`bench/bare_apps.py`)",
    "our /predict/ parses an all-numeric CSV of up to 4 KiB without `pandas.read_csv` "
    "(`drum_testing/numeric_csv.py`), so it can beat the bare apps, which call it",
    "batch sizes: one request at a time on a new connection, our flask, gunicorn and fastapi "
    "(1 worker each) and DRUM's werkzeug and gunicorn modes serving the same model, each "
    "started once per model; at each size every answer is first checked against pandas, then "
    "2 warm-ups, then the servers take turns request by request (order rotated every round), "
    "15 timed requests each up to 10,000 rows and 9 at 100,000; the figure is the "
    "median. Payloads (`bench/batches.py`): 8 float columns at full precision; a mixed frame "
    "(ints, floats with a missing cell every 7th row, short strings, a quoted field with a "
    "comma); the floats sent to a binary model (`bench/models/binary`)",
    "memory: the peak resident size of the server's process group (VmHWM summed over its "
    "processes, reset through /proc/PID/clear_refs just before the request) while it scores "
    "a ~97 MiB CSV of 8 float columns, under our default 100 MiB body limit; and the rise for "
    "a body one byte over that limit, which ours refuse with 413 (DRUM has no limit)",
    "with 2 workers, which worker gets each of the 4 connections is settled when wrk "
    "connects, once per round; all four on one worker halves that round, so 2-worker figures "
    "vary most (the range of the rounds is in brackets, and the chart's whiskers)",
    "tracing: each server started twice on the trivial model, without "
    "`OTEL_EXPORTER_OTLP_ENDPOINT` and with it pointing at a loopback OTLP/HTTP receiver in the "
    "bench process (`drum_testing.testing.otlp`), the two loaded in turns as above; requests "
    "without `traceparent` (each its own trace); spans per request: `drum.invocations` spans "
    "received by the time both stopped, over the requests of the timed rounds (warm-up "
    "included, so a little over 1 when none is lost; `bench/tracing.py`)",
    "fuzzing: schemathesis 4 (`bench/fuzzing.py`) with the OpenAPI document `drum-testing "
    "openapi` prints for the trivial model: for every operation, 25 valid and 25 invalid "
    "requests drawn from the document (derandomized: every server gets the same), each "
    "answer checked (no 5xx; status, content type and body as the document declares); "
    "other findings are answers the document does not describe (for DRUM: our document's "
    "additions, such as /info/'s drumTestingServer, count too). The model never raises on "
    "these requests: a 5xx is the server's",
    "rolling restart (`bench/rolling.py`, the scenario of `tests/helpers/rolling.py`): two "
    "replicas of one server on the trivial model behind nginx-light (keep-alive upstream, "
    "`proxy_next_upstream error timeout http_502 http_503`, so a POST once sent is never resent; "
    "`tests/helpers/nginx.py`); 4 clients post a 50-row CSV through nginx without pause, each on "
    f"one keep-alive connection; {rolling.ROLLS} times a replica gets SIGTERM and, once it has "
    "exited, a new one is started on its port and waited for; at least "
    f"{rolling.SECONDS:g} s of load and {rolling.BETWEEN} successes before each roll and after "
    "the last; failed: any answer but 200, any connection error",
    "bare apps start once (their start-up is for context); client and servers share the machine",
    "DRUM (`--drum`): `drum server` with werkzeug (`DRUM_SERVER_TYPE` werkzeug) or its default "
    'gunicorn (1 sync worker), on the same model, started by `DrumServerRun(runtime="drum")` '
    "through the test kit's watchdog (its Python start, about 40 ms, is in DRUM's start-up; its "
    "memory is not counted); its environment had compiled bytecode, "
    "without which (uv installs without it, and PYTHONDONTWRITEBYTECODE stops Python caching "
    "it) DRUM takes seconds longer to start",
]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load figure")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each")
    parser.add_argument("--starts", type=int, default=5, help="start-up repeats (median)")
    parser.add_argument(
        "--only",
        type=lambda text: [part.strip() for part in text.split(",") if part.strip()],
        default=list(SECTIONS),
        help=f"comma-separated: {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--max-rows", type=int, default=max(batches.SIZES), help="largest batch size measured"
    )
    parser.add_argument(
        "--memory-mib", type=int, default=97, help="size of the CSV the memory section scores"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--chart", type=Path, default=ROOT / "bench" / "requests_per_second.png")
    parser.add_argument("--batch-chart", type=Path, default=ROOT / "bench" / "batch_latency.png")
    parser.add_argument(
        "--openapi",
        type=Path,
        help="the OpenAPI document the fuzzing section uses where `drum-testing openapi` "
        "is not there to print it",
    )
    parser.add_argument(
        "--drum",
        help="the `drum` executable of an installed datarobot-drum, to compare with "
        "(install it with compiled bytecode, as pip does, or its start-up is slower)",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.starts < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("--starts must be at least 1, --duration positive, --warmup not negative")
    if args.drum and not shutil.which(args.drum):
        parser.error(f"--drum: {args.drum} is not an executable")
    return args


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    facts = environment.machine()
    busy = environment.busy_before()
    facts["busy_before"] = f"{busy:.0f}%"
    if busy is not None and busy > BUSY_WARNING:
        _say(f"the CPUs were {busy:.0f}% busy before the run: the figures will suffer")
    given = sys.argv[1:] if argv is None else list(argv)
    facts["command"] = shlex.join(["python", "-m", "bench.run", *given])
    tool = "wrk" if load.wrk_path() else "python"
    if tool == "python":
        _say("wrk not found: using the Python fallback, which is client-bound (lower figures)")
    versions = environment.versions(facts["load_tool"], args.drum)
    results = Results(
        args.duration, args.warmup, args.starts, tool, environment=facts, versions=versions
    )
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    try:
        run_all(args, results, log_dir)
    finally:
        results.wall_seconds = time.monotonic() - began
    targets, extra = report.evaluate(results), []
    if results.batches:
        targets += batches.evaluate(results.batches)
        why_no_batch_chart = chart.write_batch_chart(args.batch_chart, results.batches)
        text = "\n\n".join(batches.table(p, s) for p, s in results.batches.items())
        if not why_no_batch_chart:
            rel = os.path.relpath(args.batch_chart, args.markdown.parent)
            text = f"![ms per request against rows]({rel})\n\n{text}"
        if results.batch_errors:
            text += "\n\nErrors: " + "; ".join(f"{k}: {v}" for k, v in results.batch_errors.items())
        extra.append(("/predict/ at every batch size: ms per request, one at a time", text))
    if results.memory:
        scored, refused = (
            {k: memory.MemoryFigures(**v) for k, v in results.memory[case].items()}
            for case in ("scored", "refused")
        )
        targets += memory.evaluate(scored, refused)
        extra.append(("Peak memory of a large body", memory.table(scored, refused)))
    if results.multipart:
        forms = {
            case: {k: memory.MemoryFigures(**v) for k, v in group.items()}
            for case, group in results.multipart.items()
        }
        targets += multipart.evaluate(forms)
        extra.append(("Multipart forms", multipart.table(forms)))
    if results.tracing:
        text = tracing.table(tracing.from_json(results.tracing))
        extra.append(("/predict/ with tracing off and on (OpenTelemetry, OTLP/HTTP)", text))
    if results.fuzzing:
        text = fuzzing.table(fuzzing.from_json(results.fuzzing))
        extra.append(("Fuzzing with the OpenAPI document: 5xx answers", text))
    if results.rolling:
        text = rolling.table(rolling.from_json(results.rolling))
        extra.append(("Rolling restart behind nginx", text))
    why_no_chart = chart.write_chart(args.chart, results)
    report.write_json(args.json, results, targets)
    report.write_markdown(
        args.markdown, results, targets, None if why_no_chart else args.chart, NOTES, extra
    )
    print(report.text_report(results, targets, extra))
    groups = (results.ours, results.bare, results.drum, results.middleware, results.crash)
    traced_errors = any(
        item.get("error")
        for section in (results.tracing, results.rolling)
        for item in section.values()
    )
    if traced_errors or any(figures.error for group in groups for figures in group.values()):
        _say(f"server logs kept in {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    misses = sum(target.status == "MISS" for target in targets)
    _say(f"{misses} of {len(targets)} targets missed; {why_no_chart or f'chart: {args.chart}'}")
    _say(f"wrote {args.json} and {args.markdown}; took {results.wall_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
