"""Finding and importing the model folder's server extension (framework-free)."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drum_testing.config.settings import ServerType
from drum_testing.servers.extensions import (
    ExtensionError,
    check_extensions,
    find_extension,
    import_extension,
)
from tests.helpers.models import MODELS

EXTENDED = MODELS / "extended"


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "model"
    shutil.copytree(EXTENDED, copy)
    yield copy
    for name in ("custom_flask", "custom_fastapi", "helper"):
        sys.modules.pop(name, None)
    if str(copy) in sys.path:
        sys.path.remove(str(copy))


@pytest.mark.parametrize(
    ("server_type", "name"),
    [
        (ServerType.FLASK, "custom_flask.py"),
        (ServerType.GUNICORN, "custom_flask.py"),
        (ServerType.FASTAPI, "custom_fastapi.py"),
    ],
)
def test_each_type_takes_its_own_file(server_type: ServerType, name: str) -> None:
    assert check_extensions(EXTENDED, server_type) == EXTENDED / name


def test_no_extension_is_none() -> None:
    for server_type in ServerType:
        assert check_extensions(MODELS / "regression", server_type) is None


def test_custom_flask_alone_does_not_start_on_fastapi(folder: Path) -> None:
    (folder / "custom_fastapi.py").unlink()
    with pytest.raises(ExtensionError, match="the fastapi server type runs FastAPI") as raised:
        check_extensions(folder, ServerType.FASTAPI)
    assert "add custom_fastapi.py with init_app(app)" in str(raised.value)
    assert check_extensions(folder, ServerType.GUNICORN) == folder / "custom_flask.py"


def test_custom_fastapi_alone_does_not_start_on_flask(folder: Path) -> None:
    (folder / "custom_flask.py").unlink()
    with pytest.raises(ExtensionError, match="the flask server type runs Flask"):
        check_extensions(folder, ServerType.FLASK)


def test_found_anywhere_under_the_folder_and_two_are_drums_error(folder: Path) -> None:
    (folder / "deep").mkdir()
    (folder / "custom_flask.py").rename(folder / "deep" / "custom_flask.py")
    assert find_extension(folder, "custom_flask") == folder / "deep" / "custom_flask.py"
    (folder / "custom_flask.py").write_text("def init_app(app): pass\n")
    with pytest.raises(ExtensionError, match=re.escape("Found too many custom hook files: [")):
        find_extension(folder, "custom_flask")


def test_imported_with_its_folder_on_the_path(folder: Path) -> None:
    (folder / "helper.py").write_text("WORD = 'neighbour'\n")
    (folder / "custom_flask.py").write_text(
        "from helper import WORD\n\ndef init_app(app):\n    app.append(WORD)\n"
    )
    module = import_extension(folder / "custom_flask.py")
    seen: list[str] = []
    module.init_app(seen)
    assert seen == ["neighbour"]


def test_an_import_error_is_drums_message(folder: Path) -> None:
    path = folder / "custom_flask.py"
    path.write_text("import no_such_module_here\n")
    with pytest.raises(
        ExtensionError,
        match=re.escape(f"Failed to extend Flask app from [{path}] : No module named"),
    ):
        import_extension(path)
    assert "custom_flask" not in sys.modules


def test_without_init_app_it_says_so(folder: Path) -> None:
    path = folder / "custom_fastapi.py"
    path.write_text("x = 1\n")
    with pytest.raises(ExtensionError, match="has no init_app"):
        import_extension(path)
