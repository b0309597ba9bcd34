"""docs.py: README's option tables are the options table's, and say so when they drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from drum_testing.config import docs
from drum_testing.config.options import OPTIONS, Kind

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_has_every_block_and_each_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert sorted(docs.blocks_in(text)) == sorted(docs.BLOCK_NAMES)
    assert docs.render_readme(text) == text, (
        "README.md's option tables differ from drum_testing/config/options.py: run "
        "python -m drum_testing.config.docs README.md"
    )


def test_every_option_but_the_refused_ones_is_in_a_block() -> None:
    rendered = "".join(docs.render_block(name) for name in docs.BLOCK_NAMES)
    served = {row.flag for row in OPTIONS if row.kind is not Kind.REFUSED}
    for row in OPTIONS:
        spelled = f"`{row.variable}`" if not row.flags else f"`{row.flags[0]}"
        if not row.flags and not row.variable:
            spelled = f"`{row.runtime_param}`"
        if row.kind is not Kind.REFUSED:
            assert spelled in rendered, row.dest
        elif row.flag not in served:  # drum server refuses --query, which score serves
            assert spelled not in rendered, row.dest


def test_a_block_lists_its_rows_with_their_variable_and_default() -> None:
    table = docs.render_block("tunables").splitlines()
    assert table[0] == "| option | variable | default | meaning |"
    assert table[2].startswith("| `--threads N` | `DRUM_THREADS` | `512` | connections one")
    assert docs.render_block("score").splitlines()[0] == "| option | meaning |"  # no variables


def test_main_rewrites_a_stale_block_and_check_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- options: score -->\nstale\n<!-- /options: score -->\nend\n")
    assert docs.main([str(readme), "--check"]) == 1
    assert "stale" in readme.read_text()
    assert docs.main([str(readme)]) == 0
    assert readme.read_text() == (
        "intro\n<!-- options: score -->\n"
        + docs.render_block("score")
        + "<!-- /options: score -->\nend\n"
    )
    assert docs.main([str(readme), "--check"]) == 0
    assert "current" in capsys.readouterr().out


def test_an_unknown_block_is_an_error() -> None:
    with pytest.raises(KeyError, match="'nope'"):
        docs.render_readme("<!-- options: nope -->\n<!-- /options: nope -->\n")


def test_the_runtime_parameters_block_maps_each_parameter_onto_its_option() -> None:
    table = docs.render_block(docs.RUNTIME_PARAMS_BLOCK).splitlines()
    assert table[0].startswith("| runtime parameter | our option | DRUM's values | honoured by |")
    rows = {line.split(" | ")[0].strip("| `"): line for line in table[2:]}
    assert rows["CUSTOM_MODEL_WORKERS"].startswith(
        "| `CUSTOM_MODEL_WORKERS` | `--max-workers`, `MAX_WORKERS` | 1 to 199 | fastapi, gunicorn |"
    )
    assert "| — | sync, gevent | none |" in rows["DRUM_GUNICORN_WORKER_CLASS"]
    assert [row.runtime_param for row in OPTIONS if row.runtime_param] == list(rows)
