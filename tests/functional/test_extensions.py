"""A model folder's server extension on the session's server type: custom_flask.py on flask
and gunicorn, custom_fastapi.py on fastapi (the battery's ``extension ...`` cases compare
the answers with DRUM's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from drum_testing.testing import DrumServerRun, ServerStartError, resolve_server_type
from drum_testing.testing.plugin import DrumServerFactory
from tests.helpers.models import MODELS

TOKEN = {"Authorization": "Bearer let-me-in"}
FASTAPI = resolve_server_type() == "fastapi"
OWN, OTHER = (
    ("custom_fastapi.py", "custom_flask.py")
    if FASTAPI
    else ("custom_flask.py", "custom_fastapi.py")
)


def model(tmp_path: Path, **files: str) -> Path:
    """The extended fixture model, its files replaced (text) or removed ("")."""
    folder = tmp_path / "model"
    shutil.copytree(MODELS / "extended", folder)
    for name, text in files.items():
        path = folder / f"{name}.py"
        if text:
            path.write_text(text)
        else:
            path.unlink()
    return folder


def failed_start(folder: Path, tmp_path: Path) -> ServerStartError:
    with pytest.raises(ServerStartError) as caught:
        DrumServerRun("regression", None, folder, log_dir=tmp_path).start()
    return caught.value


def test_every_worker_runs_the_extension(drum_server: DrumServerFactory) -> None:
    # Two on gunicorn, whose workers each load the model and build the app after the fork.
    # Uvicorn's workers build theirs as its one worker does; its supervisor replaces a worker
    # that takes over 5 s to answer its health check, which a loaded machine reaches.
    run = drum_server("regression", None, MODELS / "extended", max_workers=1 if FASTAPI else 2)
    base = run.url_server_address
    for _ in range(8):  # spread over the workers
        assert requests.get(base + "/stats/", timeout=10).status_code == 401
        assert requests.get(base + "/extension/", headers=TOKEN, timeout=10).json() == {
            "extended": True
        }


def test_only_the_other_frameworks_extension_does_not_start(tmp_path: Path) -> None:
    folder = model(tmp_path, **{OWN[:-3]: ""})
    error = failed_start(folder, tmp_path)
    assert error.returncode == 2
    assert f"{folder / OTHER} extends the server" in str(error)
    assert f"add {OWN} with init_app(app)" in str(error)


def test_an_extension_that_fails_to_import_stops_the_start(tmp_path: Path) -> None:
    folder = model(tmp_path, **{OWN[:-3]: "import no_such_module_here\n"})
    error = failed_start(folder, tmp_path)
    assert error.returncode == 1
    framework = "FastAPI" if FASTAPI else "Flask"
    assert f"Failed to extend {framework} app from [{folder / OWN}]" in str(error)


def test_with_the_error_server_a_failing_extension_answers_513(
    drum_server: DrumServerFactory, tmp_path: Path
) -> None:
    folder = model(tmp_path, **{OWN[:-3]: "def init_app(app):\n    raise ValueError('no')\n"})
    run = drum_server("regression", None, folder, with_error_server=True)
    base = run.url_server_address
    # DRUM's error server: liveness and scoring answer 513 with the error, /info/ 404
    assert requests.get(base + "/info/", timeout=10).status_code == 404
    answer = requests.get(base + "/ping/", timeout=10)
    assert answer.status_code == 513
    assert "ValueError('no')" in answer.json()["message"]


def test_two_extension_files_are_drums_error(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / "nested").mkdir()
    shutil.copy(folder / OWN, folder / "nested" / OWN)
    error = failed_start(folder, tmp_path)
    assert error.returncode == 2
    assert "Found too many custom hook files" in str(error)
