"""The PyInstaller spec keeps every Qt module the app imports, and parses as Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "claude-meter.spec"


def spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(), filename=str(SPEC))


def kept_qt_modules() -> set[str]:
    for node in ast.walk(spec_tree()):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "KEPT_QT" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, set)
            return value
    raise AssertionError("no KEPT_QT in the spec")


def test_every_imported_qt_module_is_kept() -> None:
    used = set()
    for path in (ROOT / "app" / "claude_meter").rglob("*.py"):
        used |= set(re.findall(r"^\s*(?:from|import) PySide6\.(Qt\w+)", path.read_text(), re.M))
    assert used, "the app imports Qt somewhere"
    assert used <= kept_qt_modules(), f"add {used - kept_qt_modules()} to KEPT_QT in the spec"


def test_spec_names_the_shipped_folders_and_the_mac_details() -> None:
    text = SPEC.read_text()
    assert '"claude_meter/_resources"' in text
    assert '"claude_meter/extension"' in text
    assert '"LSUIElement": True' in text
    assert "CLAUDE_METER_CODESIGN_IDENTITY" in text
    assert "CLAUDE_METER_ENTITLEMENTS" in text
    assert "claude-meter.icns" in text
    assert "claude-meter.ico" in text
