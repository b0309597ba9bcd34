"""RunLog: the log directory made for a run is removed after a clean run, and only that."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from drum_testing.launch.logs import RunLog
from tests.helpers.standin import made_dirs


def test_create_makes_an_empty_log_in_a_new_directory(temp_root: Path) -> None:
    log = RunLog(None)
    path = log.create("flask-binary-1234-")
    assert made_dirs(temp_root) == [path.parent] == [log.own_dir]
    assert path.name.startswith("flask-binary-1234-")
    assert path.suffix == ".log"
    assert path.read_bytes() == b""
    with pytest.raises(RuntimeError, match="already created"):
        log.create("again-")


def test_a_clean_run_removes_the_directory_it_made(
    temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = RunLog(None)
    path = log.create("x-")
    path.write_text("server output\n")
    log.finish(0)
    assert made_dirs(temp_root) == []
    assert not caplog.records  # nothing to report


def test_keep_keeps_the_directory_of_a_clean_run(temp_root: Path) -> None:
    log = RunLog(None, keep=True)
    path = log.create("x-")
    log.finish(0)
    assert made_dirs(temp_root) == [path.parent]
    assert path.exists()


@pytest.mark.parametrize(
    ("returncode", "reason"),
    [
        (1, "the server stopped with exit code 1"),
        (-9, "the server stopped with signal SIGKILL"),
        (None, "the server could not be stopped"),
    ],
)
def test_an_unclean_exit_keeps_the_log_and_says_where_it_is(
    temp_root: Path, caplog: pytest.LogCaptureFixture, returncode: int | None, reason: str
) -> None:
    log = RunLog(None)
    path = log.create("x-")
    with caplog.at_level(logging.WARNING, logger="drum_testing.launch.logs"):
        log.finish(returncode)
    assert path.exists()
    assert [r.getMessage() for r in caplog.records] == [f"DRUM server log kept at {path}: {reason}"]


def test_a_failure_keeps_the_log_even_after_a_clean_exit_first_reason_wins(
    temp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = RunLog(None)
    path = log.create("x-")
    log.fail("it did not start")
    log.fail("something later")
    with caplog.at_level(logging.WARNING, logger="drum_testing.launch.logs"):
        log.finish(0)
    assert path.exists()
    assert log.failure == "it did not start"
    assert [r.getMessage() for r in caplog.records] == [
        f"DRUM server log kept at {path}: it did not start"
    ]


def test_the_first_finish_decides(temp_root: Path, caplog: pytest.LogCaptureFixture) -> None:
    kept = RunLog(None)
    kept_path = kept.create("kept-")
    kept.finish(3)
    kept.finish(0)  # a later clean stop doesn't remove a log kept for a failure
    assert kept_path.exists()

    removed = RunLog(None)
    removed.create("removed-")
    removed.finish(0)
    removed.fail("too late")
    removed.finish(1)  # no second decision, no warning about a log that is gone
    assert made_dirs(temp_root) == [kept_path.parent]
    assert len(caplog.records) == 1


def test_finish_before_create_does_nothing(temp_root: Path) -> None:
    log = RunLog(None)
    log.fail("the port was taken")
    log.finish(None)
    assert log.path is None
    assert made_dirs(temp_root) == []


@pytest.mark.parametrize("returncode", [0, 1])
def test_a_callers_directory_and_the_log_in_it_are_never_removed(
    temp_root: Path, tmp_path: Path, returncode: int
) -> None:
    mine = tmp_path / "mine" / "nested"  # made if missing
    log = RunLog(mine)
    path = log.create("x-")
    assert path.parent == mine
    assert log.own_dir is None
    log.finish(returncode)
    assert path.exists()
    assert made_dirs(temp_root) == []  # nothing made in the temp dir either
