"""«Sauvegarder maintenant», «Sauvegarder vers un dossier…», «Restaurer une sauvegarde…».

Backups run off the GUI thread with a progress bar and Cancel; a restore closes the office's
connections, restores, then asks the launcher to reopen Dossia (login again).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from app.errors import DomainError
from ui.common import FormDialog, message_box, plain, plain_tooltip, set_role
from ui.dialogs.login import LoginDialog
from ui.workers import Background

if TYPE_CHECKING:  # the service imports SQLAlchemy: after the first paint
    from app.office.backup_service import BackupInfo, BackupService
    from ui.main_window import MainWindow


class ProgressRun:
    """Runs `function(progress)` in the background behind a progress dialog with Cancel.

    The worker only writes two numbers and reads a flag; a timer in the GUI thread shows
    them, so no widget is ever touched from the worker.
    """

    def __init__(self, parent: QWidget, title: str, background: Background) -> None:
        self._parent = parent
        self._title = title
        self._background = background
        self._cancel = threading.Event()
        self._done_total = (0, 0)
        self.dialog = QProgressDialog(title, "Annuler", 0, 100, parent)
        self.dialog.setObjectName("progressDialog")
        self.dialog.setWindowTitle("Dossia")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.canceled.connect(self._cancel.set)
        self._timer = QTimer(parent)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._show_progress)

    def progress(self, done: int, total: int) -> bool:
        """Called from the worker thread."""
        self._done_total = (done, total)
        return not self._cancel.is_set()

    def _show_progress(self) -> None:
        done, total = self._done_total
        if total:
            self.dialog.setValue(int(done * 100 / total))

    def start(
        self,
        function: Callable[[Callable[[int, int], bool]], object],
        on_done: Callable[[object], None],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        self._timer.start()
        self.dialog.setValue(0)

        def finish(callback, value) -> None:
            if not isValid(self._timer):  # the window closed meanwhile: nothing to show
                return
            self._timer.stop()
            self.dialog.reset()
            callback(value)

        self._background.run(
            lambda: function(self.progress),
            lambda result: finish(on_done, result),
            lambda error: finish(on_failed, error),
        )


class RestoreDialog(FormDialog):
    """Choose a backup (date and dossier count shown) or another file, then confirm."""

    def __init__(self, parent: QWidget, service: BackupService, message: str = "") -> None:
        super().__init__(parent, "Restaurer une sauvegarde", "restoreDialog", ok_text="Restaurer")
        self._service = service
        found = service.list()
        if message:
            reason = set_role(plain(QLabel(message)), "error")  # may quote a path
            reason.setObjectName("restoreReason")
            self.form.addWidget(reason)
        self.form.addWidget(QLabel("Sauvegardes disponibles :"))
        self.list = QListWidget()
        self.list.setObjectName("backupList")
        self.list.setMinimumHeight(220)
        for info in found:
            item = QListWidgetItem(info.label)
            item.setData(Qt.ItemDataRole.UserRole, str(info.path))
            item.setToolTip(plain_tooltip(str(info.path)))
            self.list.addItem(item)
        if found:
            self.list.setCurrentRow(0)
        self.form.addWidget(self.list)
        other = QPushButton("Autre fichier…")
        other.setObjectName("otherBackupButton")
        other.clicked.connect(self._pick_file)
        self.form.addWidget(other, 0, Qt.AlignmentFlag.AlignLeft)
        hint = set_role(
            QLabel(
                "Un cabinet sur serveur se restaure dans une base vide seulement, pour ne rien "
                "écraser : démarrez Dossia sur une base vide du serveur et choisissez "
                "« Restaurer une sauvegarde du serveur »."
                if service.server
                else "L'état actuel de la base sera d'abord sauvegardé (« Avant restauration »), "
                "puis remplacé par la sauvegarde choisie. Dossia se rouvrira ensuite."
            ),
            "hint",
        )
        hint.setWordWrap(True)
        self.form.addWidget(hint)
        self.checking = set_role(QLabel(""), "hint")
        self.checking.setObjectName("checkingLabel")
        self.form.addWidget(self.checking)
        self._background = Background()
        self.setMinimumWidth(560)

    def _pick_file(self) -> None:
        kinds = (
            "Sauvegardes Dossia du serveur (*.dump)"
            if self._service.server
            else "Sauvegardes Dossia (*.sqlite3)"
        )
        name, _ = QFileDialog.getOpenFileName(self, "Choisir une sauvegarde", "", kinds)
        if name:
            info = self._service.describe(Path(name))
            item = QListWidgetItem(f"{info.label} — {Path(name).name}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.insertItem(0, item)
            self.list.setCurrentRow(0)

    def _on_ok(self) -> None:
        """A bad file is refused here, before anything is closed; the whole check (seconds
        for a big office) runs off the GUI thread, the dialog waiting with its buttons off."""
        item = self.list.currentItem()
        if item is None:
            self.error.show_message("Choisissez une sauvegarde.")
            return
        path = Path(item.data(Qt.ItemDataRole.UserRole))
        if self._service.locked(path) and not self._open_keys(path):
            return
        self.error.clear_message()
        self.checking.setText("Vérification de la sauvegarde…")
        self.buttons.setEnabled(False)
        self._background.run(
            lambda: self._service.check(path), lambda _info: self._checked(path), self._refused
        )

    def _open_keys(self, path: Path) -> bool:
        """An encrypted backup of another office (or with older keys): one of its users'
        password, or its recovery key, opens it first."""

        def check(login: str, password: str) -> str:
            self._service.unlock(path, login, password)
            return login

        dialog = LoginDialog(
            check,
            "",
            "Cette sauvegarde est chiffrée avec d'autres clés que celles de ce poste : "
            "identifiez-vous comme un de ses utilisateurs, ou utilisez sa clé de secours.",
            recover=lambda typed: self._service.unlock_with_recovery(path, typed),
        )
        dialog.setWindowTitle("Dossia — Ouvrir la sauvegarde")
        return bool(dialog.exec())

    def _checked(self, path: Path) -> None:
        self.checking.setText("")
        self.buttons.setEnabled(True)
        self.result_value = path
        self.accept()

    def _refused(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        self.checking.setText("")
        self.buttons.setEnabled(True)
        self.error.show_message(error.message)


class BackupController:
    """The backup actions of the main window."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._background = Background()

    def wait(self) -> None:
        self._background.wait(60000)

    @property
    def service(self) -> BackupService:
        return self._window.workspace.backups

    def backup_now(self, folder: Path | None = None) -> ProgressRun:
        run = ProgressRun(self._window, "Sauvegarde en cours…", self._background)
        run.start(
            lambda progress: self.service.back_up(folder, progress),
            self._backed_up,
            self._failed,
        )
        return run

    def backup_to_folder(self) -> ProgressRun | None:
        folder = QFileDialog.getExistingDirectory(
            self._window, "Sauvegarder vers un dossier (clé USB, réseau…)"
        )
        return self.backup_now(Path(folder)) if folder else None

    def _backed_up(self, info: BackupInfo) -> None:
        self._window.statusBar().showMessage(f"{info.label} : {info.path}", 15000)
        box = message_box(
            QMessageBox.Icon.Information,
            "Sauvegarde",
            f"{info.label}.\n\n{info.path}",
            self._window,
        )
        box.setObjectName("backupDoneDialog")
        box.open()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        box = message_box(QMessageBox.Icon.Warning, "Sauvegarde", error.message, self._window)
        box.setObjectName("backupFailedDialog")
        box.open()

    def open_restore(self, message: str = "") -> RestoreDialog:
        dialog = RestoreDialog(self._window, self.service, message)
        dialog.accepted.connect(lambda: self.restore(dialog.result_value))
        dialog.open()
        return dialog

    def restore(self, source: Path) -> ProgressRun:
        service = self.service
        self._window.release_database()
        run = ProgressRun(self._window, "Restauration en cours…", self._background)
        run.start(
            lambda _progress: service.restore(source),
            self._restored,
            self._restore_failed,
        )
        return run

    def _restored(self, result) -> None:
        text = f"Restauration terminée : {result.restored.label}."
        if result.lost_numbers:
            text += "\n\n" + result.lost_warning
        if result.safety_backup:
            text += f"\n\nL'état précédent a été sauvegardé :\n{result.safety_backup.path}"
        box = message_box(
            QMessageBox.Icon.Information,
            "Restauration",
            text + "\n\nDossia va se rouvrir.",
            self._window,
        )
        box.setObjectName("restoreDoneDialog")
        box.finished.connect(lambda _code: self._window.restart())
        box.open()

    def _restore_failed(self, error: BaseException) -> None:
        message = (
            error.message if isinstance(error, DomainError) else f"Erreur inattendue : {error}"
        )
        box = message_box(
            QMessageBox.Icon.Warning,
            "Restauration",
            message + "\n\nDossia va se rouvrir.",
            self._window,
        )
        box.setObjectName("restoreFailedDialog")
        box.finished.connect(lambda _code: self._window.restart())
        box.open()
