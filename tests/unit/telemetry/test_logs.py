"""The log's handler: the request filter, the text and JSON formats, configure_logging."""

from __future__ import annotations

import json
import logging
import re
import sys
import warnings
from collections.abc import Iterator

import pytest

from drum_testing.telemetry import logs
from drum_testing.telemetry.context import request_scope

TRACE = "0af7651916cd43dd8448eb211c80319c"


def record(message: str = "hello", *, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    made = logging.LogRecord("some.logger", logging.ERROR, __file__, 1, message, (), exc_info)
    made.__dict__.update(extra)
    return made


def stamped(made: logging.LogRecord) -> logging.LogRecord:
    assert logs.RequestFilter().filter(made)
    return made


# --- the filter -----------------------------------------------------------------------------
def test_outside_a_request_the_ids_are_empty() -> None:
    made = stamped(record())
    assert (made.request_id, made.trace_id) == ("", "")  # type: ignore[attr-defined]


def test_inside_a_request_the_record_has_its_ids() -> None:
    with request_scope("r-1") as scope:
        before = stamped(record())
        scope.trace_id = TRACE
        after = stamped(record())
    assert (before.request_id, before.trace_id) == ("r-1", "")  # type: ignore[attr-defined]
    assert (after.request_id, after.trace_id) == ("r-1", TRACE)  # type: ignore[attr-defined]


# --- text -----------------------------------------------------------------------------------
def test_text_outside_a_request_is_the_line_of_before() -> None:
    line = logs.TextFormatter().format(stamped(record("hello")))
    assert line.endswith(" ERROR some.logger: hello"), line


def test_text_shows_the_request_id_and_the_trace_id_before_the_message() -> None:
    with request_scope("r-1") as scope:
        scope.trace_id = TRACE
        line = logs.TextFormatter().format(stamped(record("hello", exc=True)))
    first = line.splitlines()[0]
    assert first.endswith(f" ERROR some.logger [request_id=r-1 trace_id={TRACE}]: hello"), line
    assert "ValueError: boom" in line


def test_text_of_a_record_that_missed_the_filter_has_no_ids() -> None:
    assert logs.TextFormatter().format(record("hi")).endswith(" ERROR some.logger: hi")


# --- JSON -----------------------------------------------------------------------------------
def test_json_is_one_object_a_line_with_every_field() -> None:
    with request_scope("r-2") as scope:
        scope.trace_id = TRACE
        line = logs.JsonFormatter().format(stamped(record("a\nb", exc=True)))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR"
    assert parsed["logger"] == "some.logger"
    assert parsed["message"] == "a\nb"
    assert (parsed["request_id"], parsed["trace_id"]) == ("r-2", TRACE)
    assert parsed["exception"].startswith("Traceback (most recent call last)")
    assert "ValueError: boom" in parsed["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", parsed["time"])


def test_json_outside_a_request_has_null_ids_and_no_exception() -> None:
    parsed = json.loads(logs.JsonFormatter().format(stamped(record())))
    assert (parsed["request_id"], parsed["trace_id"]) == (None, None)
    assert "exception" not in parsed


def test_json_carries_the_access_logs_http_fields() -> None:
    made = stamped(record(http={"method": "GET", "status": 200}))
    assert json.loads(logs.JsonFormatter().format(made))["http"] == {
        "method": "GET",
        "status": 200,
    }


def test_an_unknown_format_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="text, json"):
        logs.make_formatter("xml")


# --- configure_logging ----------------------------------------------------------------------
@pytest.fixture
def root_restored() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)


def test_configure_logging_writes_json_lines_to_stderr(
    root_restored: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_logging("INFO", "json")
    with request_scope("r-3"):
        logging.getLogger("a.model").info("scored")
    logging.getLogger("a.model").debug("below the level")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(p["message"], p["request_id"]) for p in lines] == [("scored", "r-3")]


def test_configure_logging_again_replaces_its_handler(
    root_restored: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_logging("INFO", "json")
    logs.configure_logging("WARNING", "text")
    logging.getLogger("a.model").warning("once")
    err = capsys.readouterr().err
    assert err.count("once") == 1
    assert err.rstrip().endswith("WARNING a.model: once"), err


def test_configure_logging_keeps_werkzeugs_request_lines_at_the_level(
    root_restored: logging.Logger,
) -> None:
    logs.configure_logging("WARNING")
    assert not logging.getLogger("werkzeug").isEnabledFor(logging.INFO)


def test_a_models_warning_is_a_log_line_of_its_request(
    root_restored: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_logging("WARNING", "json")
    with request_scope("r-4"), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("this will change", FutureWarning, stacklevel=1)
    (line,) = capsys.readouterr().err.splitlines()
    parsed = json.loads(line)
    assert (parsed["logger"], parsed["request_id"]) == ("py.warnings", "r-4")
    assert "FutureWarning: this will change" in parsed["message"]
