"""Disk and file faults: a clear message, the app keeps running, nothing saved is lost."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox, QTextEdit
from sqlalchemy import event

from app.errors import StorageError
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier


def fill_the_disk(workspace) -> None:
    """Every new connection may not grow the file any more: SQLite then reports a full disk."""

    def limit(dbapi_connection, _record) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(workspace.database.engine, "connect", limit)
    workspace.database.engine.dispose()


def test_a_full_disk_refuses_the_write_and_changes_nothing(workspace):
    detail = new_dossier(workspace)
    fill_the_disk(workspace)
    with pytest.raises(StorageError, match="disque est plein"):
        workspace.dossiers.save_note(detail.id, detail.version, "<p>" + "x" * 150_000 + "</p>")
    assert workspace.dossiers.get(detail.id) == detail


def test_a_full_disk_while_typing_the_note_keeps_the_text(qtbot, workspace, open_dossier):
    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    fill_the_disk(workspace)
    editor = window.findChild(QTextEdit, "internalNote")
    editor.setPlainText("y" * 150_000)
    window.view.general.note.flush()
    assert "disque est plein" in window.findChild(QLabel, "messageText").text()
    assert window.view.general.note.dirty  # kept, to be saved again
    assert len(editor.toPlainText()) == 150_000


def test_a_deleted_database_file_is_written_back(qtbot, main_window, workspace):
    detail = new_dossier(workspace)
    for suffix in ("", "-wal", "-shm"):
        path = workspace.paths.database.with_name(workspace.paths.database.name + suffix)
        path.unlink(missing_ok=True)
    main_window.refresh_if_changed()
    box = main_window.findChild(QMessageBox, "databaseRecoveredDialog")
    assert box is not None and "rien n'est perdu" in box.text()
    connection = sqlite3.connect(workspace.paths.database)
    assert (
        connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0] == TEMPLATE_DOSSIERS + 1
    )
    connection.close()
    again = workspace.dossiers.save_note(detail.id, detail.version, "<p>après</p>")  # keeps working
    connection = sqlite3.connect(workspace.paths.database)
    note = connection.execute(
        "SELECT internal_note FROM dossiers WHERE id = ?", (detail.id,)
    ).fetchone()[0]
    connection.close()
    assert note == again.internal_note == "<p>après</p>"
    box.reject()
