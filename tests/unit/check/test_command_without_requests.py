"""``drum-testing check`` where requests is not installed: one line naming the extra that
installs what check needs, exit status 2 (a server type's missing extra's), no traceback.

The check runs in a process of its own in which requests cannot be imported, as in the
``core`` nox session (no extra installed), where this module runs too: it imports nothing
of the check's machinery itself.
"""

from __future__ import annotations

import subprocess
import sys

from drum_testing.config.console import USAGE_ERROR
from drum_testing.install import install_command
from tests.helpers.models import MODELS

# Runs main() with requests unimportable: None in sys.modules makes `import requests` fail
# and find_spec report it missing, whether or not it is installed.
CHECK_WITHOUT_REQUESTS = """
import sys
sys.modules["requests"] = None
from drum_testing.cli import main
sys.exit(main(sys.argv[1:], environ={}))
"""


def test_check_without_requests_is_one_line_naming_the_extra() -> None:
    code_dir = str(MODELS / "regression")
    # No input file is read: the check ends before it looks at one.
    argv = ["check", "--code-dir", code_dir, "--target-type", "regression", "--input", "x.csv"]
    done = subprocess.run(
        [sys.executable, "-c", CHECK_WITHOUT_REQUESTS, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (USAGE_ERROR, "")
    assert done.stderr.splitlines() == [
        "drum-testing check: error: checking a model needs requests, which is not installed: "
        f"{install_command('check')}"
    ]
