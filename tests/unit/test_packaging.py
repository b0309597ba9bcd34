"""The distribution's metadata: the license pyproject names, with its full text."""

from __future__ import annotations

import hashlib
import importlib.metadata
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
"""The sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the canonical text (the same
bytes ship in s3transfer's and trio's wheels, among many)."""


def test_license_is_the_verbatim_apache_2_0_text() -> None:
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == APACHE_2_0_SHA256


def installed() -> importlib.metadata.Distribution:
    """The distribution installed in site-packages: what the wheel built from pyproject holds
    (not a checkout's own ``*.egg-info``, which may come first on ``sys.path``)."""
    site_packages = sysconfig.get_paths()["purelib"]
    found = list(importlib.metadata.distributions(name="drum-testing", path=[site_packages]))
    assert len(found) == 1, f"drum-testing is installed {len(found)} times in {site_packages}"
    return found[0]


def test_the_installed_metadata_carries_the_license_and_its_text() -> None:
    distribution = installed()
    assert distribution.metadata["License-Expression"] == "Apache-2.0"
    assert distribution.metadata.get_all("License-File") == ["LICENSE"]
    # PEP 639: the text itself travels in the wheel's dist-info.
    assert distribution.read_text("licenses/LICENSE") == (ROOT / "LICENSE").read_text()
