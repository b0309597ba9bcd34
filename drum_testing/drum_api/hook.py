"""The import hook that serves DRUM's API as ``datarobot_drum`` where DRUM is not installed.

:func:`install` appends a finder to ``sys.meta_path``: the last one asked, so wherever the
real ``datarobot_drum`` can be imported it is found first and this finder is never used.
Otherwise ``import datarobot_drum`` (and every module of :data:`SERVED`) gets a module
holding drum_testing's own objects: ``datarobot_drum.CustomHTTPError is
drum_testing.CustomHTTPError``, so a model that raises it is answered as DRUM answers it.
A module DRUM has but we do not serve raises ``ModuleNotFoundError``, as for any module
that is not installed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType

ROOT = "datarobot_drum"
MARKER = "__drum_testing_api__"
"""Set on every module the hook serves: True."""
TASKS = f"{ROOT}.custom_task_interfaces"
_OURS = "drum_testing.drum_api"

SERVED: Mapping[str, Sequence[str]] = {
    # DRUM's module -> ours, whose __all__ it serves (none: a package with only modules)
    ROOT: (f"{_OURS}.package",),
    f"{ROOT}.drum": (),
    f"{ROOT}.drum.exceptions": (f"{_OURS}.exceptions",),
    f"{ROOT}.runtime_parameters": (f"{_OURS}.runtime_parameters",),
    f"{ROOT}.runtime_parameters.runtime_parameters": (f"{_OURS}.runtime_parameters",),
    f"{ROOT}.runtime_parameters.exceptions": (f"{_OURS}.runtime_parameters",),
    TASKS: (
        f"{_OURS}.transformer",
        f"{_OURS}.estimators",
        f"{_OURS}.user_secrets",
    ),
    f"{TASKS}.custom_task_interface": (f"{_OURS}.task_interface",),
    f"{TASKS}.estimator_interfaces": (f"{_OURS}.estimators",),
    f"{TASKS}.transform_interface": (f"{_OURS}.transformer",),
    f"{TASKS}.user_secrets": (f"{_OURS}.user_secrets", f"{_OURS}.scrubbing"),
}
NAMES: Mapping[str, Sequence[str]] = {
    # where a module serves fewer names than its sources' __all__ (as DRUM's does)
    ROOT: ("CustomHTTPError", "RuntimeParameters"),
    f"{ROOT}.runtime_parameters": ("RuntimeParameters",),
    f"{ROOT}.runtime_parameters.runtime_parameters": ("RuntimeParameters",),
    f"{ROOT}.runtime_parameters.exceptions": (
        "ErrorLoadingRuntimeParameter",
        "InvalidEmptyYamlContent",
        "InvalidInputFilePath",
        "InvalidJsonException",
        "InvalidRuntimeParam",
        "InvalidYamlContent",
        "RuntimeParameterException",
    ),
    TASKS: (
        "TransformerInterface",
        "BinaryEstimatorInterface",
        "RegressionEstimatorInterface",
        "MulticlassEstimatorInterface",
        "AnomalyEstimatorInterface",
        "AdlsGen2OauthSecret",
        "ApiTokenSecret",
        "AzureSecret",
        "AzureServicePrincipalSecret",
        "BasicSecret",
        "DatabricksAccessTokenAccountSecret",
        "GCPSecret",
        "OauthSecret",
        "S3Secret",
        "SnowflakeKeyPairUserAccountSecret",
        "SnowflakeOauthUserAccountSecret",
        "TableauAccessTokenSecret",
    ),
}
PACKAGES = frozenset(
    name for name in SERVED if any(other.startswith(f"{name}.") for other in SERVED)
)


def served_names(fullname: str) -> dict[str, object]:
    """The objects the served module ``fullname`` holds, by name."""
    objects: dict[str, object] = {}
    for source in SERVED[fullname]:
        module = importlib.import_module(source)
        objects.update({name: getattr(module, name) for name in module.__all__})
    wanted = NAMES.get(fullname)
    return objects if wanted is None else {name: objects[name] for name in wanted}


class DrumApiLoader(importlib.abc.Loader):
    """Fills a served module with drum_testing's objects."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        names = served_names(module.__name__)
        module.__dict__.update(names)
        module.__all__ = sorted(names)  # type: ignore[attr-defined]
        module.__doc__ = f"drum_testing's {module.__name__}: DRUM's API, without DRUM."
        setattr(module, MARKER, True)


class DrumApiFinder(importlib.abc.MetaPathFinder):
    """Serves :data:`SERVED` when no other finder found ``datarobot_drum`` first."""

    loader = DrumApiLoader()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in SERVED:
            return None
        if fullname != ROOT and not getattr(sys.modules.get(ROOT), MARKER, False):
            return None  # the real package's module: not ours to serve
        return importlib.util.spec_from_loader(
            fullname, self.loader, is_package=fullname in PACKAGES
        )


def install() -> None:
    """Serve DRUM's API wherever the real package is not importable; once per process."""
    if not any(isinstance(finder, DrumApiFinder) for finder in sys.meta_path):
        sys.meta_path.append(DrumApiFinder())


def uninstall() -> None:
    """Remove the finder (modules already imported stay imported)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, DrumApiFinder)]
