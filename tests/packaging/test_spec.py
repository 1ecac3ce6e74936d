"""The PyInstaller spec keeps every Qt module the app imports, and parses as Python."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
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


def _module_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_app_never_imports_what_the_dropped_runtime_hooks_adapt() -> None:
    """The spec drops PyInstaller's run-time hooks for multiprocessing and pkgutil (each import
    cost every start of the bundle): they are only right to drop while the app uses neither."""
    text = SPEC.read_text()
    assert '"pyi_rth_multiprocessing"' in text
    assert '"pyi_rth_pkgutil"' in text
    for path in (ROOT / "app" / "claude_meter").rglob("*.py"):
        used = _module_names(path) & {"multiprocessing", "pkgutil"}
        assert not used, f"{path.relative_to(ROOT)} imports {used}: keep its run-time hook"


def test_the_linux_qt_runtime_hook_sets_the_plugin_folder_without_importing_qt(
    tmp_path: Path,
) -> None:
    """packaging/runtime_hook_qt.py, run as the bootloader runs it (with ``sys._MEIPASS``), in
    a fresh interpreter: Qt's plugin folder is the bundle's, and no Qt module was imported."""
    hook = ROOT / "packaging" / "runtime_hook_qt.py"
    assert '"runtime_hook_qt.py"' in SPEC.read_text()
    assert '"pyi_rth_pyside6"' in SPEC.read_text()
    probe = (
        "import os, sys\n"
        f"sys._MEIPASS = {str(tmp_path)!r}\n"
        f"exec(compile(open({str(hook)!r}).read(), 'runtime_hook_qt.py', 'exec'))\n"
        "print(os.environ['QT_PLUGIN_PATH'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True
    )
    plugins, imported = done.stdout.splitlines()
    assert Path(plugins) == tmp_path / "PySide6" / "Qt" / "plugins"
    assert imported == "[]"
