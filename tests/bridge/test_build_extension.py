"""scripts/build-extension: one source, a Chromium zip and a Firefox zip."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_builds_both_store_zips(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build-extension"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    chromium, firefox = (Path(line) for line in done.stdout.split())
    with zipfile.ZipFile(chromium) as zc, zipfile.ZipFile(firefox) as zf:
        names = set(zc.namelist())
        assert names == set(zf.namelist())
        assert {"manifest.json", "background.js", "popup.html", "lib/usage.js"} <= names
        assert not any(n.startswith("test/") or n.endswith(".test.mjs") for n in names)
        mc = json.loads(zc.read("manifest.json"))
        mf = json.loads(zf.read("manifest.json"))
    assert mc["background"] == {"service_worker": "background.js", "type": "module"}
    assert mf["background"] == {"scripts": ["background.js"], "type": "module"}
    assert "browser_specific_settings" in mf
    assert "minimum_chrome_version" not in mf
    for manifest in (mc, mf):
        assert manifest["permissions"] == ["alarms", "storage"]
        assert manifest["host_permissions"] == ["https://claude.ai/*", "http://127.0.0.1/*"]
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build-extension"), "--out", str(again)],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert (again / chromium.name).read_bytes() == chromium.read_bytes()  # reproducible


def test_manifest_icons_exist_at_their_sizes() -> None:
    """The stores reject an extension without its toolbar and listing icons."""
    import json
    from pathlib import Path

    from PySide6.QtGui import QImage

    root = Path(__file__).resolve().parents[2] / "extension"
    manifest = json.loads((root / "manifest.json").read_text())
    declared = {**manifest["icons"], **manifest["action"]["default_icon"]}
    assert {"16", "48", "128"} <= set(manifest["icons"])
    for size, relative in declared.items():
        image = QImage(str(root / relative))
        assert not image.isNull(), relative
        assert (image.width(), image.height()) == (int(size), int(size))
