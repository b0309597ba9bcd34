"""The import hook serves DRUM's API where DRUM is missing, and steps aside where it is not."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

import drum_testing
from drum_testing import drum_api
from drum_testing.drum_api.hook import MARKER, NAMES, SERVED, DrumApiFinder
from drum_testing.errors import user_http_error

pytestmark = pytest.mark.usefixtures("restore_imports")


@pytest.fixture
def no_drum() -> None:
    """DRUM is not importable here (where it is, as in the conformance session, skip)."""
    if importlib.util.find_spec("datarobot_drum") is not None:
        pytest.skip("datarobot_drum is installed: the hook steps aside (tested below)")


@pytest.mark.usefixtures("no_drum")
def test_without_the_hook_datarobot_drum_is_missing() -> None:
    with pytest.raises(ModuleNotFoundError, match="No module named 'datarobot_drum'"):
        importlib.import_module("datarobot_drum")


@pytest.mark.usefixtures("no_drum")
def test_every_module_is_served_with_drum_testing_s_own_objects() -> None:
    drum_api.install()
    for name in SERVED:
        module = importlib.import_module(name)
        assert getattr(module, MARKER) is True
        for wanted in NAMES.get(name, ()):
            assert hasattr(module, wanted), (name, wanted)
    top = importlib.import_module("datarobot_drum")
    exceptions = importlib.import_module("datarobot_drum.drum.exceptions")
    assert top.CustomHTTPError is exceptions.CustomHTTPError is drum_testing.CustomHTTPError
    assert top.RuntimeParameters is drum_testing.RuntimeParameters
    assert sorted(top.__all__) == ["CustomHTTPError", "RuntimeParameters"]


@pytest.mark.usefixtures("no_drum")
def test_a_served_custom_http_error_is_answered_with_its_status() -> None:
    drum_api.install()
    from datarobot_drum import CustomHTTPError  # type: ignore[import-not-found]

    assert user_http_error(CustomHTTPError("the model is a teapot", status_code=418)) == (
        418,
        "the model is a teapot",
    )


@pytest.mark.usefixtures("no_drum")
@pytest.mark.parametrize(
    "name", ["datarobot_drum.drum.server", "datarobot_drum.profiler", "datarobot_drum.nope"]
)
def test_a_module_we_do_not_serve_is_not_found(name: str) -> None:
    drum_api.install()
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)


def test_installing_twice_adds_one_finder() -> None:
    drum_api.install()
    drum_api.install()
    assert sum(isinstance(f, DrumApiFinder) for f in sys.meta_path) == 1
    drum_api.uninstall()
    assert not any(isinstance(f, DrumApiFinder) for f in sys.meta_path)


def test_the_real_package_wins_and_its_modules_are_never_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "site" / "datarobot_drum"
    (real / "drum").mkdir(parents=True)
    (real / "__init__.py").write_text("REAL = True\n")
    (real / "drum" / "__init__.py").write_text("")  # a real DRUM without drum/exceptions.py
    for name in [n for n in sys.modules if n.split(".")[0] == "datarobot_drum"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    drum_api.install()
    top = importlib.import_module("datarobot_drum")
    assert top.REAL is True
    assert not hasattr(top, MARKER)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("datarobot_drum.drum.exceptions")


@pytest.mark.usefixtures("no_drum")
def test_the_finder_is_asked_last() -> None:
    drum_api.install()
    assert isinstance(sys.meta_path[-1], DrumApiFinder)
