"""The shipped non-Python files: found in every layout, and the committed icon files valid."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from claude_meter import resources
from claude_meter.resources import (
    ResourceMissing,
    app_icon_files,
    extension_dir,
    resource_path,
    resources_dir,
)
from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_source_checkout_layout() -> None:
    assert resources_dir() == ROOT / "resources"
    assert extension_dir() == ROOT / "extension"
    assert resource_path("icons", "claude-meter.svg").is_file()
    assert resource_path("linux", "claude-meter.desktop").is_file()


def test_installed_layout_wins(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "claude_meter"
    (package / "_resources" / "icons").mkdir(parents=True)
    (package / "_resources" / "icons" / "claude-meter.svg").write_text("<svg/>")
    for size in (64, 16, 256):
        (package / "_resources" / "icons" / f"claude-meter-{size}.png").write_bytes(b"")
    (package / "extension").mkdir()
    (package / "extension" / "manifest.json").write_text("{}")
    assert resources_dir(package) == package / "_resources"
    assert extension_dir(package) == package / "extension"
    assert [p.name for p in app_icon_files(package)] == [
        "claude-meter-16.png",
        "claude-meter-64.png",
        "claude-meter-256.png",
    ]


def test_missing(tmp_path: Path) -> None:
    package = tmp_path / "a" / "b" / "claude_meter"
    package.mkdir(parents=True)
    assert resources_dir(package) is None
    assert extension_dir(package) is None
    assert app_icon_files(package) == []
    with pytest.raises(ResourceMissing):
        resource_path("icons", "claude-meter.svg", package=package)
    with pytest.raises(ResourceMissing, match=r"nothing\.png"):
        resource_path("icons", "nothing.png")


def test_resources_module_imports_no_qt() -> None:
    assert "PySide6" not in Path(resources.__file__).read_text()


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_png_sizes(size: int) -> None:
    image = QImage(str(ICONS / f"claude-meter-{size}.png"))
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(size // 2, size // 10).name() == "#2e9d4f"  # the badge's green


def test_ico_container() -> None:
    data = (ICONS / "claude-meter.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sides = []
    for index in range(count):
        side, _, _, _, planes, bits, size, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        assert (planes, bits) == (1, 32)
        assert data[offset : offset + 8] == PNG_MAGIC
        assert offset + size <= len(data)
        sides.append(side or 256)
    assert sides == [16, 24, 32, 48, 64, 128, 256]


def test_icns_container() -> None:
    data = (ICONS / "claude-meter.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    kinds, offset = [], 8
    while offset < len(data):
        kind, length = data[offset : offset + 4], struct.unpack_from(">I", data, offset + 4)[0]
        assert data[offset + 8 : offset + 16] == PNG_MAGIC
        kinds.append(kind)
        offset += length
    assert offset == len(data)
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(kinds)


def test_committed_art_stays_small() -> None:
    total = sum(p.stat().st_size for p in ICONS.iterdir())
    assert total < 300_000


def test_desktop_file_is_valid() -> None:
    import subprocess

    validate = require_tool("desktop-file-validate", "desktop-file-utils")
    desktop = ROOT / "resources" / "linux" / "claude-meter.desktop"
    done = subprocess.run(
        [validate, str(desktop)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entries = dict(line.split("=", 1) for line in desktop.read_text().splitlines() if "=" in line)
    assert entries["Exec"] == "claude-meter"
    assert entries["Icon"] == "claude-meter"
    assert entries["Categories"] == "Utility;"
