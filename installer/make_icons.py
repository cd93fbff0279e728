"""Render Dossia's icon, resources/icons/dossia.svg (the source), into the PNG sizes the
Linux menus use and the .ico of the Windows installer; the results are committed.

    python installer/make_icons.py

The macOS .icns is not committed: installer/dossia.spec packs it from those PNG files at
build time, with `write_icns` (pure Python, no Qt, no Apple tool).
"""

from __future__ import annotations

import io
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SOURCE = ICONS / "dossia.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# The .icns entries that hold a PNG, by OSType: (pixels, the PNG size used). The @2x entries
# (ic11…ic14) are the double-density versions of 16, 32, 128 and 256 points; no 1024 px PNG
# (ic10) is made — macOS scales ic09 up for the rare 512 pt @2x.
ICNS_ENTRIES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def png_path(size: int) -> Path:
    return ICONS / f"dossia-{size}.png"


def render(size: int) -> bytes:
    """The SVG drawn at size × size pixels, as PNG bytes (Qt's SVG renderer)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(os.fspath(SOURCE))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def icns(pngs: dict[int, bytes]) -> bytes:
    """An Apple icon file: «icns», its length, then one (OSType, length, PNG data) entry per
    size, lengths big-endian and counting their own 8-byte header."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_ENTRIES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icns(target: Path) -> Path:
    """`target` (.icns) made of the committed PNG files."""
    sizes = {size for _, size in ICNS_ENTRIES}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(icns({size: png_path(size).read_bytes() for size in sizes}))
    return target


def main() -> int:
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    application = QGuiApplication(sys.argv[:1])  # QImage and QPainter want one
    for size in PNG_SIZES:
        png_path(size).write_bytes(render(size))
    largest = Image.open(io.BytesIO(render(256)))
    largest.save(ICONS / "dossia.ico", sizes=[(size, size) for size in ICO_SIZES])
    del application
    print(f"{len(PNG_SIZES)} PNG and dossia.ico written in {ICONS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
