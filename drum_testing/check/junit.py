"""The report as JUnit XML, so CI shows each check as a test case.

One ``testsuite`` named ``drum-testing check``; one ``testcase`` per server start
(``start.<server>``), per parity and robustness request (``parity.<request>``,
``robustness.<request>``), and per timed server (``speed.<server>``, which fails only when
every timed request of a batch size failed). A problem is a ``failure`` whose text is its
diff or traceback.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .probes import rows_label
from .report import CheckReport, ProbeResult
from .robustness import classify

SUITE = "drum-testing check"


def _case(suite: ET.Element, classname: str, name: str, seconds: float = 0.0) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{seconds:.3f}")


def _fail(case: ET.Element, message: str, text: str) -> None:
    failure = ET.SubElement(case, "failure", message=message)
    failure.text = text


def _probe_text(result: ProbeResult) -> str:
    parts = [difference.diff for difference in result.differences]
    if result.drum_difference is not None:
        parts.append(result.drum_difference.diff)
    parts += [
        f"{name}: {answer.summary()}\n{answer.log}".strip()
        for name, answer in result.answers.items()
        if classify(answer).is_problem
    ]
    return "\n\n".join(parts)


def to_junit(report: CheckReport) -> str:
    """The XML document, as text."""
    suite = ET.Element("testsuite", name=SUITE)
    for name, server in report.servers.items():
        case = _case(suite, "start", name, server.ready_seconds or 0.0)
        if server.error is not None:
            _fail(case, f"{name} did not start", server.error)
    for result in (*report.parity, *report.robustness):
        seconds = max((answer.seconds for answer in result.answers.values()), default=0.0)
        case = _case(suite, result.probe.kind.value, result.probe.name, seconds)
        problems = result.problems()
        if problems:
            _fail(case, "; ".join(problems), _probe_text(result))
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            f"{name}: {answer.summary()}" for name, answer in result.answers.items()
        )
    for name, server in report.servers.items():
        if not server.latency:
            continue
        case = _case(suite, "speed", name)
        figures = "\n".join(
            f"{rows_label(latency.rows)}: p50 {latency.p50_ms} ms, p99 {latency.p99_ms} ms, "
            f"{latency.requests} requests, {latency.failed} failed"
            for latency in server.latency
        )
        failed = [rows_label(t.rows) for t in server.latency if t.p50_ms is None]
        if failed:  # before system-out: the JUnit schema's order
            _fail(case, f"{name}: every timed request of {', '.join(failed)} failed", figures)
        ET.SubElement(case, "system-out").text = figures
    remarks = [f"warning: {w}" for w in report.warnings] + [f"note: {n}" for n in report.notes]
    if remarks:
        ET.SubElement(suite, "system-out").text = "\n".join(remarks)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("time", f"{report.seconds:.3f}")
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
