"""The app's records are msgspec Structs, not dataclasses (issue 19).

A dataclass compiles its generated methods when its module is imported (0.3-0.9 ms each on
Python 3.11, and ``dataclasses`` brings ``inspect``); a Struct class is made in C in a
twentieth of that. The tray's start imported some thirty of them before its first draw.
``tests/e2e/test_tray_start.py`` checks the real start; this checks every module at once,
the fake claude.ai's included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import claude_meter

PACKAGE = Path(claude_meter.__file__).parent


def dataclass_uses(path: Path) -> list[str]:
    """Where ``path`` imports ``dataclasses`` (a line number and what it imports)."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "dataclasses":
            uses.append(f"{node.lineno}: {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Import) and any(a.name == "dataclasses" for a in node.names):
            uses.append(f"{node.lineno}: dataclasses")
    return uses


def test_no_module_of_the_app_makes_a_dataclass() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100
    found = {
        str(path.relative_to(PACKAGE)): uses for path in modules if (uses := dataclass_uses(path))
    }
    assert found == {}


def test_the_check_sees_every_way_of_importing_dataclasses(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import dataclasses\nfrom dataclasses import dataclass, field\n"
        "def f():\n    from dataclasses import replace\n"
    )
    assert dataclass_uses(module) == [
        "1: dataclasses",
        "2: dataclass, field",
        "4: replace",
    ]
