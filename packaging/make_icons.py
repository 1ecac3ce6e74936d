"""Draw ClaudeMeter's application icon once and write every file the bundles need.

Run it after changing the art; its outputs are committed, so builds never need it:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

Writes into ``resources/icons/``: PNGs (16 to 512 px), ``claude-meter.ico`` (Windows: PNG
frames in the ICO container) and ``claude-meter.icns`` (macOS: PNG frames in the ICNS
container). Both containers are written here with :mod:`struct` because Qt writes only one
frame per ICO and no ICNS at all. The SVG next to them is hand-written to match this drawing.

The art: a rounded badge in the "ok" grade's green with a white gauge: a faint full arc, a
solid arc up to about two thirds, and a needle. It has no text, so it reads at 16 px.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
GREEN = "#2e9d4f"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS element types that hold PNG data, by pixel size (ic10 is 512@2x, the 1024 px one).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic10", 1024))  # fmt: skip
#: The gauge: 270 degrees open at the bottom; the solid part ends at this fraction.
SWEEP = 270.0
FILLED = 0.66


def draw(size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    s = float(size)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        margin = s * 0.04
        badge = QRectF(margin, margin, s - 2 * margin, s - 2 * margin)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(GREEN))
        painter.drawRoundedRect(badge, s * 0.22, s * 0.22)

        width = max(1.5, s * 0.12)
        inset = s * 0.24
        arc = QRectF(inset, inset, s - 2 * inset, s - 2 * inset).translated(0, s * 0.04)
        start = 225.0  # Qt angles: counter-clockwise from three o'clock, in 1/16 degree
        faint = QColor("#ffffff")
        faint.setAlphaF(0.38)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(faint, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawArc(arc, round(start * 16), round(-SWEEP * 16))
        white = QColor("#ffffff")
        painter.setPen(QPen(white, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawArc(arc, round(start * 16), round(-SWEEP * FILLED * 16))

        centre = arc.center()
        painter.setPen(
            QPen(white, max(1.2, s * 0.07), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        )
        needle = QPointF(centre.x() + arc.width() * 0.27, centre.y() - arc.height() * 0.17)
        painter.drawLine(centre, needle)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(white)
        dot = max(1.0, s * 0.075)
        painter.drawEllipse(centre, dot, dot)
    finally:
        painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG", 0):  # quality 0: the strongest zlib compression
        raise RuntimeError("Qt could not encode a PNG")
    return bytes(buffer.data().data())


def ico_container(frames: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per frame + the PNG frames (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(frames))
    offset = len(header) + 16 * len(frames)
    entries, blobs = b"", b""
    for size, data in sorted(frames.items()):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns_container(frames: list[tuple[bytes, bytes]]) -> bytes:
    """'icns' + big-endian length, then (type, length including its 8-byte header, data)."""
    body = b"".join(kind + struct.pack(">I", len(data) + 8) + data for kind, data in frames)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = png_bytes(draw(size))
        return cache[size]

    for size in PNG_SIZES:
        (ICONS / f"claude-meter-{size}.png").write_bytes(png(size))
    (ICONS / "claude-meter.ico").write_bytes(ico_container({s: png(s) for s in ICO_SIZES}))
    (ICONS / "claude-meter.icns").write_bytes(
        icns_container([(kind, png(size)) for kind, size in ICNS_TYPES])
    )
    total = sum(p.stat().st_size for p in ICONS.iterdir())
    print(f"wrote {len(list(ICONS.iterdir()))} files into {ICONS} ({total // 1024} KB)")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
