"""memory.py: the memory a server may use (the machine's, or its cgroup's limit), and the
body budget sized from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drum_testing.config.memory import (
    available_memory,
    body_budget,
    body_processes,
    cgroup_limit,
    physical_memory,
)
from drum_testing.config.settings import ServerType, Settings, TargetType

GIB = 2**30
MIB = 2**20


def limit_file(root: Path, folder: str, name: str, text: str) -> None:
    path = root / folder.strip("/") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def test_cgroup_v2_takes_the_tightest_limit_of_the_group_and_its_parents(tmp_path: Path) -> None:
    limit_file(tmp_path, "/", "memory.max", "max")
    limit_file(tmp_path, "/kubepods", "memory.max", str(3 * GIB))
    limit_file(tmp_path, "/kubepods/pod1", "memory.max", "max")
    assert cgroup_limit("0::/kubepods/pod1\n", tmp_path) == 3 * GIB


def test_cgroup_v1_memory_controller(tmp_path: Path) -> None:
    limit_file(tmp_path, "/memory/docker/abc", "memory.limit_in_bytes", str(512 * MIB))
    proc = "12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n"
    assert cgroup_limit(proc, tmp_path) == 512 * MIB


def test_a_path_missing_in_the_containers_namespace_falls_back_to_its_root(
    tmp_path: Path,
) -> None:
    # Inside a container, /proc/self/cgroup names the host's path; the mount is its root.
    limit_file(tmp_path, "/", "memory.max", str(GIB))
    assert cgroup_limit("0::/host/side/path\n", tmp_path) == GIB


@pytest.mark.parametrize("proc", ["", "0::/\n", "garbage\n"])
def test_no_limit(tmp_path: Path, proc: str) -> None:
    limit_file(tmp_path, "/", "memory.max", "max")
    assert cgroup_limit(proc, tmp_path) is None


def test_this_machine_has_memory() -> None:
    physical = physical_memory()
    available = available_memory()
    assert physical is not None
    assert available is not None
    assert 0 < available <= physical


def settings(**overrides: Any) -> Settings:
    return Settings(Path("m"), TargetType.REGRESSION, **overrides)


@pytest.mark.parametrize(
    ("server_type", "workers", "processes"),
    [(ServerType.FLASK, 4, 1), (ServerType.GUNICORN, 4, 4), (ServerType.FASTAPI, 2, 2)],
)
def test_each_process_that_reads_bodies_has_a_share(
    server_type: ServerType, workers: int, processes: int
) -> None:
    chosen = settings(server_type=server_type, max_workers=workers)
    assert body_processes(chosen) == processes
    assert body_budget(chosen, memory=16 * GIB) == 16 * GIB // 4 // processes


def test_auto_is_never_below_what_one_body_may_be() -> None:
    small = settings(server_type=ServerType.GUNICORN, max_workers=8)
    assert body_budget(small, memory=GIB) == 100 * MIB  # not 1 GiB / 4 / 8 = 32 MiB


def test_a_given_budget_wins_and_0_is_no_ceiling() -> None:
    assert body_budget(settings(body_budget_bytes=300 * MIB), memory=GIB) == 300 * MIB
    assert body_budget(settings(body_budget_bytes=0), memory=GIB) is None
