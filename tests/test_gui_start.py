"""Start-up screens: first start, login, bad database files, the crash handler."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from app.auth import BAD_CREDENTIALS
from app.paths import DataPaths
from app.storage import sqlite
from app.workspace import OfficeDatabase
from tests.conftest import PASSWORD
from ui import launcher
from ui.dialogs.login import FirstStartDialog, LoginDialog
from ui.dialogs.recovery_kit import RecoveryKitDialog


def click_ok(qtbot, dialog) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def _kit_dialog(dialog):
    kit = dialog.findChild(RecoveryKitDialog)
    return kit if kit is not None and kit.isVisible() else None


def test_first_start_creates_the_office_and_its_administrator(qtbot, tmp_path, monkeypatch):
    paths = DataPaths(tmp_path / "new" / "dossia.sqlite3")
    dialog = FirstStartDialog(paths)
    qtbot.addWidget(dialog)
    dialog.findChild(QLineEdit, "adminFirstNameEdit").setText("Hélène")
    dialog.findChild(QLineEdit, "adminLastNameEdit").setText("Dubois")
    dialog.findChild(QLineEdit, "adminLoginEdit").setText("hdubois")
    dialog.findChild(QLineEdit, "adminPasswordEdit").setText("court")
    click_ok(qtbot, dialog)
    assert "au moins 8 caractères" in dialog.error.text()
    assert not paths.database.exists()  # nothing written for a refused form
    # Another way chosen: the refusal of this one is not left on its screen.
    dialog.demo_radio.setChecked(True)
    assert dialog.error.text() == ""
    dialog.create_radio.setChecked(True)
    dialog.findChild(QLineEdit, "adminPasswordEdit").setText("Secret-2026")
    dialog.findChild(QLineEdit, "adminConfirmEdit").setText("Secret-2025")
    click_ok(qtbot, dialog)
    assert "pas identiques" in dialog.error.text()
    dialog.findChild(QLineEdit, "adminConfirmEdit").setText("Secret-2026")
    click_ok(qtbot, dialog)
    # The office is encrypted: its recovery kit is shown once, to save and print.
    qtbot.waitUntil(lambda: _kit_dialog(dialog) is not None, timeout=30_000)  # in a worker
    kit = _kit_dialog(dialog)
    groups = kit.findChild(QLabel, "recoveryKeyLabel").text().split()
    assert len(groups) == 14 and all(len(group) == 4 for group in groups)
    click_ok(qtbot, kit)
    assert "cochez la case" in kit.error.text() and dialog.result_value is None
    kit.reject()  # Échap: not without the kit
    assert kit.isVisible()
    target = tmp_path / "papiers" / "kit"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(target), "PDF (*.pdf)")
    )
    qtbot.mouseClick(kit.findChild(QPushButton, "saveRecoveryKitButton"), Qt.MouseButton.LeftButton)
    saved = target.with_name("kit.pdf")
    assert saved.read_bytes().startswith(b"%PDF") and str(saved) in kit.saved_label.text()
    kit.findChild(QCheckBox, "recoveryKitKeptCheck").setChecked(True)
    click_ok(qtbot, kit)
    assert dialog.result_value == "hdubois"
    assert sqlite.is_encrypted(paths.database)
    assert not paths.database.read_bytes().startswith(b"SQLite format 3")
    assert sqlite.check_database(paths.database) is sqlite.SchemaState.CURRENT  # unlocked here
    office = OfficeDatabase(paths)
    user = office.authenticate("HDubois", "Secret-2026")
    assert user.role_name == "Administrateur" and user.display_name == "Hélène Dubois"
    office.close()


def test_first_start_can_build_the_demo_office(qtbot, tmp_path):
    paths = DataPaths(tmp_path / "demo" / "dossia.sqlite3")
    dialog = FirstStartDialog(paths)
    qtbot.addWidget(dialog)
    dialog.demo_radio.setChecked(True)
    assert not dialog.admin_fields.isEnabled()
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.result_value == "admin", timeout=60_000)  # in a worker
    office = OfficeDatabase(paths)
    workspace = office.workspace_for(office.authenticate("admin", "demo"))
    from app.listing import ListQuery, ListTab

    assert workspace.tab_counts(ListQuery())[ListTab.ALL] == 300
    workspace.close()


def test_login_dialog_refuses_a_wrong_password(qtbot, paths):
    office = OfficeDatabase(paths)
    dialog = LoginDialog(office.authenticate, "admin")
    qtbot.addWidget(dialog)
    assert dialog.login_edit.text() == "admin"
    dialog.password_edit.setText("mauvais")
    click_ok(qtbot, dialog)
    assert dialog.error.text() == BAD_CREDENTIALS
    assert dialog.password_edit.text() == ""
    dialog.password_edit.setText(PASSWORD)
    click_ok(qtbot, dialog)
    assert dialog.result_value.login == "admin"
    office.close()


def test_an_inactive_user_cannot_log_in(paths):
    office = OfficeDatabase(paths)
    from app.errors import DomainError

    with pytest.raises(DomainError, match="incorrect"):
        office.authenticate("ebrunet", PASSWORD)
    office.close()


@pytest.mark.parametrize(
    "content", [b"not a database at all" * 50, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_a_bad_file_gets_a_clear_dialog_not_a_traceback(qtbot, tmp_path, monkeypatch, content):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    shown = []
    monkeypatch.setattr(launcher, "_critical", shown.append)
    assert launcher.open_database(DataPaths(bad)) is None
    assert len(shown) == 1 and "Dossia" in shown[0]
    assert bad.read_bytes() == content


def test_the_crash_handler_logs_saves_the_note_and_tells_the_user(
    qtbot, workspace, open_dossier, monkeypatch
):
    from PySide6.QtWidgets import QTextEdit

    from tests.helpers import new_dossier

    detail = new_dossier(workspace)
    window = open_dossier(detail.id)
    qtbot.keyClicks(window.findChild(QTextEdit, "internalNote"), "Texte en cours")
    shown = []
    monkeypatch.setattr(launcher, "_critical", shown.append)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    launcher.install_crash_handler(workspace.paths, [window])
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "Vos données enregistrées sont en sécurité" in shown[0]
    log = (workspace.paths.logs / "dossia.log").read_text()
    assert "RuntimeError: boom" in log
    assert "Texte en cours" in workspace.dossiers.get(detail.id).internal_note


def test_error_dialog_is_a_message_box(qtbot, monkeypatch):
    boxes = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: boxes.append(self) or 0)
    launcher._critical("Message")
    assert boxes[0].objectName() == "errorDialog" and boxes[0].text() == "Message"


def test_qts_own_words_are_french(qapp):
    """The context menu of every text field (Annuler, Copier, Coller, Tout sélectionner…)
    and Qt's dialogs speak French, from the translations PySide6 ships."""
    assert launcher.install_french(qapp)
    field = QLineEdit()
    menu = field.createStandardContextMenu()
    words = [a.text().replace("&", "").split("\t")[0] for a in menu.actions() if a.text()]
    assert "Copier" in words and "Coller" in words and "Tout sélectionner" in words
    assert not {"Copy", "Paste", "Undo", "Select All"} & set(words)


def test_about_says_the_version_the_data_and_the_office(qtbot, main_window, workspace):
    box = main_window.about()
    text = box.text()
    assert text.startswith("Dossia ") and "Atlantique Courtage Immobilier" in text
    assert "ORIAS n°\u00a023004567" in text and str(workspace.paths.folder) in text
    assert "SQLite 3." in text and " Mo)" in text
    box.reject()


def test_a_given_password_is_checked_beside_the_main_windows_imports(qtbot, paths, monkeypatch):
    """`--user` with the password given: argon2 runs in a thread while the GUI thread imports
    the main window's modules (the first paint waited for both, one after the other); a
    wrong password still opens the login dialog with the refusal, and a bug in the check
    is raised on the GUI thread."""
    import threading

    office = OfficeDatabase(paths)
    checked_on: list[bool] = []
    real = office.authenticate

    def recorded(login: str, password: str):
        checked_on.append(threading.current_thread() is threading.main_thread())
        return real(login, password)

    monkeypatch.setattr(office, "authenticate", recorded)
    user = launcher.log_in(office, "admin", PASSWORD)
    assert user is not None and user.login == "admin"
    assert checked_on == [False]
    assert "ui.main_window" in sys.modules

    shown: list[str] = []
    monkeypatch.setattr(LoginDialog, "exec", lambda dialog: shown.append(dialog.error.text()))
    assert launcher.log_in(office, "admin", "mauvais") is None
    assert shown == [BAD_CREDENTIALS]

    def broken(login: str, password: str):
        raise RuntimeError("a bug")

    monkeypatch.setattr(office, "authenticate", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        launcher.log_in(office, "admin", PASSWORD)
    office.close()
