"""Dossia's Qt widgets. They call `app/` services and never touch the database directly."""

from ui.pyside_scan import lighten_pyside_import_scan

lighten_pyside_import_scan()
