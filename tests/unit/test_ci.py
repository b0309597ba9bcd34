"""The CI plumbing agrees with itself: workflow, noxfile, .ci/run and the package."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import nox.registry
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from drum_testing.config import settings
from tests.helpers import nginx

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def noxfile() -> Iterator[ModuleType]:
    """The repository's noxfile.py, imported from its path.

    Importing it registers its sessions in nox's registry (empty in a test process), which is
    emptied again afterwards.
    """
    spec = importlib.util.spec_from_file_location("_noxfile_under_test", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    nox.registry.reset()
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        nox.registry.reset()


@pytest.fixture(scope="module")
def registered(noxfile: ModuleType) -> dict[str, Callable[..., Any]]:
    """The noxfile's session functions by name (parametrised ones once, by their base name)."""
    return dict(nox.registry.get())


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def listed(noxfile: ModuleType) -> list[dict[str, Any]]:
    """What the workflow's `sessions` job sees: `nox --list --json --tags <ci tag>`."""
    out = subprocess.run(
        [
            *(sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py")),
            *("--list", "--json", "--tags", noxfile.CI_TAG),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    sessions = json.loads(out)
    assert isinstance(sessions, list)
    return sessions


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def _list_step(workflow: dict[str, Any]) -> dict[str, Any]:
    [step] = [
        s for s in _steps(workflow["jobs"]["sessions"]) if "nox --list --json" in s.get("run", "")
    ]
    return step


def test_matrix_job_lists_sessions_with_nox_list_json(
    workflow: dict[str, Any], noxfile: ModuleType
) -> None:
    job = workflow["jobs"]["sessions"]
    step = _list_step(workflow)
    run = step["run"]
    assert f"--tags {noxfile.CI_TAG}" in run
    assert "[.[].session]" in run, "the matrix holds the full session names (unit-3.10, ...)"
    assert '>> "$GITHUB_OUTPUT"' in run
    assert "sessions=" in run
    assert job["outputs"]["sessions"] == f"${{{{ steps.{step['id']}.outputs.sessions }}}}"
    installs = [s["run"] for s in _steps(job) if "pip install" in s.get("run", "")]
    assert any("nox" in line for line in installs)


def test_nox_job_runs_each_listed_session(workflow: dict[str, Any], noxfile: ModuleType) -> None:
    job = workflow["jobs"]["nox"]
    needs = job["needs"]
    assert "sessions" in ([needs] if isinstance(needs, str) else needs)
    strategy = job["strategy"]
    assert strategy["fail-fast"] is False
    assert strategy["matrix"]["session"] == "${{ fromJSON(needs.sessions.outputs.sessions) }}"
    runs = [s.get("run", "") for s in _steps(job)]
    assert 'nox -s "${{ matrix.session }}"' in runs
    assert any(re.search(r"pip install .*\bnox\b", r) and re.search(r"\buv\b", r) for r in runs)
    [setup] = [s for s in _steps(job) if str(s.get("uses", "")).startswith("actions/setup-python")]
    assert setup["with"]["python-version"].split() == noxfile.PYTHONS


def test_listing_holds_every_session_ci_runs(listed: list[dict[str, Any]]) -> None:
    names = [s["session"] for s in listed]
    assert len(names) == len(set(names))
    functional = {f"functional-{t.value}" for t in settings.ServerType}
    assert {
        "lint",
        "unit-3.10",
        "unit-3.11",
        "unit-3.12",
        "unit-3.13",
        "parity",
        "floors",
        "core",
    } | functional <= set(names)


def test_ci_run_runs_sessions_that_exist(listed: list[dict[str, Any]]) -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    [command] = [line for line in script.splitlines() if line.startswith("nox ")]
    words = shlex.split(command)
    assert words[:2] == ["nox", "-s"]
    known = {s["session"] for s in listed} | {s["name"] for s in listed}
    assert set(words[2:]) <= known
    assert {"lint", "unit"} <= set(words[2:])
    assert any(w.startswith("functional-") for w in words[2:])


def test_ci_run_installs_nginx_where_it_is_missing_before_the_sessions() -> None:
    # The reliability and conformance sessions skip their rolling restart without nginx.
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    [check] = [i for i, line in enumerate(lines) if "command -v nginx" in line]
    [install] = [i for i, line in enumerate(lines) if "apt-get install -y nginx-light" in line]
    [update] = [i for i, line in enumerate(lines) if line.strip().endswith("apt-get update")]
    [sessions] = [i for i, line in enumerate(lines) if line.startswith("nox ")]
    assert lines[check].startswith("if ! command -v nginx ")
    # Where the tests look for it (tests/helpers/nginx.py), and only where apt-get exists.
    assert f"[[ ! -x {nginx.SBIN} ]]" in lines[check]
    assert "command -v apt-get" in lines[check]
    assert check < update < install < sessions


def test_readme_test_command_is_what_ci_run_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [documented] = [line for line in readme.splitlines() if line.startswith("nox -s lint ")]
    command = documented.partition("#")[0].strip()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip("\n").splitlines()[-1] == command
    assert "core" in shlex.split(command)


def test_server_type_env_matches_the_package(noxfile: ModuleType) -> None:
    assert noxfile.SERVER_TYPE_ENV == settings.SERVER_TYPE_ENV


def test_functional_sessions_are_known_server_types(
    noxfile: ModuleType, listed: list[dict[str, Any]]
) -> None:
    functional = [s["session"] for s in listed if s["session"].startswith("functional-")]
    assert functional, "no functional-* session"
    known = {t.value for t in settings.ServerType}
    extras = set(importlib.metadata.metadata("drum-testing").get_all("Provides-Extra") or [])
    for session in functional:
        server_type = session.removeprefix("functional-")
        assert server_type in known
        session_extras = set(noxfile.FUNCTIONAL_SERVER_TYPES[server_type])
        assert server_type in session_extras  # the type's own extra
        assert "testing" in session_extras
        assert "otel" in session_extras  # tests/functional/test_tracing.py
        assert session_extras <= extras


class _FakeSession:
    """Records what a session function installs and runs."""

    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs
        self.installed: list[str] = []
        self.runs: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def install(self, *args: str, **kwargs: Any) -> None:
        self.installed.extend(args)

    def run(self, *args: str, **kwargs: Any) -> str | None:
        self.runs.append((args, kwargs))
        return None


@pytest.mark.parametrize("server_type", [t.value for t in settings.ServerType])
def test_functional_session_selects_its_server_type(
    noxfile: ModuleType, registered: dict[str, Callable[..., Any]], server_type: str
) -> None:
    session = _FakeSession(posargs=[])
    registered[f"functional-{server_type}"](session)
    extras = ",".join(noxfile.FUNCTIONAL_SERVER_TYPES[server_type])
    assert session.installed[:2] == ["-e", f".[{extras}]"]
    [(args, kwargs)] = session.runs
    assert args[0] == "pytest"
    assert "tests/functional" in args
    assert kwargs["env"] == {settings.SERVER_TYPE_ENV: server_type}


@pytest.mark.parametrize(
    ("posargs", "expected"),
    [
        ([], ("pytest", "-n", "auto", "tests/unit")),
        (["-k", "workflow"], ("pytest", "-k", "workflow", "tests/unit")),
        (["tests/unit/test_ci.py"], ("pytest", "tests/unit/test_ci.py")),
    ],
)
def test_unit_session_passes_posargs_to_pytest(
    registered: dict[str, Callable[..., Any]], posargs: list[str], expected: tuple[str, ...]
) -> None:
    session = _FakeSession(posargs=posargs)
    registered["unit"](session)
    assert "nox" in session.installed
    [(args, _)] = session.runs
    assert args == expected


def _server_type_requirements() -> set[str]:
    """The names of what the server-type extras (flask, gunicorn, fastapi) install."""
    names: set[str] = set()
    for text in importlib.metadata.requires("drum-testing") or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is not None and any(
            marker.evaluate({"extra": t.value}) for t in settings.ServerType
        ):
            names.add(canonicalize_name(requirement.name))
    return names


class _CoreSession(_FakeSession):
    """A fake session in which the modules named in ``importable`` can be imported."""

    def __init__(self, posargs: list[str], importable: list[str]) -> None:
        super().__init__(posargs)
        self.importable = importable

    def run(self, *args: str, **kwargs: Any) -> str | None:
        super().run(*args, **kwargs)
        if args[0] != "python":
            return None
        return json.dumps([name for name in args[3:] if name in self.importable])

    def log(self, *args: Any) -> None:
        pass

    def error(self, *args: Any) -> None:
        raise _SessionFailed(*args)


class _SessionFailed(Exception):
    pass


@pytest.mark.parametrize(
    ("posargs", "options"), [([], ("-n", "auto")), (["-k", "json"], ("-k", "json"))]
)
def test_core_session_installs_no_framework_and_runs_the_framework_free_tests(
    noxfile: ModuleType,
    registered: dict[str, Callable[..., Any]],
    posargs: list[str],
    options: tuple[str, ...],
) -> None:
    session = _CoreSession(posargs, importable=[])
    registered["core"](session)
    assert session.installed[:2] == ["-e", "."]  # no extra
    installed = {canonicalize_name(Requirement(a).name) for a in session.installed[2:]}
    assert "pytest" in installed
    server_types = _server_type_requirements()
    assert {"flask", "gunicorn", "fastapi", "uvicorn"} <= server_types
    assert not installed & (server_types | set(noxfile.FRAMEWORKS))
    assert not installed & {"requests", "httpx", "httpx2"}  # no HTTP client either
    assert {"flask", "werkzeug", "fastapi", "starlette"} <= set(noxfile.FRAMEWORKS)
    [(check, _), (tests, _)] = session.runs
    assert check[:2] == ("python", "-c")
    assert set(check[3:]) == set(noxfile.FRAMEWORKS)
    assert tests == ("pytest", *options, *noxfile.CORE_TEST_PATHS)
    for path in noxfile.CORE_TEST_PATHS:
        assert (ROOT / path).exists(), path
        assert not path.startswith("tests/unit/servers"), path


def test_core_session_fails_before_testing_when_a_framework_is_importable(
    registered: dict[str, Callable[..., Any]],
) -> None:
    session = _CoreSession([], importable=["flask"])
    with pytest.raises(_SessionFailed, match="flask"):
        registered["core"](session)
    assert all(args[0] != "pytest" for args, _ in session.runs)


def test_floors_session_tests_every_type_at_the_lowest_versions(
    noxfile: ModuleType, registered: dict[str, Callable[..., Any]], listed: list[dict[str, Any]]
) -> None:
    [entry] = [s for s in listed if s["name"] == "floors"]
    assert entry["python"] == noxfile.PYTHONS[0]  # the oldest supported Python
    # What the floor check reads from the session's Python: nothing to check here.
    installed = json.dumps({"requires": [], "installed": {}, "environment": {}})

    class _FloorsSession(_FakeSession):
        def run(self, *args: str, **kwargs: Any) -> str | None:
            super().run(*args, **kwargs)
            return installed if args[0] == "python" else None

        def log(self, *args: Any) -> None:
            pass

    session = _FloorsSession(posargs=[])
    registered["floors"](session)
    assert "--resolution=lowest-direct" in session.installed
    assert session.installed.index("--resolution=lowest-direct") < session.installed.index("-e")
    pytest_runs = [(args, kwargs) for args, kwargs in session.runs if args[0] == "pytest"]
    assert any("tests/unit" in args for args, _ in pytest_runs)
    types = [kwargs["env"][settings.SERVER_TYPE_ENV] for args, kwargs in pytest_runs[1:]]
    assert types == [t.value for t in settings.ServerType]
    assert all("tests/functional" in args for args, _ in pytest_runs[1:])


@pytest.mark.parametrize(
    ("requires", "installed", "wrong"),
    [
        (["pandas>=2.0.2", "pyyaml>=6"], {"pandas": "2.0.2", "PyYAML": "6.0"}, []),
        (["pandas>=2.0.2"], {"pandas": "2.1.0"}, ["pandas 2.1.0 is installed, not 2.0.2"]),
        (["orjson>=3.11.7"], {}, ["orjson is not installed (floor 3.11.7)"]),
        (['flask>=3.0; extra == "flask"'], {"Flask": "3.0.0"}, []),
        (['gunicorn>=22; extra == "other"'], {}, []),  # an extra not asked for
        (["uvloop>=0.19; sys_platform == 'win32'"], {}, []),  # not for this platform
        (["requests"], {}, []),  # no floor
    ],
)
def test_floor_mismatches(
    noxfile: ModuleType, requires: list[str], installed: dict[str, str], wrong: list[str]
) -> None:
    environment = {"sys_platform": "linux", "python_version": "3.10"}
    found = noxfile.floor_mismatches(requires, installed, environment, ["flask"])
    assert [w.split(" (does")[0] for w in found] == wrong
