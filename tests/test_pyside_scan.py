"""PySide6's look at each module imported after it reads the file's bytes (ui.pyside_scan):
the same answers, and no module's source left in memory."""

from __future__ import annotations

import importlib
import linecache
import sys

import ui  # noqa: F401  (installs the lighter look)
from ui.pyside_scan import lighten_pyside_import_scan

feature = sys.modules["shibokensupport.feature"]


def test_the_lighter_look_is_installed_once():
    asked = feature._mod_uses_pyside
    assert asked.__wrapped__ is not None
    assert lighten_pyside_import_scan() is True
    assert feature._mod_uses_pyside is asked  # not wrapped twice


def test_it_answers_as_pyside6_does():
    original = feature._mod_uses_pyside.__wrapped__
    for name in ("ui.common", "ui.pyside_scan", "app.text", "models.enums", "json", "_sqlite3"):
        module = importlib.import_module(name)
        assert feature._mod_uses_pyside(module) == original(module), name
    assert feature._mod_uses_pyside(importlib.import_module("ui.common")) is True
    assert feature._mod_uses_pyside(importlib.import_module("app.text")) is False


def test_a_module_imported_after_pyside6_is_recorded_without_its_source_kept(tmp_path, monkeypatch):
    (tmp_path / "dossia_uses_qt.py").write_text("import PySide6.QtCore\nVALUE = 1\n")
    (tmp_path / "dossia_plain.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("dossia_uses_qt", "dossia_plain"):
        monkeypatch.delitem(sys.modules, name, raising=False)
        monkeypatch.delitem(feature.pyside_feature_dict, name, raising=False)
    import dossia_plain
    import dossia_uses_qt

    # Through PySide6's own hook: 0 for a module that names PySide6, -1 (ignored) otherwise.
    # (The hook swaps `builtins.__import__` while it asks; an import by another thread at
    # that instant is not recorded — PySide6's own race, harmless without `__feature__`:
    # what it would have recorded is asked again here, as the hook asks it.)
    for module in (dossia_plain, dossia_uses_qt):
        feature.feature_imported(module)
    assert feature.pyside_feature_dict["dossia_uses_qt"] == 0
    assert feature.pyside_feature_dict["dossia_plain"] == -1
    assert str(tmp_path / "dossia_uses_qt.py") not in linecache.cache
    assert str(tmp_path / "dossia_plain.py") not in linecache.cache
