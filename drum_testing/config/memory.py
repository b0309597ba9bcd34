"""The memory a server may use, and the body budget sized from it (``--body-budget-bytes``).

The default budget (``auto``) is a quarter of the memory available to the server, shared
among the processes that read request bodies: the smaller of the machine's physical memory
and the cgroup's limit (v2 ``memory.max``, or v1 ``memory.limit_in_bytes``, the tightest
of the server's cgroup and its parents), divided by the worker processes (1 for flask).
A quarter leaves the rest for what a body costs once read (pandas' parser holds about as
much again as the CSV) and for the model. It is never below ``--max-body-bytes``: a body
the limit allows must fit in an idle process, or retrying it could never succeed::

    >>> body_budget(Settings(Path("m"), TargetType.REGRESSION, body_budget_bytes=0))  # none
    >>> body_budget(Settings(Path("m"), TargetType.REGRESSION, body_budget_bytes=2**30))
    1073741824
"""

from __future__ import annotations

import os
from pathlib import Path

from .settings import ServerType, Settings

CGROUP_ROOT = Path("/sys/fs/cgroup")
BUDGET_SHARE = 4
"""The budget is a quarter of the memory available (see the module's text)."""
LIMIT_FILES = {"": "memory.max", "memory": "memory.limit_in_bytes"}
"""The limit's file in a cgroup v2 hierarchy (no controller name) and in v1's memory one."""


def physical_memory() -> int | None:
    """The machine's memory in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


def cgroup_limit(proc_cgroup: str, root: Path = CGROUP_ROOT) -> int | None:
    """The tightest memory limit of the cgroups in ``proc_cgroup`` (``/proc/self/cgroup``'s
    text) and their parents, in bytes; None when none is set or none can be read."""
    limits: list[int] = []
    for line in proc_cgroup.splitlines():
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        names = controllers.split(",")
        for controller, file_name in LIMIT_FILES.items():
            if controller in names:
                base = root / controller if controller else root
                limits += _limits_up(base, path, file_name)
    return min(limits, default=None)


def _limits_up(base: Path, path: str, file_name: str) -> list[int]:
    """The limits in ``file_name`` of cgroup ``path`` under ``base`` and of each parent
    (inside a container the path may not exist there: its namespace's root is ``base``)."""
    found = []
    folder = base / path.strip("/")
    while True:
        try:
            text = (folder / file_name).read_text(encoding="ascii").strip()
        except OSError:
            text = ""
        if text.isdigit():  # "max" (v2) is no limit
            found.append(int(text))
        if folder == base or base not in folder.parents:
            return found
        folder = folder.parent


def available_memory() -> int | None:
    """The memory this process may use: the machine's, or its cgroup's limit if lower."""
    try:
        proc_cgroup = Path("/proc/self/cgroup").read_text(encoding="ascii")
    except OSError:
        proc_cgroup = ""
    sizes = [s for s in (physical_memory(), cgroup_limit(proc_cgroup)) if s is not None]
    return min(sizes, default=None)


def body_processes(settings: Settings) -> int:
    """How many processes of this server read request bodies, each with its own budget."""
    return 1 if settings.server_type is ServerType.FLASK else settings.max_workers


def body_budget(settings: Settings, memory: int | None = None) -> int | None:
    """The bytes of request bodies one process of this server may hold at once (None: no
    ceiling, ``--body-budget-bytes 0``). ``memory``: what :func:`available_memory` says."""
    if settings.body_budget_bytes is not None:
        return settings.body_budget_bytes or None
    if memory is None:
        memory = available_memory()
    if memory is None:
        return None  # nothing to size it from: no ceiling, as before the budget existed
    share = memory // BUDGET_SHARE // body_processes(settings)
    return max(share, settings.max_body_bytes)
