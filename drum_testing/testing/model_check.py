"""``drum-testing check`` from a test: run its checks and fail the test with the report.

::

    from drum_testing.testing import check_model

    def test_my_model_is_safe_to_serve(tmp_path):
        check_model("regression", None, "model/", "model/data.csv", log_dir=tmp_path)

or, with the plugin's fixture (which keeps the servers' logs in the test's ``tmp_path``)::

    def test_my_model_is_safe_to_serve(drum_check):
        report = drum_check("binary", ["no", "yes"], "model/", "model/data.csv")
        assert report.servers["fastapi"].idle_mib < 500

Both start the model on every installed server type (``server_types=`` to choose,
``drum=True`` to add real DRUM), and raise :class:`ModelCheckFailed`, an AssertionError
whose message is the whole report, when a check finds a problem; else they return the
:class:`~drum_testing.check.CheckReport`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drum_testing.config.settings import ServerType, TargetType
from drum_testing.launch.drum_signature import check_labels, resolve_server_type, target_type_value

if TYPE_CHECKING:  # the check needs requests: imported when a check runs, so that the
    from drum_testing.check.report import CheckReport  # pytest plugin loads without it


class ModelCheckFailed(AssertionError):
    """A check found a problem; ``report`` has everything, the message is its table."""

    def __init__(self, report: CheckReport) -> None:
        from drum_testing.check.table import render

        super().__init__(render(report))
        self.report = report


def check_model(
    target_type: str,
    labels: Sequence[str] | None,
    code_dir: str | os.PathLike[str],
    input: str | os.PathLike[str],
    *,
    server_types: Sequence[str] | None = None,
    drum: bool = False,
    **options: Any,
) -> CheckReport:
    """Run every check on ``code_dir``'s model with ``input``; the report, if it passed.

    ``labels`` are ``DrumServerRun``'s (binary: ``(negative, positive)``). ``options`` are
    :class:`~drum_testing.check.CheckOptions` fields (``single_rows``,
    ``latency_requests``, ``log_dir``, ...).

    :raises ModelCheckFailed: a check found a problem (the message is the report).
    """
    __tracebackhide__ = True  # pytest: the failure is the model's, not this function's
    from drum_testing.check.options import CheckOptions, installed_types
    from drum_testing.check.runner import run_check

    target = TargetType(target_type_value(target_type))
    checked = check_labels(target.value, labels)
    types = (
        installed_types()
        if server_types is None
        else tuple(ServerType(resolve_server_type(name)) for name in server_types)
    )
    report = run_check(
        CheckOptions(
            Path(code_dir),
            target,
            Path(input),
            labels=tuple(checked) if checked is not None else None,
            server_types=types,
            drum=drum,
            **options,
        )
    )
    if not report.ok:
        raise ModelCheckFailed(report)
    return report
