"""What is not installed, and how to install an extra into this installation: the one place
a missing-extra error takes its ``pip install`` from.

``pip install 'drum-testing[flask]'`` is right only for a package that came from an index. One
installed from a checkout (``pip install -e .``, as every nox session does, or ``pip install
.``) needs the command that reinstalls that checkout with the extra. pip and uv record where
a package came from in its ``direct_url.json`` (PEP 610), which :mod:`importlib.metadata`
reads; so the hint can be pasted as it is, wherever the package came from.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

DISTRIBUTION = "drum-testing"
"""The project's name on an index (pyproject's ``name``)."""
DIRECT_URL = "direct_url.json"
"""PEP 610's record, in the installed distribution's metadata, of where it came from."""


def not_installed(modules: Iterable[str]) -> list[str]:
    """Those of ``modules`` (import names) that cannot be imported here, found without
    importing them."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken package, or one blocked in sys.modules
            found = False
        if not found:
            missing.append(name)
    return missing


def install_command(extra: str) -> str:
    """The command that installs ``extra`` (``flask``, ``check``, ...) into this installation.

    ``pip install -e '/abs/checkout[flask]'`` for an editable install of a checkout (or a
    checkout imported without being installed), ``pip install '/abs/checkout[flask]'`` for one
    built from a checkout, ``pip install 'drum-testing[flask] @ git+URL@COMMIT'`` for one from
    a repository, else ``pip install 'drum-testing[flask]'``.
    """
    return shlex.join(["pip", "install", *install_args(extra, direct_url(), checkout())])


def install_args(
    extra: str, origin: Mapping[str, Any] | None, source_tree: Path | None
) -> list[str]:
    """``pip install``'s arguments for ``extra``, given the installation's ``direct_url.json``
    (``origin``, None without one) and the checkout it is imported from (``source_tree``,
    None when it is installed)."""
    named = f"{DISTRIBUTION}[{extra}]"
    if origin is not None:
        url = str(origin.get("url", ""))
        parsed = urlparse(url)
        dir_info = origin.get("dir_info")
        if isinstance(dir_info, Mapping) and parsed.scheme == "file":
            path = f"{url2pathname(unquote(parsed.path))}[{extra}]"
            return ["-e", path] if dir_info.get("editable") else [path]
        vcs_info = origin.get("vcs_info")
        if isinstance(vcs_info, Mapping) and "vcs" in vcs_info:
            spec = f"{named} @ {vcs_info['vcs']}+{url}"
            if "commit_id" in vcs_info:
                spec += f"@{vcs_info['commit_id']}"
            if "subdirectory" in origin:
                spec += f"#subdirectory={origin['subdirectory']}"
            return [spec]
        # archive_info: a wheel or an sdist by URL or path, which may be gone by now; the
        # package's name is the one hint that cannot point at something missing.
        return [named]
    if source_tree is not None:
        return ["-e", f"{source_tree}[{extra}]"]
    return [named]


def direct_url() -> Mapping[str, Any] | None:
    """The installation's ``direct_url.json``, or None (installed from an index, or not at
    all). A checkout's own ``*.egg-info``, which comes first on ``sys.path`` when Python runs
    in the checkout, has none: the first distribution of the name that has one is the one
    pip or uv installed."""
    for distribution in metadata.distributions(name=DISTRIBUTION):
        text = distribution.read_text(DIRECT_URL)
        if text is None:
            continue
        try:
            found = json.loads(text)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    return None


def checkout() -> Path | None:
    """The checkout this package is imported from (its ``pyproject.toml`` beside the
    package), or None: an installed package has no ``pyproject.toml`` beside it."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None
