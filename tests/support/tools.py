"""External programs the end-to-end tests need: skip locally, fail in CI.

CI must never skip silently, so when ``CI`` is set a missing tool is a test failure that
names the Debian package to add to ``.ci/apt-packages.txt``.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str, package: str | None = None) -> str:
    """The absolute path of ``name``; fails the test in CI, skips it elsewhere, when absent."""
    path = shutil.which(name)
    if path:
        return path
    why = f"{name} is not installed (Debian package: {package or name})"
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must have it: add it to .ci/apt-packages.txt")
    pytest.skip(why)
