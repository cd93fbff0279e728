"""An encrypted office at start: the login opens its keys first, or the recovery key does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from app import startup
from app.crypto import unlocked
from app.office.office import NewUser
from app.paths import DataPaths
from app.startup import OfficeState
from app.workspace import OfficeDatabase
from ui import launcher
from ui.dialogs.login import LoginDialog, RecoveryKeyDialog

PASSWORD = "Secret-2026"


@pytest.fixture
def encrypted(tmp_path):
    paths = DataPaths(tmp_path / "cabinet" / "dossia.sqlite3")
    created = startup.create_office(
        paths, NewUser("hdubois", "Hélène", "Dubois", PASSWORD, is_broker=True)
    )
    unlocked.forget_all()  # as after a restart
    yield paths, created
    unlocked.forget_all()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_password_opens_the_keys_then_logs_in_without_asking_twice(
    qtbot, encrypted, monkeypatch
):
    paths, _created = encrypted
    assert startup.open_office(paths).state is OfficeState.LOCKED
    shown: list[LoginDialog] = []

    def answer(dialog: LoginDialog) -> int:
        qtbot.addWidget(dialog)
        shown.append(dialog)
        notice = dialog.findChild(QLabel, "encryptedNotice")
        assert notice is not None and "chiffrées" in notice.text()
        dialog.login_edit.setText("hdubois")
        dialog.password_edit.setText("pas le bon")
        click(qtbot, dialog.ok_button)
        assert dialog.error.text() == (
            "Mot de passe incorrect ou clé de chiffrement absente pour cet utilisateur."
        )
        assert dialog.password_edit.text() == ""
        assert startup.open_office(paths).state is OfficeState.LOCKED
        dialog.password_edit.setText(PASSWORD)
        click(qtbot, dialog.ok_button)
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", answer)
    assert launcher.unlock(paths, None, None) == ("hdubois", PASSWORD)
    assert len(shown) == 1
    assert startup.open_office(paths).state is OfficeState.READY


def test_a_password_given_on_the_command_line_opens_it_without_a_dialog(encrypted, monkeypatch):
    paths, _created = encrypted
    monkeypatch.setattr(LoginDialog, "exec", lambda _dialog: pytest.fail("no dialog expected"))
    assert launcher.unlock(paths, "hdubois", PASSWORD) == ("hdubois", PASSWORD)


def test_the_recovery_key_opens_it_when_no_password_can(qtbot, encrypted, monkeypatch):
    paths, created = encrypted
    assert created.recovery_key is not None
    typed = created.recovery_key.text()

    def answer_key(dialog: RecoveryKeyDialog) -> int:
        qtbot.addWidget(dialog)
        edit = dialog.findChild(QLineEdit, "recoveryKeyEdit")
        edit.setText(typed[:-1] + ("X" if typed[-1] != "X" else "Y"))  # a typo
        click(qtbot, dialog.ok_button)
        assert "clé de secours" in dialog.error.text().lower()
        edit.setText(typed.lower())
        click(qtbot, dialog.ok_button)
        return dialog.result()

    def answer_login(dialog: LoginDialog) -> int:
        qtbot.addWidget(dialog)
        click(qtbot, dialog.findChild(QPushButton, "recoveryKeyButton"))
        return dialog.result()

    monkeypatch.setattr(RecoveryKeyDialog, "exec", answer_key)
    monkeypatch.setattr(LoginDialog, "exec", answer_login)
    assert launcher.unlock(paths, None, None) == ("", None)  # then the usual login
    assert startup.open_office(paths).state is OfficeState.READY


def test_giving_up_at_the_login_leaves_the_office_closed(qtbot, encrypted, monkeypatch):
    paths, _created = encrypted
    monkeypatch.setattr(LoginDialog, "exec", lambda dialog: 0)
    assert launcher.unlock(paths, None, None) is None
    assert startup.open_office(paths).state is OfficeState.LOCKED


def _action(window, name: str):
    from PySide6.QtGui import QAction

    return window.findChild(QAction, name)


def test_an_administrator_encrypts_the_office_from_the_tools_menu(
    qtbot, main_window, workspace, monkeypatch, tmp_path
):
    from PySide6.QtWidgets import QCheckBox, QFileDialog, QMessageBox

    from ui.encryption_ui import PasswordConfirmDialog

    paths = workspace.paths
    assert _action(main_window, "decryptAction") is None
    _action(main_window, "encryptAction").trigger()
    dialog = main_window.findChild(PasswordConfirmDialog, "encryptDialog")
    qtbot.waitUntil(dialog.isVisible)
    dialog.password_edit.setText("faux")
    click(qtbot, dialog.ok_button)
    assert dialog.error.text() == "Mot de passe incorrect." and dialog.isVisible()
    dialog.password_edit.setText("demo")
    click(qtbot, dialog.ok_button)
    kit = None

    def kit_shown() -> bool:
        nonlocal kit
        from ui.dialogs.recovery_kit import RecoveryKitDialog

        kit = next((d for d in main_window.findChildren(RecoveryKitDialog) if d.isVisible()), None)
        return kit is not None

    qtbot.waitUntil(kit_shown, timeout=30_000)  # converted in the background
    assert not paths.database.read_bytes().startswith(b"SQLite format 3")
    target = tmp_path / "kit.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    click(qtbot, kit.findChild(QPushButton, "saveRecoveryKitButton"))
    kit.findChild(QCheckBox, "recoveryKitKeptCheck").setChecked(True)
    click(qtbot, kit.ok_button)
    assert target.read_bytes().startswith(b"%PDF")
    qtbot.waitUntil(lambda: main_window.findChild(QMessageBox, "encryptionDoneDialog") is not None)
    done = main_window.findChild(QMessageBox, "encryptionDoneDialog")
    assert "sont chiffrées" in done.text() and "pmoreau" in done.text()
    done.accept()
    assert main_window.restart_requested


def test_a_first_start_restores_an_encrypted_backup_on_a_new_computer(qtbot, encrypted, tmp_path):
    from app.storage.backup_files import BackupKind, backup_now
    from ui.dialogs.login import FirstStartDialog

    paths, created = encrypted
    startup.unlock_office(paths, "hdubois", PASSWORD)
    backup = backup_now(paths, BackupKind.MANUAL, folder=tmp_path / "usb")
    unlocked.forget_all()
    new = DataPaths(tmp_path / "nouveau-pc" / "dossia.sqlite3")
    dialog = FirstStartDialog(new)
    qtbot.addWidget(dialog)
    assert not dialog.restore_fields.isEnabled()
    dialog.restore_radio.setChecked(True)
    assert dialog.restore_fields.isEnabled() and not dialog.admin_fields.isEnabled()
    click(qtbot, dialog.ok_button)
    assert dialog.error.text() == "Choisissez la sauvegarde à restaurer."
    dialog.choose_backup(str(backup.path))
    dialog.restore_login.setText("hdubois")
    dialog.restore_password.setText("pas le bon")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "Mot de passe incorrect" in dialog.error.text(), timeout=30_000)
    assert not new.database.exists()
    dialog.restore_password.setText("")
    assert created.recovery_key is not None
    dialog.restore_recovery.setText(created.recovery_key.text())
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.result_value == "hdubois", timeout=30_000)
    assert startup.open_office(new).state is OfficeState.READY  # its keys came with it
    office = OfficeDatabase(new)
    assert office.authenticate("hdubois", PASSWORD).login == "hdubois"
    office.close()


def test_a_first_creation_cut_short_can_be_made_again(tmp_path):
    """Dossia killed while creating an encrypted office, before its schema: the next start
    asks the password typed then, and the creation can be made again."""
    from app.storage import sqlite

    paths = DataPaths(tmp_path / "cabinet" / "dossia.sqlite3")
    paths.folder.mkdir()
    unlocked.start_encrypted_office(paths.database, [("hdubois", PASSWORD)])
    connection = sqlite.connect(paths.database)  # the file made, its schema not yet
    connection.execute("CREATE TABLE t (x)")
    connection.execute("DROP TABLE t")
    connection.close()
    unlocked.forget_all()
    assert startup.open_office(paths).state is OfficeState.LOCKED
    startup.unlock_office(paths, "hdubois", PASSWORD)
    assert startup.open_office(paths).state is OfficeState.FIRST_START
    created = startup.create_office(
        paths, NewUser("hdubois", "Hélène", "Dubois", PASSWORD, is_broker=True)
    )
    assert created.recovery_key is not None
    assert startup.open_office(paths).state is OfficeState.READY


def test_restoring_another_offices_encrypted_backup_asks_its_password(
    qtbot, main_window, tmp_path, monkeypatch
):
    """From «Restaurer une sauvegarde…»: a backup whose keys are not this office's opens
    with one of its users' password (or its recovery key) before it is checked."""
    from PySide6.QtWidgets import QListWidgetItem

    from app.storage.backup_files import BackupKind, backup_now

    other = DataPaths(tmp_path / "autre" / "dossia.sqlite3")
    startup.create_office(other, NewUser("hdubois", "Hélène", "Dubois", PASSWORD, is_broker=True))
    backup = backup_now(other, BackupKind.MANUAL, folder=tmp_path / "usb")
    unlocked.forget_all()
    asked: list[str] = []

    def answer(dialog: LoginDialog) -> int:
        qtbot.addWidget(dialog)
        asked.append(dialog.error.text())
        dialog.login_edit.setText("hdubois")
        dialog.password_edit.setText("pas le bon")
        click(qtbot, dialog.ok_button)
        assert "Mot de passe incorrect" in dialog.error.text()
        dialog.password_edit.setText(PASSWORD)
        click(qtbot, dialog.ok_button)
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", answer)
    dialog = main_window.backups.open_restore()
    item = QListWidgetItem("sauvegarde d'un autre poste")
    item.setData(Qt.ItemDataRole.UserRole, str(backup.path))
    dialog.list.insertItem(0, item)
    dialog.list.setCurrentItem(item)
    click(qtbot, dialog.ok_button)
    assert asked and "chiffrée avec d'autres clés" in asked[0]
    qtbot.waitUntil(lambda: dialog.result_value == backup.path, timeout=30_000)
