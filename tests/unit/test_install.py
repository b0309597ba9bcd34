"""install.py: the ``pip install`` a missing-extra error names, for every way this package can
have been installed (PEP 610's direct_url.json), and what is not installed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from drum_testing import install
from drum_testing.install import install_args, install_command, not_installed

CHECKOUT = Path("/src/drum testing")  # a space: the hint must quote it for the shell


@pytest.mark.parametrize(
    ("origin", "source_tree", "expected"),
    [
        pytest.param(
            {"url": "file:///src/drum%20testing", "dir_info": {"editable": True}},
            None,
            ["-e", "/src/drum testing[flask]"],
            id="editable-checkout",
        ),
        pytest.param(
            {"url": "file:///src/drum%20testing", "dir_info": {}},
            None,
            ["/src/drum testing[flask]"],
            id="built-from-a-checkout",
        ),
        pytest.param(
            {"url": "file:///src/drum%20testing", "dir_info": {"editable": False}},
            CHECKOUT,  # the record wins over where the package happens to be imported from
            ["/src/drum testing[flask]"],
            id="built-from-a-checkout-explicitly",
        ),
        pytest.param(
            {
                "url": "https://github.com/org/drum_testing.git",
                "vcs_info": {"vcs": "git", "commit_id": "0123abc", "requested_revision": "main"},
            },
            None,
            ["drum-testing[flask] @ git+https://github.com/org/drum_testing.git@0123abc"],
            id="from-git-at-its-commit",
        ),
        pytest.param(
            {
                "url": "https://github.com/org/mono.git",
                "vcs_info": {"vcs": "git", "commit_id": "0123abc"},
                "subdirectory": "python/drum_testing",
            },
            None,
            [
                "drum-testing[flask] @ git+https://github.com/org/mono.git@0123abc"
                "#subdirectory=python/drum_testing"
            ],
            id="from-a-subdirectory-of-a-repository",
        ),
        pytest.param(
            {"url": "file:///tmp/drum_testing-0.1.0-py3-none-any.whl", "archive_info": {}},
            None,
            ["drum-testing[flask]"],
            id="from-a-wheel-file",
        ),
        pytest.param(None, CHECKOUT, ["-e", "/src/drum testing[flask]"], id="checkout-on-path"),
        pytest.param(None, None, ["drum-testing[flask]"], id="from-an-index"),
    ],
)
def test_install_args(
    origin: dict[str, Any] | None, source_tree: Path | None, expected: list[str]
) -> None:
    assert install_args("flask", origin, source_tree) == expected


def test_the_command_is_quoted_for_a_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    origin = {"url": "file:///src/drum%20testing", "dir_info": {"editable": True}}
    monkeypatch.setattr(install, "direct_url", lambda: origin)
    assert install_command("check") == "pip install -e '/src/drum testing[check]'"


def test_from_an_index_the_command_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "direct_url", lambda: None)
    monkeypatch.setattr(install, "checkout", lambda: None)
    assert install_command("gunicorn") == "pip install 'drum-testing[gunicorn]'"


def test_this_installation_is_found_where_it_was_installed_from() -> None:
    """The tests run on an install of this checkout (every nox session installs it with
    ``-e .``), so its direct_url.json names this checkout, whichever ``*.egg-info`` of the
    checkout comes first on sys.path."""
    root = Path(__file__).resolve().parents[2]
    origin = install.direct_url()
    assert origin is not None
    assert origin["url"] == root.as_uri()
    assert "dir_info" in origin
    assert install.checkout() == root
    expected = (
        ["-e", f"{root}[flask]"] if origin["dir_info"].get("editable") else [f"{root}[flask]"]
    )
    assert install_args("flask", origin, None) == expected


def test_direct_url_skips_a_record_that_is_not_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken" / "drum_testing-0.1.0.dist-info"
    good = tmp_path / "good" / "drum_testing-0.1.0.dist-info"
    for folder, record in ((broken, "{not json"), (good, json.dumps({"url": "file:///x"}))):
        folder.mkdir(parents=True)
        (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: drum-testing\n")
        (folder / "direct_url.json").write_text(record)
    monkeypatch.setattr(sys, "path", [str(broken.parent), str(good.parent)])
    assert install.direct_url() == {"url": "file:///x"}


def test_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "blocked_module", None)  # find_spec raises ValueError
    assert not_installed(["json", "no_such_module_here", "blocked_module", "os"]) == [
        "no_such_module_here",
        "blocked_module",
    ]
