"""DRUM's API as we serve it (``drum_testing.drum_api``) against real DRUM 1.18.1's: the same
names, signatures and defaults, and the same behaviour on the same inputs.

Here DRUM is installed, so the import hook steps aside and ``datarobot_drum`` is DRUM's;
our modules are imported by their own names (:func:`served_names`). Each served module must
serve only names DRUM's has, and every public name of DRUM's module that we do not serve is
listed in :data:`NOT_SERVED` with the reason.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import io
import json
import logging
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from drum_testing.drum_api.hook import MARKER, PACKAGES, SERVED, served_names

NOT_SERVED: dict[str, dict[str, str]] = {
    # DRUM's module -> {public name DRUM has: why we do not serve it} (submodules are
    # compared as modules: SERVED lists those we serve)
    "datarobot_drum.runtime_parameters.runtime_parameters": {
        "RuntimeParametersLoader": "DRUM's loader of --runtime-params-file: ours is the "
        "server's --runtime-params-file, not model code's",
        "MODEL_CONFIG_FILENAME": "DRUM's constant, imported there from drum.enum",
    },
    "datarobot_drum.custom_task_interfaces.user_secrets": {
        "T": "the TypeVar of its annotations",
    },
}


@pytest.fixture(scope="module")
def drum() -> None:
    module = importlib.import_module("datarobot_drum")
    assert not hasattr(module, MARKER), "DRUM must be installed in this session, not served"


def _drums(module: ModuleType) -> dict[str, Any]:
    """The public names of one of DRUM's modules that model code may import: for a package,
    what it holds from DRUM (its API is what it imports); for a module, what it defines."""
    names = {}
    package = module.__name__ in PACKAGES
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, ModuleType):
            continue
        home = getattr(value, "__module__", None)
        if (
            isinstance(home, str)
            and (home == module.__name__ or (package and home.startswith("datarobot_drum")))
        ) or (isinstance(value, (int, str)) and name.isupper()):
            names[name] = value
    return names


@pytest.mark.usefixtures("drum")
@pytest.mark.parametrize("name", sorted(SERVED))
def test_each_module_serves_drum_s_names(name: str) -> None:
    real = _drums(importlib.import_module(name))
    ours = served_names(name)
    assert sorted(set(ours) - set(real)) == []  # nothing DRUM's module lacks
    missing = {n for n in real if n not in ours}
    assert missing == set(NOT_SERVED.get(name, {})), "DRUM's names we neither serve nor list"


def _served_pairs() -> Iterator[tuple[str, str, Any, Any]]:
    for module_name in sorted(SERVED):
        real_module = importlib.import_module(module_name)
        for name, ours in sorted(served_names(module_name).items()):
            yield module_name, name, getattr(real_module, name), ours


def _describe(parameters: inspect.Signature) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in parameters.parameters.values()]


def _methods(cls: type) -> dict[str, Callable[..., Any]]:
    """The public methods a class has from DRUM (its own and its DRUM bases')."""
    found: dict[str, Callable[..., Any]] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.split(".")[0] not in ("datarobot_drum", "drum_testing"):
            continue
        for name, value in vars(base).items():
            if (not name.startswith("_") or name == "__init__") and (
                callable(value) or isinstance(value, (classmethod, staticmethod))
            ):
                found[name] = getattr(cls, name)
    return found


@pytest.mark.usefixtures("drum")
def test_each_served_name_has_drum_s_signature_and_defaults() -> None:
    checked = 0
    for module_name, name, real, ours in _served_pairs():
        where = f"{module_name}.{name}"
        if not isinstance(real, type):
            if callable(real):
                assert _describe(inspect.signature(ours)) == _describe(inspect.signature(real)), (
                    where
                )
            else:
                assert ours == real, where
            checked += 1
            continue
        assert [b.__name__ for b in ours.__mro__] == [b.__name__ for b in real.__mro__], where
        if dataclasses.is_dataclass(real):
            assert [(f.name, f.default) for f in dataclasses.fields(ours)] == [
                (f.name, f.default) for f in dataclasses.fields(real)
            ], where
        real_methods, our_methods = _methods(real), _methods(ours)
        assert sorted(our_methods) == sorted(real_methods), where
        for method, function in real_methods.items():
            if method == "__init__" and dataclasses.is_dataclass(real):
                continue  # the fields, compared above
            assert _describe(inspect.signature(our_methods[method])) == _describe(
                inspect.signature(function)
            ), f"{where}.{method}"
        checked += 1
    assert checked >= 40


def _both(name: str) -> tuple[ModuleType, ModuleType]:
    """DRUM's module ``name`` and ours (the served module, built as the hook builds it)."""
    ours = ModuleType(name)
    ours.__dict__.update(served_names(name))
    return importlib.import_module(name), ours


def _outcome(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """``("value", call(...))``, or the exception's class name and message."""
    try:
        return "value", call(*args, **kwargs)
    except Exception as exc:
        return type(exc).__name__, str(exc)


PARAMS = {
    "S": {"type": "string", "payload": "text"},
    "N": {"type": "numeric", "payload": 3},
    "F": {"type": "numeric", "payload": 0.5},
    "B": {"type": "boolean", "payload": True},
    "C": {"type": "credential", "payload": {"credentialType": "basic", "user": "u"}},
    "D": {"type": "deployment", "payload": "abc"},
    "NULL": {"type": "string", "payload": None},
    "WRONG": {"type": "numeric", "payload": "three"},
    "UNKNOWN": {"type": "colour", "payload": "red"},
}


@pytest.mark.usefixtures("drum")
def test_runtime_parameters_read_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PARAMS.items():
        monkeypatch.setenv(f"MLOPS_RUNTIME_PARAM_{key}", json.dumps(value))
    monkeypatch.setenv("MLOPS_RUNTIME_PARAM_BROKEN", "{not json")
    real, ours = _both("datarobot_drum")
    for key in [*PARAMS, "BROKEN", "MISSING"]:
        for call in ("get", "has", "namespaced_param_name"):
            outcome = [
                _outcome(getattr(module.RuntimeParameters, call), key) for module in (real, ours)
            ]
            if outcome[0][0] in ("InvalidRuntimeParam", "InvalidJsonException"):
                # the same exception; DRUM's message quotes trafaret's, ours says it our way
                assert outcome[1][0] == outcome[0][0], (key, call)
            else:
                assert outcome[1] == outcome[0], (key, call)


@pytest.mark.usefixtures("drum")
@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), (("a teapot",), {}), (("a teapot", 418), {}), (("x",), {"status_code": 503})],
)
def test_custom_http_error_holds_the_same(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    real, ours = _both("datarobot_drum")
    made = [m.CustomHTTPError(*args, **kwargs) for m in (real, ours)]
    assert [(str(e), e.args, e.status_code) for e in made[1:]] == [
        (str(made[0]), made[0].args, made[0].status_code)
    ]


SECRETS = [
    {"credential_type": "basic", "username": "u", "password": "p", "extra": 1},
    {"credential_type": "BASIC", "username": "u", "password": "p", "snowflake_account_name": "a"},
    {"credential_type": "oauth", "token": "t", "refresh_token": "r"},
    {"credential_type": "s3", "aws_access_key_id": "k", "config_id": "c"},
    {"credential_type": "gcp", "gcp_key": {"type": "sa", "private_key": "pk"}, "config_id": None},
    {"credential_type": "azure", "azure_connection_string": "cs"},
    {
        "credential_type": "azure_service_principal",
        "client_id": "i",
        "client_secret": "s",
        "azure_tenant_id": "t",
    },
    {
        "credential_type": "snowflake_oauth_user_account",
        "client_id": "i",
        "client_secret": None,
        "snowflake_account_name": "n",
        "oauth_config_id": "o",
    },
    {"credential_type": "snowflake_key_pair_user_account", "username": "u", "private_key_str": "k"},
    {
        "credential_type": "adls_gen2_oauth",
        "client_id": "i",
        "client_secret": "s",
        "oauth_scopes": "x",
    },
    {"credential_type": "tableau_access_token", "token_name": "n", "personal_access_token": "t"},
    {"credential_type": "databricks_access_token_account", "databricks_access_token": "t"},
    {"credential_type": "api_token", "api_token": "t"},
    {"credential_type": "ldap", "user": "u"},
    {"credential_type": "basic", "username": "u"},
]


@pytest.mark.usefixtures("drum")
@pytest.mark.parametrize("secret", SECRETS, ids=lambda s: str(s["credential_type"]))
def test_secrets_are_built_and_shown_the_same(secret: dict[str, Any]) -> None:
    real, ours = _both("datarobot_drum.custom_task_interfaces.user_secrets")

    def seen(module: ModuleType) -> Any:
        built = module.secrets_factory(secret)
        return (
            type(built).__name__,
            repr(built),
            built.is_partial_secret(),
            dataclasses.asdict(built),
            module.get_ordered_sensitive_values([built]),
        )

    assert _outcome(seen, ours) == _outcome(seen, real)


@pytest.mark.usefixtures("drum")
def test_secrets_are_loaded_and_scrubbed_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_ONE", json.dumps({"credential_type": "api_token", "api_token": "a1"}))
    monkeypatch.setenv("PRE_TWO", json.dumps({"credential_type": "api_token", "api_token": "b"}))
    (tmp_path / "TWO").write_text(json.dumps({"credential_type": "api_token", "api_token": "b2"}))
    real, ours = _both("datarobot_drum.custom_task_interfaces.user_secrets")
    results = []
    for module in (real, ours):
        loaded = module.load_secrets(str(tmp_path), "PRE")
        out = io.StringIO()
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "a1 %s", ("b2 x",), None)
        monkeypatch.setattr(sys, "stdout", out)
        module.patch_outputs_to_scrub_secrets(loaded.values())
        try:
            sys.stdout.write("a1 b2 a12")
            logging.getLogger().filter(record)
        finally:
            module.reset_outputs_to_allow_secrets()
        results.append(
            (
                sorted((k, repr(v)) for k, v in loaded.items()),
                out.getvalue(),
                record.msg,
                record.args,
                sys.stdout is out,
            )
        )
    assert results[1] == results[0]


class _Probe:
    """A task of each library's interface: saved by one, loaded by both."""


@pytest.mark.usefixtures("drum")
def test_tasks_save_and_load_the_same(tmp_path: Path) -> None:
    real, ours = _both("datarobot_drum.custom_task_interfaces")
    outcomes = []
    for index, module in enumerate((real, ours)):
        folder = tmp_path / str(index)
        folder.mkdir()
        task_class: Any = type(
            "Task", (module.RegressionEstimatorInterface,), {"__module__": __name__}
        )
        globals()["Task"] = task_class  # pickle finds it here
        task = task_class()
        task.weight = 2
        task.handle = "kept out"
        task.save_task(str(folder), exclude=["handle"])
        saved = pickle.loads((folder / "drum_artifact.pkl").read_bytes())
        other: Any = type("Other", (module.TransformerInterface,), {"__module__": __name__})
        outcomes.append(
            (
                task.handle,
                saved.handle,
                saved.weight,
                task_class.load(str(folder)).weight,
                task.secrets,
                _outcome(task.save_task, str(folder), exclude=["x"]),
                _outcome(other.load, str(folder)),
                _outcome(other.load, str(tmp_path)),
                _outcome(task.predict, None),
                _outcome(module.BinaryEstimatorInterface().predict, None),
                _outcome(module.MulticlassEstimatorInterface().predict_proba, None),
                _outcome(module.TransformerInterface().transform, None),
                _outcome(task.fit, None, None),
            )
        )
    globals().pop("Task", None)
    assert outcomes[1] == outcomes[0]
