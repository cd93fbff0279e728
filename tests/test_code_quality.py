"""Lint and layering are part of the test suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else (shutil.which(name) or name)


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [_tool("ruff"), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_type_checker_finds_nothing():
    """mypy on the files of pyproject's [tool.mypy] (models and app); its cache keeps it fast."""
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_layers_are_respected():
    """models imports nothing of ours, app no Qt, ui no database (import-linter)."""
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_start_path_does_not_import_sqlalchemy():
    """The first paint is served without SQLAlchemy (0.3 s of imports saved), Alembic,
    python-stdnum (30 ms), the backup check (25 ms), QtCharts (the plan's chart, imported
    when a chart is first shown) or locale (gettext's, when argparse's words were looked
    up in catalogues: 33 searches of the disk)."""
    code = (
        "import sys, main, ui.launcher, ui.main_window, app.workspace, app.auth, app.security; "
        "main.build_parser().parse_args(['--user', 'admin']); "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'stdnum', 'app.storage.backup_check', "
        "'PySide6.QtCharts', 'ui.simulations_tab', 'locale') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_qt_binding_does_not_leak_none_references(qapp):
    """PySide6 6.12.0's processEvents() drops a reference to None at each call, which
    crashes the interpreter after a while (pinned out in pyproject.toml)."""
    before = sys.getrefcount(None)
    for _ in range(500):
        qapp.processEvents()
    assert sys.getrefcount(None) - before > -50
