"""The extension's own unit tests (``node --test extension/test/``), run by the one test command.

They check its copy of the scale and worst-window rules and its reading of claude.ai's
failures against the shared vectors in ``tests/vectors/``, its claude.ai reading, pairing and
badge. No npm packages are needed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]


def test_node_unit_tests_of_the_extension() -> None:
    node = require_tool("node", "nodejs")
    done = subprocess.run(
        [node, "--test", "extension/test/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
    passed = int(done.stdout.split("# pass ")[1].split()[0])
    assert passed >= 50, done.stdout[-2000:]
