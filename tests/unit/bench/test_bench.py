"""The bench's arithmetic: reading wrk's output, combining rounds, and judging the targets.

Nothing here starts a server or generates load: these are the parts that would silently
report wrong figures if they broke.
"""

from __future__ import annotations

import pytest

from bench import load, report
from bench.load import LoadResult
from bench.report import Results, ServerFigures, Startup
from drum_testing.testing import listening_socket

WRK_CLEAN = """\
Running 5s test @ http://127.0.0.1:40123/ping/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.45us  210.11us   9.87ms   91.02%
    Req/Sec     4.91k   301.22     5.40k    70.00%
  Latency Distribution
     50%  771.00us
     75%  850.00us
     90%    0.98ms
     99%    1.52ms
  24455 requests in 5.00s, 3.50MB read
Requests/sec:   4890.61
Transfer/sec:    716.41KB
"""

WRK_ERRORS = """\
Running 1s test @ http://127.0.0.1:40123/predict/
  1 threads and 4 connections
  Latency Distribution
     50%   12.50ms
     75%   20.00ms
     90%  400.00ms
     99%    1.20s
  1732 requests in 1.10s, 0.86MB read
  Socket errors: connect 0, read 12, write 1, timeout 3
  Non-2xx or 3xx responses: 40
Requests/sec:   1575.38
Transfer/sec:    800.00KB"""


def result(rps: float, *, non_2xx: int = 0, socket_errors: int = 0) -> LoadResult:
    return LoadResult("wrk", int(rps), 1.0, rps, 1.0, 2.0, non_2xx, socket_errors)


def test_parse_clean_run() -> None:
    parsed = load.parse_wrk_output(WRK_CLEAN)
    assert parsed.requests_per_second == pytest.approx(4890.61)
    assert parsed.requests == 24455
    assert parsed.seconds == pytest.approx(5.0)
    assert parsed.p50_ms == pytest.approx(0.771)  # microseconds converted
    assert parsed.p99_ms == pytest.approx(1.52)
    assert (parsed.non_2xx, parsed.socket_errors, parsed.errors) == (0, 0, 0)


def test_parse_errors_and_seconds() -> None:
    parsed = load.parse_wrk_output(WRK_ERRORS)
    assert parsed.p50_ms == pytest.approx(12.5)
    assert parsed.p99_ms == pytest.approx(1200.0)  # "1.20s"
    assert parsed.seconds == pytest.approx(1.1)
    assert parsed.non_2xx == 40
    assert parsed.socket_errors == 16  # connect + read + write + timeout
    assert parsed.errors == 56


def test_parse_rejects_failed_wrk() -> None:
    with pytest.raises(ValueError, match="not wrk output"):
        load.parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_parse_wrk2_style_percentiles() -> None:
    text = "  50.000%    3.00ms\n  99.000%   10.00ms\nRequests/sec:   10.00\n"
    parsed = load.parse_wrk_output(text)
    assert parsed.p50_ms == pytest.approx(3.0)
    assert parsed.p99_ms == pytest.approx(10.0)


def test_lua_string_escapes_what_lua_would_misread() -> None:
    assert load.lua_string(b'a,b\n1,"2"\\') == '"a,b\\0101,\\0342\\034\\092"'
    # Three-digit escapes: a digit after an escaped byte is not read as part of it.
    assert load.lua_string(b"\n5") == '"\\0105"'


def test_wrk_script_sets_method_body_and_type() -> None:
    script = load.wrk_script(load.Request("POST", "/predict/", b"x\n1\n", "text/csv"))
    assert 'wrk.method = "POST"' in script
    assert 'wrk.body = "x\\0101\\010"' in script
    assert 'wrk.headers["Content-Type"] = "text/csv"' in script
    assert "wrk.body" not in load.wrk_script(load.Request("GET", "/ping/"))


def test_percentile_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert load.percentile(values, 50) == 50.0
    assert load.percentile(values, 99) == 99.0
    assert load.percentile([7.0], 99) == 7.0
    assert load.percentile([], 50) is None


def test_combine_rounds() -> None:
    rounds = [
        LoadResult("wrk", 1000, 1.0, 1000.0, 1.0, 5.0),
        LoadResult("wrk", 3000, 1.0, 3000.0, 3.0, 9.0, non_2xx=2),
        LoadResult("wrk", 2000, 2.0, 1000.0, 2.0, 7.0, socket_errors=1),
    ]
    combined = load.combine(rounds)
    assert combined.requests_per_second == pytest.approx(6000 / 4.0)  # not the mean of rates
    assert (combined.p50_ms, combined.p99_ms) == (2.0, 7.0)  # medians of the rounds
    assert (combined.non_2xx, combined.socket_errors) == (2, 1)
    assert combined.round_rps == (1000.0, 3000.0, 1000.0)


def results_with(ours_ping: LoadResult, bare_ping: LoadResult, ready: list[float]) -> Results:
    results = Results(duration=5.0, warmup=1.0, starts=len(ready), load_tool="wrk")
    results.ours["fastapi-1"] = ServerFigures(
        "fastapi-1", Startup(ready), ping=ours_ping, predict=result(900.0)
    )
    results.bare["fastapi-1"] = ServerFigures("fastapi-1", ping=bare_ping, predict=result(1000.0))
    return results


def by_name(targets: list[report.Target]) -> dict[str, report.Target]:
    return {target.name: target for target in targets}


def test_targets_pass_and_miss_on_ratios() -> None:
    targets = by_name(report.evaluate(results_with(result(790.0), result(1000.0), [0.9, 1.2])))
    assert targets["/ping/ fastapi-1 vs bare"].status == "MISS"  # 0.79 < 0.8
    assert targets["/ping/ fastapi-1 vs bare"].measured == "0.79x"
    assert targets["/predict/ fastapi-1 vs bare"].status == "PASS"  # exactly 0.9
    almost = results_with(result(900.0), result(1000.0), [0.5])
    almost.ours["fastapi-1"].predict = result(898.0)
    missed = by_name(report.evaluate(almost))["/predict/ fastapi-1 vs bare"]
    assert (missed.status, missed.measured) == ("MISS", "0.898x")  # not a misleading "0.90x"
    assert targets["fastapi-1 ready (median)"].status == "MISS"  # median of 0.9 and 1.2
    assert targets["fastapi-1 ready (median)"].measured == "1.05 s"


def test_ready_target_uses_the_median() -> None:
    slow = results_with(result(900.0), result(1000.0), [0.5, 0.6, 3.0, 1.1, 1.2])
    assert by_name(report.evaluate(slow))["fastapi-1 ready (median)"].status == "MISS"
    fast = results_with(result(900.0), result(1000.0), [0.5, 0.6, 3.0, 0.7, 0.8])
    assert by_name(report.evaluate(fast))["fastapi-1 ready (median)"].status == "PASS"


def test_a_run_with_errors_is_never_a_pass() -> None:
    results = results_with(result(5000.0, socket_errors=3), result(1000.0), [0.5])
    target = by_name(report.evaluate(results))["/ping/ fastapi-1 vs bare"]
    assert target.status == "MISS"
    assert "errors" in target.note
    table = report.throughput_table(results, results.bare, "bare")
    assert "5,000 (!)" in table
    assert "0 non-2xx, 3 socket" in table


def test_unmeasured_targets_are_not_applicable() -> None:
    results = results_with(result(900.0), result(1000.0), [0.5])
    results.bare["fastapi-1"].predict = None  # e.g. the bare app failed to start
    target = by_name(report.evaluate(results))["/predict/ fastapi-1 vs bare"]
    assert target.status == "n/a"


def test_drum_targets() -> None:
    results = results_with(result(900.0), result(1000.0), [0.4])
    results.drum["fastapi-1"] = ServerFigures("fastapi-1", Startup([2.0]), predict=result(400.0))
    targets = by_name(report.evaluate(results))
    assert targets["/predict/ fastapi-1 vs DRUM"].status == "PASS"  # 2.25x >= 2x
    assert targets["fastapi-1 ready vs DRUM"].measured == "0.20x"
    assert targets["fastapi-1 ready vs DRUM"].status == "PASS"


def test_crash_target() -> None:
    results = Results(duration=5.0, warmup=1.0, starts=3, load_tool="wrk")
    results.crash["flask"] = ServerFigures("flask", Startup([0.5, 2.5, 2.6]))
    results.crash["fastapi"] = ServerFigures("fastapi", Startup([0.5]), error="never reported")
    targets = by_name(report.evaluate(results))
    assert targets["crashing model reported, flask"].status == "MISS"  # median 2.5
    assert targets["crashing model reported, fastapi"].status == "MISS"


def test_noisy_rounds_add_a_caution_not_a_miss() -> None:
    results = results_with(result(900.0), result(1000.0), [0.5])
    results.ours["fastapi-1"].predict = LoadResult(
        "wrk", 5000, 5.0, 1000.0, 1.0, 2.0, round_rps=(500.0, 1500.0, 1000.0)
    )
    target = by_name(report.evaluate(results))["/predict/ fastapi-1 vs bare"]
    assert target.status == "PASS"
    assert target.note.startswith("noisy: rounds differ 3.0x")
    assert "1,000 (500-1,500)" in report.throughput_table(results, results.bare, "bare")
    assert report.noisy(result(1.0), None) == ""  # single-run figures have no rounds


def test_the_bare_gunicorn_takes_our_tuning() -> None:
    # gunicorn validates each setting as it is set (whole seconds, for instance): a value
    # it refuses stops the bare app before it serves, as a float once did.
    from bench.bare_apps import DEFAULTS, BareGunicorn
    from drum_testing.servers.wsgi.gunicorn import tuning_options

    with listening_socket() as sock:
        cfg = BareGunicorn(sock.fileno(), 1).cfg
        assert {name: cfg.settings[name].value for name in tuning_options(DEFAULTS)} == (
            tuning_options(DEFAULTS)
        )
