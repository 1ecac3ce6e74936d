"""Fixtures of the packaging tests (the single file's helpers: single_file_support.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.packaging.single_file_support import Place


@pytest.fixture
def place(tmp_path: Path) -> Place:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LC_ALL": "C",
    }
    return Place(tmp_path, home, tmp, env)
