"""Backups and restore from the main window; checks done after the first paint."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox

from app.paths import DataPaths
from app.storage import backups
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier
from ui import launcher


def test_backup_now_from_the_menu(qtbot, main_window):
    action = main_window.findChild(QAction, "backupNowAction")
    assert action.text() == "&Sauvegarder maintenant"
    run = main_window.backups.backup_now()
    qtbot.waitUntil(
        lambda: main_window.findChild(QMessageBox, "backupDoneDialog") is not None, timeout=10000
    )
    found = backups.list_backups(main_window.workspace.paths.backups)
    assert len(found) == 1 and found[0].dossiers == TEMPLATE_DOSSIERS
    assert "Sauvegarde manuelle" in main_window.statusBar().currentMessage()
    assert run.dialog.objectName() == "progressDialog"


def test_a_cancelled_backup_says_so(qtbot, main_window, tmp_path):
    run = main_window.backups.backup_now(tmp_path / "usb")
    run._cancel.set()  # what the «Annuler» button does
    qtbot.waitUntil(
        lambda: main_window.findChild(QMessageBox, "backupFailedDialog") is not None, timeout=10000
    )
    assert "annulée" in main_window.findChild(QMessageBox, "backupFailedDialog").text()
    assert not list((tmp_path / "usb").glob("*.sqlite3"))


def test_restore_from_the_menu_then_reopen(qtbot, main_window, workspace):
    earlier = backups.backup_now(workspace.paths)
    new_dossier(workspace)
    dialog = main_window.backups.open_restore()
    assert dialog.objectName() == "restoreDialog"
    assert dialog.list.count() == 1 and "Sauvegarde manuelle du" in dialog.list.item(0).text()
    assert f"{TEMPLATE_DOSSIERS} dossier(s)" in dialog.list.item(0).text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: main_window.findChild(QMessageBox, "restoreDoneDialog") is not None, timeout=10000
    )
    box = main_window.findChild(QMessageBox, "restoreDoneDialog")
    assert "avant-restauration" in box.text()
    box.accept()
    assert main_window.restart_requested and not main_window.isVisible()
    connection = sqlite3.connect(workspace.paths.database)
    assert connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0] == TEMPLATE_DOSSIERS
    connection.close()
    assert earlier.path.exists()


def test_restore_dialog_refuses_a_bad_file_before_closing_anything(qtbot, main_window, tmp_path):
    bogus = tmp_path / "dossia-manuel-20260101-000000.sqlite3"
    bogus.write_bytes(b"pas une base" * 100)
    dialog = main_window.backups.open_restore()
    from PySide6.QtWidgets import QListWidgetItem

    item = QListWidgetItem("fichier douteux")
    item.setData(Qt.ItemDataRole.UserRole, str(bogus))
    dialog.list.addItem(item)
    dialog.list.setCurrentItem(item)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "n'est pas une base de données Dossia" in dialog.error.text())
    assert dialog.isVisible()
    assert main_window.isEnabled()  # the office is still open
    dialog.reject()


def test_start_checks_take_the_daily_backup(qtbot, main_window):
    main_window.upkeep.quiet_ms = 0  # the office quiet from the start
    main_window.after_start()
    qtbot.waitUntil(
        lambda: "Sauvegarde automatique" in main_window.statusBar().currentMessage(), timeout=10000
    )
    assert not backups.automatic_backup_due(main_window.workspace.paths)


def test_a_failed_quick_check_offers_a_restore(qtbot, main_window, monkeypatch):
    monkeypatch.setattr(main_window.workspace, "quick_check", lambda: "page 42: btree corrompu")
    main_window.upkeep.quiet_ms = 0  # the office quiet from the start
    main_window.after_start()
    from ui.backup_ui import RestoreDialog

    qtbot.waitUntil(
        lambda: main_window.findChild(RestoreDialog, "restoreDialog") is not None, timeout=10000
    )
    dialog = main_window.findChild(RestoreDialog, "restoreDialog")
    assert "btree corrompu" in dialog.findChild(QLabel, "restoreReason").text()
    dialog.reject()


def test_a_database_on_a_network_share_gets_a_warning(qtbot, main_window, monkeypatch):
    import ui.main_window as module

    monkeypatch.setattr(module, "network_location", lambda path: "cifs")
    main_window.after_start()
    box = main_window.findChild(QMessageBox, "networkShareWarning")
    assert box is not None and "partage réseau (cifs)" in box.text()
    box.reject()


def test_another_process_change_refreshes_the_list(qtbot, main_window, login_as):
    main_window.tabs.setCurrentIndex(3)
    main_window.refresh_if_changed()
    other = login_as("pmoreau")  # another connection, as another process would be
    detail = new_dossier(other, "Voisin")
    main_window.refresh_if_changed()
    assert main_window.model.row_of(detail.id) >= 0


def test_a_damaged_database_at_start_offers_the_latest_good_backup(qtbot, paths, monkeypatch):
    good = backups.backup_now(paths)
    paths.database.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50 + b"corrompu" * 500)
    clicked = []

    def fake_exec(box):
        clicked.append(box.informativeText())
        box.findChild(type(box.buttons()[0]), "restoreLatestButton").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert launcher.open_database(DataPaths(paths.database)) is not None
    assert good.label in clicked[0]
    connection = sqlite3.connect(paths.database)
    assert connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0] == TEMPLATE_DOSSIERS
    connection.close()
    assert list(paths.backups.glob("dossia-endommagee-*.sqlite3"))  # the damaged file is kept
