"""Shared fixtures: a fresh database per test, copied from a template built once."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.demo import build_demo
from app.paths import DataPaths
from app.storage.database import Database
from app.storage.schema import ensure_schema
from app.workspace import OfficeDatabase, Workspace

PASSWORD = "demo"
TEMPLATE_DOSSIERS = 40
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def machine_config(tmp_path, monkeypatch):
    """This computer's settings (laptop prefix) live in a temporary folder for each test."""
    monkeypatch.setenv("DOSSIA_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """A small demo office (7 users, 40 dossiers), built once with Alembic and the generator."""
    folder = tmp_path_factory.mktemp("template")
    paths = DataPaths(folder / "dossia.sqlite3")
    ensure_schema(paths)
    database = Database(paths)
    build_demo(database, TEMPLATE_DOSSIERS, seed=7, password=PASSWORD, today=TODAY)
    database.dispose()
    return paths.database


@pytest.fixture
def paths(tmp_path, template_db) -> DataPaths:
    target = tmp_path / "office" / "dossia.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(template_db, target)
    return DataPaths(target)


@pytest.fixture
def login_as(paths):
    """Log in as a demo user: 'admin' (administrateur), 'pmoreau' (responsable d'agence),
    'slegrand' / 'kbenali' (courtiers), 'assistant'. Each gets its own connection."""
    opened: list[Workspace] = []

    def make(login: str) -> Workspace:
        office = OfficeDatabase(paths)
        workspace = office.workspace_for(office.authenticate(login, PASSWORD))
        opened.append(workspace)
        return workspace

    yield make
    for workspace in opened:
        workspace.close()


@pytest.fixture
def workspace(login_as) -> Workspace:
    """Logged in as the administrator (every right)."""
    return login_as("admin")


@pytest.fixture
def service(workspace):
    return workspace.dossiers


@pytest.fixture
def first_provenance(workspace) -> int:
    return workspace.office.active_provenances()[0].id


@pytest.fixture
def main_window(qtbot, workspace):
    from ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.counts_pending)
    yield window
    window.close()
    window.shut_down()


@pytest.fixture
def open_dossier(qtbot, main_window):
    """Open a dossier's window from the list, as a double-click would."""

    def open_(dossier_id: int):
        window = main_window.open_dossier(dossier_id)
        qtbot.addWidget(window)
        return window

    return open_
