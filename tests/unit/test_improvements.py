"""The declared improvements over DRUM: the file loads, the ledger matches and flags stale
entries, and docs/CONTRACT.md holds exactly what the file renders to."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.cases import CASES
from tests.contract.improvements import (
    ABSENT,
    ANY_CASE,
    CONTRACT_FILE,
    Improvement,
    Ledger,
    contract_with,
    differences,
    fields,
    load,
    render,
)
from tests.contract.tracing import TRACED


def test_contract_md_holds_the_rendered_list() -> None:
    contract = CONTRACT_FILE.read_text(encoding="utf-8")
    assert contract_with(render(load()), contract) == contract, (
        "docs/CONTRACT.md is out of date: run python -m tests.contract.improvements"
    )


def test_every_entry_names_battery_cases() -> None:
    ids = {case.id for case in CASES} | {traced.id for traced in TRACED}  # spans: traced ones
    for entry in load():
        assert entry.why
        assert "TODO" not in entry.why
        assert ANY_CASE in entry.cases or set(entry.cases) <= ids, entry.cases


def test_an_entry_without_why_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "improvements.yaml"
    path.write_text("- {cases: [x], field: status, drum: 500, ours: 422}\n")
    with pytest.raises(ValueError, match="why"):
        load(path)


def test_differences_by_part() -> None:
    drum = fields(500, "application/json", {"X_Request_ID": "r"}, {"message": "boom"})
    ours = fields(
        422, "application/json", {"X_Request_ID": "r", "X-Request-ID": "r"}, {"message": "clear"}
    )
    assert differences(drum, ours) == {
        "status": (500, 422),
        "header X-Request-ID": (ABSENT, "r"),
        "body.message": ("boom", "clear"),
    }


def entry(**overrides: object) -> Improvement:
    values: dict[str, object] = {
        "cases": ("a",),
        "field": "status",
        "drum": 500,
        "ours": 422,
        "why": "clearer",
        "types": ("flask", "gunicorn", "fastapi"),
    }
    values.update(overrides)
    return Improvement(**values)  # type: ignore[arg-type]


def test_a_declared_difference_passes_and_an_undeclared_one_does_not() -> None:
    ledger = Ledger([entry()])
    assert ledger.undeclared("a", "flask", {"status": (500, 422)}) == {}
    # Another case, other values, or another part: not declared.
    assert ledger.undeclared("b", "flask", {"status": (500, 422)}) == {"status": (500, 422)}
    assert ledger.undeclared("a", "flask", {"status": (500, 400)}) == {"status": (500, 400)}
    assert ledger.undeclared("a", "flask", {"body": (1, 2)}) == {"body": (1, 2)}


def test_an_entry_limited_to_a_type_covers_that_type_only() -> None:
    ledger = Ledger([entry(types=("gunicorn",))])
    assert ledger.undeclared("a", "flask", {"status": (500, 422)}) == {"status": (500, 422)}
    assert ledger.undeclared("a", "gunicorn", {"status": (500, 422)}) == {}


def test_stale_entries_are_named() -> None:
    ledger = Ledger([entry(cases=("a", "b")), entry(cases=(ANY_CASE,), field="body")])
    for server_type in ("flask", "gunicorn", "fastapi"):
        ledger.undeclared("a", server_type, {"status": (500, 422)})
        ledger.undeclared("b", server_type, {})  # b now agrees with DRUM
    problems = ledger.stale()
    assert len(problems) == 2
    assert "'b'" in problems[0]
    assert "every case" in problems[1]


def test_cases_that_did_not_run_are_not_stale() -> None:
    ledger = Ledger([entry(cases=("a", "b"))])
    for server_type in ("flask", "gunicorn", "fastapi"):
        ledger.undeclared("a", server_type, {"status": (500, 422)})
    assert ledger.stale() == []
