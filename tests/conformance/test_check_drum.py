"""``drum-testing check --drum``: the model on real DRUM 1.18.1 beside our server types.

Run by ``nox -s conformance``, the session with DRUM installed. A model that works alike
passes, with DRUM's float spelling (10 decimal places) no difference; DRUM's answers to the
robustness variants are shown, not failed; a model DRUM refuses to start fails the check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drum_testing.testing import ModelCheckFailed, check_model
from tests.helpers.models import MODELS

ROOT = Path(__file__).resolve().parents[2]
FAST: dict[str, Any] = {"single_rows": 2, "latency_requests": 2, "latency_seconds": 2.0}


def test_the_example_answers_as_drum(tmp_path: Path) -> None:
    example = ROOT / "examples" / "regression"
    report = check_model(
        "regression", None, example, example / "houses.csv", drum=True, log_dir=tmp_path, **FAST
    )
    assert list(report.servers) == ["flask", "gunicorn", "fastapi", "drum"]
    assert report.servers["drum"].started
    assert report.servers["drum"].latency[0].p50_ms is not None
    batch = report.parity[0]
    assert batch.answers["drum"].body == batch.answers["flask"].body
    assert batch.drum_difference is None
    empty = {result.probe.name: result for result in report.robustness}["empty"]
    assert empty.answers["drum"].status == empty.answers["flask"].status == 422
    # DRUM's words in the message (what we add is in the body's detail).
    assert empty.answers["drum"].message == empty.answers["flask"].message


def test_drums_float_spelling_is_no_difference(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("a,b\n0.1,0.2\n", encoding="utf-8")
    report = check_model(
        "regression", None, MODELS / "regression", data, server_types=["flask"], drum=True,
        **FAST,
    )  # fmt: skip
    batch = report.parity[0]
    assert batch.answers["flask"].body == {"predictions": [0.30000000000000004]}
    assert batch.answers["drum"].body == {"predictions": [0.3]}
    assert batch.drum_difference is None


def test_a_model_drum_refuses_to_start_fails_the_check(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ModelCheckFailed) as failed:
        check_model(
            "regression", None, MODELS / "no_load_model", data, server_types=["flask"],
            drum=True, **FAST,
        )  # fmt: skip
    report = failed.value.report
    assert report.servers["flask"].started
    drum = report.servers["drum"]
    assert not drum.started
    assert drum.error is not None
    assert "load_model" in drum.error or "artifact" in drum.error, drum.error
    assert report.problems()[0].startswith("drum did not start")
    (warning,) = report.warnings  # foretold without DRUM, from the folder alone
    assert "no load_model hook" in warning
    assert {answer.status for answer in report.parity[0].answers.values()} == {200}
