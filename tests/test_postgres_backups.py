"""Backups of an office on a PostgreSQL server (issue 11): pg_dump into this computer's
folder for the server, listed, restored by pg_restore into an empty database only, with the
same rows; the tools missing or too old said in French; a cancelled backup leaves nothing;
the window's «Sauvegarder maintenant» on a server office."""

from __future__ import annotations

import os
import time

import psycopg
import pytest

import main
from app.errors import DomainError
from app.paths import ServerLocation
from app.storage import server_backups
from app.storage.backup_files import BackupCancelled
from app.storage.postgres import ServerState, check_server
from tests import postgres_server


def _url(location: ServerLocation) -> str:
    return "postgresql://" + location.url.split("://", 1)[1]


def _fingerprint(location: ServerLocation) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows (in a stable order), and the id
    sequences' positions."""
    with psycopg.connect(_url(location), autocommit=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        found = {}
        for table in tables:
            row = connection.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table}" t'
            ).fetchone()
            assert row is not None
            found[table] = (row[0], row[1])
        for name, value in connection.execute(
            "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
            "WHERE schemaname = 'public'"
        ):
            found[f"sequence {name}"] = (value, "")
    return found


@pytest.fixture
def office(server_template_db):
    """A copy of the demo office on the test server."""
    with postgres_server.fresh_database(server_template_db) as location:
        yield location


@pytest.fixture
def empty():
    """An empty database on the test server."""
    with postgres_server.fresh_database() as location:
        yield location


def test_backup_listed_then_restored_into_an_empty_database_gives_the_same_rows(
    office, empty, capsys
):
    assert main.main(["backup", "--db", office.url]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Sauvegarde manuelle du ") and "— serveur, " in said
    folder = office.local_paths.backups
    dumps = list(folder.glob("dossia-manuel-*.dump"))
    assert len(dumps) == 1 and str(dumps[0]) in said
    assert [p.name for p in folder.iterdir()] == [dumps[0].name]  # no partial left
    assert main.main(["backups", "--db", office.url]) == 0
    assert capsys.readouterr().out.strip().endswith(str(dumps[0]))

    assert main.main(["restore", "--db", empty.url, "--from", str(dumps[0])]) == 0
    assert capsys.readouterr().out.startswith("Restauré : Sauvegarde manuelle du ")
    expected = _fingerprint(office)
    assert len(expected) > 40 and expected["dossiers"][0] == 40
    assert _fingerprint(empty) == expected
    assert check_server(empty) is ServerState.CURRENT


def test_a_restore_is_refused_on_a_database_holding_anything(office, tmp_path, capsys):
    info = server_backups.back_up_server(office, folder=tmp_path)
    assert info.path.parent == tmp_path and info.path.suffix == ".dump"
    before = _fingerprint(office)
    assert main.main(["restore", "--db", office.url, "--from", str(info.path)]) == 2
    error = capsys.readouterr().err
    assert "n'est pas vide" in error and "rien n'a été modifié" in error
    assert _fingerprint(office) == before
    # A file that is no dump, into an empty database: refused, nothing created.
    with postgres_server.fresh_database() as empty:
        other = tmp_path / "autre.dump"
        other.write_bytes(b"SQLite format 3\x00")
        with pytest.raises(DomainError, match="n'est pas une sauvegarde"):
            server_backups.restore_server(empty, other)
        assert check_server(empty) is ServerState.EMPTY


def test_pg_dump_missing_or_too_old_is_said_in_french(office, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(server_backups.ToolMissing) as missing:
        server_backups.back_up_server(office, folder=tmp_path / "out", places=())
    assert "« pg_dump » de PostgreSQL, introuvable sur ce poste" in missing.value.message
    assert "postgresql-client-15" in missing.value.message
    # An old pg_dump on PATH (a script saying it is PostgreSQL 9.6's): refused as too old.
    tools = tmp_path / "old"
    tools.mkdir()
    for name in ("pg_dump", "pg_restore"):
        script = tools / name
        script.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) 9.6.24'\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    with pytest.raises(server_backups.ToolMissing, match="plus ancien que le serveur"):
        server_backups.back_up_server(office, folder=tmp_path / "out", places=())
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_cancelled_backup_stops_pg_dump_and_leaves_no_file(office, tmp_path):
    """pg_dump waits for a table another session locks: cancelled meanwhile, the process
    stops and its partial file goes."""
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return len(calls) < 5  # cancelled while pg_dump waits

    with psycopg.connect(_url(office)) as blocker:
        blocker.execute("LOCK TABLE dossiers IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(BackupCancelled):
            server_backups.back_up_server(office, folder=tmp_path, progress=progress)
        blocker.rollback()
    assert len(calls) == 5 and calls[0] == (0, calls[0][1]) and calls[0][1] > 30
    assert list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 5
    with psycopg.connect(_url(office), autocommit=True) as connection:
        while time.monotonic() < deadline:  # its session ends with it
            waiting = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'Dossia (sau%'"
            ).fetchone()
            if waiting == (0,):
                break
            time.sleep(0.05)
    assert waiting == (0,)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_window_backs_a_server_office_up_and_lists_it(qtbot, main_window, engine):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMessageBox, QPushButton, QTableView

    from tests.test_gui_settings_pages import open_settings, show

    action = main_window.findChild(QAction, "backupNowAction")
    assert action.isEnabled()
    action.trigger()
    qtbot.waitUntil(
        lambda: main_window.findChild(QMessageBox, "backupDoneDialog") is not None, timeout=20000
    )
    box = main_window.findChild(QMessageBox, "backupDoneDialog")
    assert box.text().startswith("Sauvegarde manuelle du ") and ".dump" in box.text()
    box.close()
    listed = main_window.workspace.backups.list()
    assert len(listed) == 1 and listed[0].path.exists() and listed[0].server
    # «Restaurer une sauvegarde…» lists it, and refuses the open (non-empty) office at once.
    dialog = main_window.backups.open_restore()
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 1 and "serveur" in dialog.list.item(0).text()
    dialog._on_ok()
    qtbot.waitUntil(lambda: "n'est pas vide" in dialog.error.text(), timeout=10000)
    assert dialog.isVisible()  # nothing was closed
    dialog.reject()
    # Paramètres › Sauvegardes lists it too, and makes another one.
    settings = open_settings(qtbot, main_window)
    show(qtbot, settings, settings.backups)
    table = settings.backups.findChild(QTableView, "backupsTable")
    assert table.model().rowCount() == 1
    settings.backups.findChild(QPushButton, "settingsBackupNowButton").click()
    qtbot.waitUntil(lambda: table.model().rowCount() == 2, timeout=20_000)
    row = [table.model().index(0, c).data() for c in range(4)]
    assert row[1] == "Sauvegarde manuelle" and row[2] == "—" and row[3].endswith(("ko", "Mo"))
    if os.environ.get("DOSSIA_SHOTS"):
        settings.grab().save(os.path.join(os.environ["DOSSIA_SHOTS"], "server-backups.png"))


def test_the_first_start_on_an_empty_server_restores_a_backup(qtbot, office, empty, tmp_path):
    from PySide6.QtCore import Qt

    from app.workspace import OfficeDatabase
    from tests.conftest import PASSWORD
    from ui.dialogs.login import FirstStartDialog

    dump = server_backups.back_up_server(office, folder=tmp_path).path
    dialog = FirstStartDialog(empty)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.restore_radio.isEnabled() and dialog.demo_radio.isEnabled()
    qtbot.mouseClick(dialog.restore_radio, Qt.MouseButton.LeftButton)
    assert not dialog.restore_password.isVisible()  # a dump is not encrypted by Dossia
    dialog.choose_backup(str(dump))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value == "", timeout=30_000)  # in a worker
    assert check_server(empty) is ServerState.CURRENT
    assert _fingerprint(empty) == _fingerprint(office)
    opened = OfficeDatabase(empty)
    try:
        assert opened.authenticate("admin", PASSWORD).login == "admin"
    finally:
        opened.close()
