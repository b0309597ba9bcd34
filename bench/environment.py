"""Where a bench run ran: the machine, the date, and the versions of what was measured.

Figures from a two-core VM and from a workstation are not comparable, and neither are
figures from different framework versions, so ``BENCHMARKS.md`` always carries these.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

import psutil

from bench import load

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = ["drum-testing", "flask", "werkzeug", "gunicorn", "fastapi", "starlette", "uvicorn"]
PACKAGES += ["pandas"]


def machine() -> dict[str, str]:
    """Date, CPU model, cores, memory and the load generator."""
    cpu = platform.processor() or "unknown cpu"
    try:  # psutil has no CPU model name; Linux's is here, platform's elsewhere
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            names = [
                line.split(":", 1)[1].strip() for line in file if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass  # no procfs: platform's name
    memory = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    wrk = load.wrk_path()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "load_tool": load.wrk_version(wrk) if wrk else "python fallback (client-bound)",
    }


def versions(load_tool: str, drum: str | None) -> dict[str, str]:
    """Python, every package the servers run on, the load tool, and DRUM if compared."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["drum-testing"] += f" ({git_revision()})"
    found["load"] = load_tool
    if drum:
        found["datarobot-drum"] = drum_version(drum)
    return found


def drum_version(drum: str) -> str:
    """The version ``drum --version`` prints last ("drum 1.18.1"), or why it is unknown."""
    try:
        done = subprocess.run(
            [drum, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({exc})"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[-1].removeprefix("drum ") if lines else "unknown"


def git_revision() -> str:
    """The commit measured, and whether the package had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "drum_testing"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return f"commit {head}" + (", with uncommitted changes" if changed else "")


def busy_before(seconds: float = 1.0) -> float:
    """How busy the CPUs were just before the run, in percent: other work skews every figure."""
    return float(psutil.cpu_percent(interval=seconds))
