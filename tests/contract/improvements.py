"""Where we answer differently from real DRUM on purpose: the declared improvements.

``improvements.yaml`` (beside this file) is the list; each entry names battery cases, the
part of the answer that differs, DRUM 1.18.1's value, ours, and why ours is better::

    - cases: ["404 /nope", "404 /PING/"]    # ids of tests/contract/cases CASES, or ["*"]
      types: [gunicorn]                     # optional: only these server types of ours
      field: content_type                   # status, content_type, body, body.KEY, header NAME
      drum: text/html; charset=utf-8
      ours: application/json
      why: every error is JSON with a message, on every route

The conformance session (``nox -s conformance``) fails on any difference that no entry
declares, and on any entry that no longer matches a difference (DRUM or we changed). The
"DRUM does X, we do Y" part of docs/CONTRACT.md is rendered from this list::

    python -m tests.contract.improvements        # rewrite docs/CONTRACT.md's section
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.contract.exchange import OUR_HEADERS

HERE = Path(__file__).parent
IMPROVEMENTS_FILE = HERE / "improvements.yaml"
CONTRACT_FILE = HERE.parents[1] / "docs" / "CONTRACT.md"
SECTION_START = "<!-- drum-differences: generated from tests/contract/improvements.yaml -->"
SECTION_END = "<!-- drum-differences: end -->"
ALL_TYPES = ("flask", "gunicorn", "fastapi")
ANY_CASE = "*"
ABSENT = "<absent>"
"""The value of a field one side does not have (a header not sent, a JSON key missing)."""
ANY_VALUE = "<any>"
"""As an entry's ``ours``: whatever we send there (an error's ``detail``, which says more
than DRUM's message, in words of its own for each case)."""
COMPARED_HEADERS = OUR_HEADERS
"""Headers compared with DRUM's; Content-Length too for HEAD and OPTIONS (no body to differ)."""


@dataclass(frozen=True)
class Improvement:
    """One declared difference from DRUM (an entry of improvements.yaml)."""

    cases: tuple[str, ...]
    field: str
    drum: Any
    ours: Any
    why: str
    types: tuple[str, ...] = ALL_TYPES

    def matches(self, case_id: str, server_type: str, name: str, drum: Any, ours: Any) -> bool:
        return (
            (ANY_CASE in self.cases or case_id in self.cases)
            and server_type in self.types
            and self.differs_so(name, drum, ours)
        )

    def differs_so(self, name: str, drum: Any, ours: Any) -> bool:
        """Whether this entry declares this difference (of any case)."""
        return (
            name == self.field
            and drum == self.drum
            and (ours == self.ours or (self.ours == ANY_VALUE and ours != ABSENT))
        )


@dataclass
class Ledger:
    """What a conformance run found: which entries matched, which cases agreed."""

    improvements: Sequence[Improvement]
    used: set[tuple[int, str, str]] = field(default_factory=set)
    identical: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)

    def undeclared(
        self, case_id: str, server_type: str, differences: Mapping[str, tuple[Any, Any]]
    ) -> dict[str, tuple[Any, Any]]:
        """The differences no entry declares; the others are recorded as used."""
        self.seen.add(case_id)
        left = {}
        for name, (drum, ours) in differences.items():
            hits = [
                n
                for n, entry in enumerate(self.improvements)
                if entry.matches(case_id, server_type, name, drum, ours)
            ]
            for n in hits:
                self.used.add((n, case_id, server_type))
            if not hits:
                left[name] = (drum, ours)
        return left

    def everywhere(self, name: str, drum: Any, ours: Any) -> bool:
        """Whether an entry for every case declares this difference (our extra headers, an
        error's detail)."""
        return any(
            ANY_CASE in entry.cases and entry.differs_so(name, drum, ours)
            for entry in self.improvements
        )

    def judge(
        self,
        case_id: str,
        drum: Mapping[str, Any],
        ours: Callable[[str], Mapping[str, Any]],
    ) -> str:
        """Hold ``ours(server_type)`` to ``drum`` on every server type and record the case's
        outcome; the differences no entry declares, as entries to paste ("" when none).

        "As DRUM" allows only the differences every answer of ours has (our extra headers).
        """
        undeclared = []
        identical = True
        for server_type in ALL_TYPES:
            found = differences(drum, ours(server_type))
            identical = identical and all(self.everywhere(n, *v) for n, v in found.items())
            left = self.undeclared(case_id, server_type, found)
            if left:
                undeclared.append(as_yaml(case_id, server_type, left))
        self.record(case_id, identical, all_declared=not undeclared)
        return "".join(undeclared)

    def record(self, case_id: str, identical: bool, all_declared: bool) -> None:
        """A case's outcome over every server type, for the summary."""
        if identical:
            self.identical.add(case_id)
        elif all_declared:
            self.declared.add(case_id)

    def stale(self) -> list[str]:
        """Entries (or their listed cases and types) that matched nothing in this run."""
        problems = []
        for n, entry in enumerate(self.improvements):
            if ANY_CASE in entry.cases:
                if not any(used[0] == n for used in self.used):
                    problems.append(f"entry {n} ({entry.field}, every case) matched nothing")
                continue
            for case_id in entry.cases:
                if case_id not in self.seen:
                    continue  # not run (deselected)
                missing = [t for t in entry.types if (n, case_id, t) not in self.used]
                if missing:
                    problems.append(
                        f"entry {n} ({entry.field}) does not match {case_id!r} on {missing}"
                    )
        return problems


def load(path: Path = IMPROVEMENTS_FILE) -> list[Improvement]:
    """The entries of improvements.yaml, checked for shape."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    entries = []
    for n, item in enumerate(raw):
        unknown = set(item) - {"cases", "types", "field", "drum", "ours", "why"}
        if unknown or not item.get("why") or "field" not in item or "cases" not in item:
            raise ValueError(f"{path.name} entry {n} needs cases, field, drum, ours, why")
        types = tuple(item.get("types", ALL_TYPES))
        if not set(types) <= set(ALL_TYPES):
            raise ValueError(f"{path.name} entry {n}: unknown server types {types}")
        entries.append(
            Improvement(
                tuple(item["cases"]),
                item["field"],
                item.get("drum"),
                item.get("ours"),
                " ".join(str(item["why"]).split()),
                types,
            )
        )
    return entries


def fields(status: int, content_type: str, headers: Mapping[str, str], body: Any) -> dict[str, Any]:
    """An answer as the named parts the comparison looks at (``body.KEY`` for JSON objects)."""
    parts: dict[str, Any] = {"status": status, "content_type": content_type}
    for name, value in headers.items():
        parts[f"header {name}"] = value
    if isinstance(body, dict):
        for key, value in body.items():
            parts[f"body.{key}"] = value
    else:
        parts["body"] = body
    return parts


def differences(drum: Mapping[str, Any], ours: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Every part where the two answers differ, as ``{part: (drum's, ours)}``."""
    names = sorted(set(drum) | set(ours))
    return {
        name: (drum.get(name, ABSENT), ours.get(name, ABSENT))
        for name in names
        if drum.get(name, ABSENT) != ours.get(name, ABSENT)
    }


def as_yaml(case_id: str, server_type: str, found: Mapping[str, tuple[Any, Any]]) -> str:
    """Undeclared differences as entries to paste into improvements.yaml (``why`` to write)."""
    entries = [
        {
            "cases": [case_id],
            "types": [server_type],
            "field": name,
            "drum": drum,
            "ours": ours,
            "why": "TODO: why ours is better, or fix ours",
        }
        for name, (drum, ours) in found.items()
    ]
    return yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100)


def _short(value: Any, limit: int = 90) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(entries: Iterable[Improvement]) -> str:
    """The generated part of docs/CONTRACT.md: one line per declared improvement."""
    lines = [SECTION_START, ""]
    for entry in entries:
        cases = "every case" if ANY_CASE in entry.cases else ", ".join(entry.cases)
        types = "" if entry.types == ALL_TYPES else f" ({', '.join(entry.types)} only)"
        lines.append(
            f"- **{entry.field}** of {cases}{types}: DRUM `{_short(entry.drum)}`; "
            f"we `{_short(entry.ours)}`. {entry.why}"
        )
    lines += ["", SECTION_END]
    return "\n".join(lines)


def contract_with(section: str, contract: str) -> str:
    """``contract`` with its generated section replaced by ``section``."""
    start, end = contract.index(SECTION_START), contract.index(SECTION_END) + len(SECTION_END)
    return contract[:start] + section + contract[end:]


if __name__ == "__main__":
    text = CONTRACT_FILE.read_text(encoding="utf-8")
    CONTRACT_FILE.write_text(contract_with(render(load()), text), encoding="utf-8")
    print(f"rewrote the DRUM differences in {CONTRACT_FILE}", file=sys.stderr)
