"""README's option tables, made from the options table so that they cannot drift from it.

README.md marks each generated table with a pair of comments; between them is what
:func:`render_block` makes, and a unit test fails when README holds anything else::

    <!-- options: server -->
    | option | variable | default | meaning |
    ...
    <!-- /options: server -->

``python -m drum_testing.config.docs README.md`` rewrites the blocks in place (``--check``
only says whether they are current, exit status 1 if not).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .options import CHECK, OPENAPI, SCORE, SERVER, Kind, Option, Section, options_for

BLOCKS: dict[str, tuple[str, frozenset[Section]]] = {
    # name: (the subcommand, the sections of its options the block lists)
    SERVER: (
        SERVER,
        frozenset(
            {Section.MODEL, Section.SERVER, Section.ENVIRONMENT, Section.INTERNAL, Section.DRUM}
        ),
    ),
    "tunables": (SERVER, frozenset({Section.TUNABLES})),
    SCORE: (SCORE, frozenset({Section.SCORE})),
    CHECK: (CHECK, frozenset({Section.CHECK})),
    OPENAPI: (OPENAPI, frozenset({Section.OPENAPI})),
}
RUNTIME_PARAMS_BLOCK = "runtime-params"
"""DataRobot's runtime parameters that configure the server, and the option each gives."""
BLOCK_NAMES = (*BLOCKS, RUNTIME_PARAMS_BLOCK)
"""Every block README has."""
COLUMNS = ("option", "variable", "default", "meaning")
_BLOCK = re.compile(
    r"(<!-- options: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /options: (?P=name) -->)", re.S
)


def _spelling(row: Option) -> str:
    if not row.flags:
        return "—"
    value = "" if row.kind is Kind.SWITCH else f" {row.metavar or 'VALUE'}"
    value += " ..." if row.kind is Kind.LIST else ""
    others = "".join(f", `{flag}`" for flag in row.flags[1:])
    return f"`{row.flags[0]}{value}`{others}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cells(row: Option) -> dict[str, str]:
    """One option's cells in README's table, by column."""
    return {
        "option": _spelling(row),
        "variable": f"`{row.variable}`" if row.variable else "",
        "default": f"`{row.shown_default}`" if row.shown_default is not None else "",
        "meaning": _cell(row.doc or row.help),
    }


def _param_cells(row: Option) -> str:
    param = f"`{row.runtime_param}`"
    if row.param_range is not None:
        accepted = f"{row.param_range[0]} to {row.param_range[1]}"
    elif row.param_words is not None:
        accepted = ", ".join(row.param_words)
    else:
        accepted = ""
    if row.flags or row.variable:
        spelling = ", ".join(f"`{name}`" for name in (*row.flags[:1], row.variable) if name)
    else:
        spelling = "—"
    served = "every type" if row.served_by is None else ", ".join(sorted(row.served_by))
    meaning = row.doc or row.help
    if row.served_by:
        meaning += f". Elsewhere, one warning line: {row.unserved}"
    elif row.served_by is not None:
        meaning += f". Never honoured, one warning line: {row.unserved}"
    cells = (param, spelling, accepted, served or "none", _cell(meaning))
    return "| " + " | ".join(cells) + " |"


def render_runtime_params() -> str:
    """DataRobot's runtime parameters that configure the server: each, the option it gives
    (a flag or variable given wins), DRUM's accepted values and the types that honour it."""
    lines = [
        "| runtime parameter | our option | DRUM's values | honoured by | meaning |",
        "|---|---|---|---|---|",
    ]
    lines += [_param_cells(row) for row in options_for(SERVER) if row.runtime_param]
    return "\n".join(lines) + "\n"


def render_block(name: str) -> str:
    """The table of block ``name`` (see :data:`BLOCKS`); a column empty in every row of the
    block (no option of ``score`` has a variable) is left out."""
    if name == RUNTIME_PARAMS_BLOCK:
        return render_runtime_params()
    command, sections = BLOCKS[name]
    rows = [
        cells(row)
        for row in options_for(command)
        if row.section in sections and row.kind is not Kind.REFUSED
    ]
    shown = [c for c in COLUMNS if c in ("option", "meaning") or any(r[c] for r in rows)]
    lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    lines += ["| " + " | ".join(r[c] for c in shown) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_readme(text: str) -> str:
    """``text`` with every options block rendered afresh."""

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in BLOCK_NAMES:
            raise KeyError(f"README has an options block {name!r}; known: {', '.join(BLOCK_NAMES)}")
        return match[1] + render_block(name) + match[4]

    return _BLOCK.sub(fill, text)


def blocks_in(text: str) -> list[str]:
    """The names of the options blocks ``text`` has."""
    return [match["name"] for match in _BLOCK.finditer(text)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drum_testing.config.docs")
    parser.add_argument("readme", type=Path, help="the README to update")
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    rendered = render_readme(text)
    if rendered == text:
        print(f"{args.readme}: the option tables are current")
        return 0
    if args.check:
        print(f"{args.readme}: the option tables differ from the options table; run {parser.prog}")
        return 1
    args.readme.write_text(rendered, encoding="utf-8")
    print(f"{args.readme}: option tables rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
