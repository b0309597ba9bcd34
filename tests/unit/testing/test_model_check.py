"""testing/model_check.py: check_model's options, and the failure it raises (run_check is
replaced by one returning a report built by hand: no server starts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drum_testing.check import options as check_options
from drum_testing.check.table import render
from drum_testing.config.settings import ServerType, TargetType
from drum_testing.testing import ModelCheckFailed, check_model
from tests.helpers.check_reports import (
    EXAMPLE_PROBLEMS,
    clean_report,
    example_report,
    install_fake_check,
)


def test_a_passing_check_returns_its_report(monkeypatch: pytest.MonkeyPatch) -> None:
    report = clean_report()
    fake = install_fake_check(monkeypatch, report)
    got = check_model(
        "Binary",
        ["no", "yes"],
        "model",
        "data.csv",
        server_types=["uvicorn", "werkzeug"],
        drum=True,
        single_rows=3,
        log_dir=Path("logs"),
    )
    assert got is report
    [options] = fake.options
    assert options.target_type is TargetType.BINARY
    assert options.labels == ("no", "yes")
    assert (options.code_dir, options.input) == (Path("model"), Path("data.csv"))
    assert options.server_types == (ServerType.FASTAPI, ServerType.FLASK)
    assert options.drum is True
    assert (options.single_rows, options.log_dir) == (3, Path("logs"))


def test_every_installed_type_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_options, "installed_types", lambda: (ServerType.GUNICORN,))
    fake = install_fake_check(monkeypatch, clean_report())
    check_model("regression", None, "model", "data.csv")
    assert fake.options[0].server_types == (ServerType.GUNICORN,)
    assert fake.options[0].labels is None


def test_a_failing_check_raises_with_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    report = example_report()
    install_fake_check(monkeypatch, report)
    with pytest.raises(ModelCheckFailed) as raised:
        check_model("regression", None, "model", "data.csv")
    assert isinstance(raised.value, AssertionError)
    assert raised.value.report is report
    assert str(raised.value) == render(report)
    assert EXAMPLE_PROBLEMS[0] in str(raised.value)


@pytest.mark.parametrize(
    ("target", "labels", "problem"),
    [
        ("nope", None, "unknown target type 'nope'"),
        ("binary", ["yes"], "binary labels are"),
        ("regression", ["a", "b"], "labels are for binary"),
    ],
)
def test_bad_arguments_raise_before_checking(
    monkeypatch: pytest.MonkeyPatch, target: str, labels: list[str] | None, problem: str
) -> None:
    fake = install_fake_check(monkeypatch, clean_report())
    with pytest.raises(ValueError, match=problem):
        check_model(target, labels, "model", "data.csv")
    assert fake.options == []
