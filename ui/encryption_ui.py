"""«Outils › Chiffrement des données»: encrypt this computer's office (or, for a support
case, decrypt it), and renew the recovery kit — for administrators.

A conversion closes the office's connections, runs with a progress bar and Cancel, shows
the new recovery kit, then asks the launcher to reopen Dossia (as a restore does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QMessageBox, QWidget

from app import startup
from app.errors import DomainError
from models.enums import Right
from ui.backup_ui import ProgressRun
from ui.common import FormDialog, message_box, rich
from ui.dialogs.recovery_kit import RecoveryKitDialog
from ui.workers import Background

if TYPE_CHECKING:
    from app.office.encryption_service import Converted  # SQLAlchemy: not on the start path
    from ui.main_window import MainWindow

_ENCRYPT_TEXT = (
    "<b>Chiffrer les données de ce poste</b><br>Une sauvegarde est d'abord faite. Puis la "
    "base des dossiers, ses sauvegardes et tous les documents seront chiffrés sur le disque : "
    "sans un mot de passe d'utilisateur ou la clé de secours, un ordinateur ou une clé USB "
    "perdus ne révèlent plus rien.<br><br>"
    "Les PDF gardés en clair dans le dossier « exports » (synthèses, factures…) seront "
    "effacés : Dossia les refait à la demande.<br><br>"
    "Votre mot de passe ouvrira les données. Les autres utilisateurs devront recevoir un "
    "nouveau mot de passe (Paramètres › Utilisateurs › Réinitialiser). Une clé de secours "
    "sera affichée à la fin, à imprimer.<br><br>Dossia se rouvrira ensuite."
)
_DECRYPT_TEXT = (
    "<b>Déchiffrer les données de ce poste</b><br>Réservé au support : une sauvegarde est "
    "d'abord faite, puis la base, ses sauvegardes et les documents seront de nouveau lisibles "
    "par quiconque accède à cet ordinateur ou à ses sauvegardes. Dossia se rouvrira ensuite."
)
_KIT_TEXT = (
    "<b>Nouveau kit de secours</b><br>Une nouvelle clé de secours remplace l'actuelle pour "
    "les données de ce poste et ses sauvegardes. L'ancienne ouvre encore les copies de "
    "sauvegarde gardées ailleurs (clé USB, disque) : détruisez l'ancien kit, et ces copies "
    "si elles ne servent plus."
)


class PasswordConfirmDialog(FormDialog):
    """Explains the operation; the administrator's own password confirms it."""

    def __init__(
        self,
        parent: QWidget,
        name: str,
        text: str,
        ok_text: str,
        check: Callable[[str], object],
    ) -> None:
        super().__init__(parent, "Chiffrement des données", name, ok_text=ok_text)
        self._check = check
        label = rich(QLabel(text))
        label.setWordWrap(True)
        self.form.addWidget(label)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("encryptionPasswordEdit")
        self.password_edit.setAccessibleName("Votre mot de passe")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Votre mot de passe")
        self.form.addWidget(self.password_edit)
        self.fields = {"password": self.password_edit}
        self.setMinimumWidth(520)

    def submit(self) -> str:
        password = self.password_edit.text()
        self._check(password)
        return password


class EncryptionController:
    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._background = Background()
        self.run: ProgressRun | None = None

    @property
    def service(self):
        return self._window.workspace.encryption

    def add_actions(self, menu: QMenu) -> None:
        """The actions an administrator sees, as the office is encrypted or not."""
        if not self._window.workspace.user.can(Right.MANAGE_USERS):
            return
        menu.addSeparator()
        if startup.is_encrypted(self._window.workspace.paths.database):
            actions = (
                ("newRecoveryKitAction", "Nouveau &kit de secours…", self.open_new_kit),
                ("decryptAction", "&Déchiffrer les données de ce poste…", self.open_decrypt),
            )
        else:
            actions = (("encryptAction", "C&hiffrer les données de ce poste…", self.open_encrypt),)
        for name, text, slot in actions:
            action = QAction(text, self._window)
            action.setObjectName(name)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addAction(action)

    def open_encrypt(self) -> PasswordConfirmDialog:
        return self._confirm("encryptDialog", _ENCRYPT_TEXT, "Chiffrer", self.encrypt)

    def open_decrypt(self) -> PasswordConfirmDialog:
        return self._confirm("decryptDialog", _DECRYPT_TEXT, "Déchiffrer", self.decrypt)

    def open_new_kit(self) -> PasswordConfirmDialog:
        dialog = PasswordConfirmDialog(
            self._window,
            "newRecoveryKitDialog",
            _KIT_TEXT,
            "Créer le kit",
            self.service.new_recovery_kit,
        )
        dialog.accepted.connect(lambda: self._show_kit(dialog.result_value, restart=False))
        dialog.open()
        return dialog

    def _confirm(
        self, name: str, text: str, ok_text: str, run: Callable[[str], ProgressRun]
    ) -> PasswordConfirmDialog:
        dialog = PasswordConfirmDialog(
            self._window, name, text, ok_text, self.service.check_password
        )
        dialog.accepted.connect(lambda: run(dialog.result_value))
        dialog.open()
        return dialog

    def encrypt(self, password: str) -> ProgressRun:
        return self._convert("Chiffrement des données…", self.service.encrypt, password)

    def decrypt(self, password: str) -> ProgressRun:
        return self._convert("Déchiffrement des données…", self.service.decrypt, password)

    def _convert(self, title: str, work, password: str) -> ProgressRun:
        self._window.release_database()
        self.run = ProgressRun(self._window, title, self._background)
        self.run.start(lambda progress: work(password, progress), self._converted, self._failed)
        return self.run

    def _converted(self, result: Converted) -> None:
        if result.recovery_key is not None:
            self._show_kit(result, restart=True)
            return
        self._tell_then_restart(_summary(result))

    def _show_kit(self, result: Converted, restart: bool) -> None:
        created = startup.CreatedOffice("", result.recovery_key, result.office_id)
        kit = RecoveryKitDialog(created, self._window)
        if restart:
            kit.accepted.connect(lambda: self._tell_then_restart(_summary(result)))
        kit.open()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        self._tell_then_restart(error.message, QMessageBox.Icon.Warning)

    def _tell_then_restart(
        self, text: str, kind: QMessageBox.Icon = QMessageBox.Icon.Information
    ) -> None:
        box = message_box(
            kind, "Chiffrement des données", text + "\n\nDossia va se rouvrir.", self._window
        )
        box.setObjectName("encryptionDoneDialog")
        box.finished.connect(lambda _code: self._window.restart())
        box.open()


def _summary(result: Converted) -> str:
    state = "chiffrées" if result.encrypted else "déchiffrées"
    text = (
        f"Les données de ce poste sont {state} : la base, {result.backups} sauvegarde(s) et "
        f"{result.documents} document(s)."
    )
    if result.skipped_backups:
        text += (
            f"\n\n{len(result.skipped_backups)} sauvegarde(s) illisible(s) laissée(s) telle(s) "
            "quelle(s) dans le dossier des sauvegardes."
        )
    if result.unfinished:
        text += "\n\n" + result.unfinished
    if result.without_key:
        text += (
            "\n\nCes utilisateurs devront recevoir un nouveau mot de passe avant de pouvoir "
            f"ouvrir les données (Paramètres › Utilisateurs) : {', '.join(result.without_key)}."
        )
    return text
