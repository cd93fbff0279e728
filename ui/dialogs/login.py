"""Start-up dialogs: the first start (create the office or a demo) and the login."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app import connection, startup
from app.errors import DomainError
from app.office.office import NewUser, validate_new_user
from app.paths import OfficeLocation, ServerLocation
from ui.common import FormDialog, escape, rich, set_role
from ui.dialogs.recovery_kit import RecoveryKitDialog
from ui.operations import attempt, clear_refusal, show_refusal
from ui.workers import Background

DEMO_DOSSIERS = 300
DEMO_PASSWORD = "demo"


RECOVERED = "recovered"  # LoginDialog's value once the recovery key opened the office


class LoginDialog(FormDialog):
    """The login. For an encrypted office (`recover` given), the password first opens its
    keys, and «Clé de secours…» opens them with the recovery key instead."""

    def __init__(
        self,
        authenticate: Callable[[str, str], object],
        login: str = "",
        message: str = "",
        recover: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(None, "Dossia — Connexion", "loginDialog", ok_text="Se connecter")
        self._authenticate = authenticate
        self._recover = recover
        title = QLabel("<b>Bienvenue dans Dossia</b><br>Identifiez-vous pour ouvrir vos dossiers.")
        self.form.addWidget(title)
        if recover is not None:
            locked = QLabel("Les données de ce cabinet sont chiffrées sur cet ordinateur.")
            locked.setObjectName("encryptedNotice")
            set_role(locked, "hint")
            self.form.addWidget(locked)
            button = QPushButton("Clé de secours…")
            button.setObjectName("recoveryKeyButton")
            button.setToolTip(
                "Ouvrir les données avec la clé de secours imprimée à la création du cabinet"
            )
            button.clicked.connect(self._use_recovery_key)
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ResetRole)
        form = QFormLayout()
        self.login_edit = QLineEdit(login)
        self.login_edit.setObjectName("loginEdit")
        self.login_edit.setAccessibleName("Identifiant")
        form.addRow("Identifiant :", self.login_edit)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setAccessibleName("Mot de passe")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Mot de passe :", self.password_edit)
        self.form.addLayout(form)
        self.fields = {"login": self.login_edit, "password": self.password_edit}
        self.error.show_message(message)
        (self.password_edit if login else self.login_edit).setFocus()
        self.setMinimumWidth(380)

    def submit(self) -> object:
        try:
            return self._authenticate(self.login_edit.text(), self.password_edit.text())
        except DomainError:
            self.password_edit.clear()
            raise

    def _use_recovery_key(self) -> None:
        assert self._recover is not None
        dialog = RecoveryKeyDialog(self._recover, self)
        if dialog.exec():
            self.result_value = RECOVERED
            self.accept()


class ServerPasswordDialog(FormDialog):
    """The office server's password (issue 11), when neither $DOSSIA_DB_PASSWORD nor
    PostgreSQL's .pgpass gives it, or the one given was refused. `check` tries a typed
    password: it returns what to open, or raises DomainError (French) to ask again. Kept for
    this session, and in the system keyring when «Mémoriser…» is ticked (issue 11)."""

    def __init__(
        self,
        location: ServerLocation,
        message: str,
        check: Callable[[str], object],
        remember: bool = False,
    ) -> None:
        super().__init__(
            None, "Dossia — Serveur du cabinet", "serverPasswordDialog", ok_text="Se connecter"
        )
        self._check = check
        intro = QLabel(
            f"Le cabinet est sur {location.label}.\nSaisissez le mot de passe de "
            f"l'utilisateur « {location.user or '(par défaut)'} » du serveur."
        )
        intro.setWordWrap(True)
        self.form.addWidget(intro)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("serverPasswordEdit")
        self.password_edit.setAccessibleName("Mot de passe du serveur")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addWidget(self.password_edit)
        self.remember_check = QCheckBox("Mémoriser le mot de passe sur cet ordinateur")
        self.remember_check.setObjectName("serverPasswordRememberCheck")
        self.form.addWidget(self.remember_check)
        problem = connection.keyring_problem()
        if problem:  # no keyring: asked at each session, never written to a file
            self.remember_check.setEnabled(False)
            hint = set_role(QLabel(problem), "hint")
            hint.setObjectName("keyringHint")
            hint.setWordWrap(True)
            self.form.addWidget(hint)
        else:
            self.remember_check.setChecked(remember)
        self.fields = {"password": self.password_edit}
        self.error.show_message(message)
        self.password_edit.setFocus()
        self.setMinimumWidth(420)

    def submit(self) -> object:
        try:
            return self._check(self.password_edit.text())
        except DomainError:
            self.password_edit.clear()
            raise


class RecoveryKeyDialog(FormDialog):
    """The recovery key of the kit, typed (dashes, spaces and case do not matter)."""

    def __init__(self, recover: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent, "Dossia — Clé de secours", "recoveryKeyDialog", ok_text="Ouvrir")
        self._recover = recover
        self.form.addWidget(
            QLabel(
                "Saisissez la clé de secours du kit imprimé à la création du cabinet\n"
                "(14 groupes de 4 caractères ; tirets, espaces et majuscules facultatifs)."
            )
        )
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("recoveryKeyEdit")
        self.key_edit.setAccessibleName("Clé de secours")
        self.key_edit.setPlaceholderText("XXXX-XXXX-XXXX-…")
        self.key_edit.setMinimumWidth(520)
        self.form.addWidget(self.key_edit)
        self.fields = {"recovery_key": self.key_edit}

    def submit(self) -> None:
        self._recover(self.key_edit.text())


class FirstStartDialog(FormDialog):
    """No office yet: create it (with its administrator) or a demo office to discover Dossia.

    The form is checked at once; the office is then written in a worker thread (a second or
    two: the schema, the administrator's password hash, the demo's dossiers) while a busy bar
    says so and the dialog, its buttons disabled, keeps painting.
    """

    def __init__(self, paths: OfficeLocation, parent: QWidget | None = None) -> None:
        super().__init__(
            parent, "Dossia — Premier démarrage", "firstStartDialog", ok_text="Commencer"
        )
        self._paths = paths
        self.demo_login = ""
        where = (
            f"sur le serveur du cabinet, dans {escape(paths.label)}"
            if isinstance(paths, ServerLocation)
            else f"sur cet ordinateur, dans :<br><i>{escape(str(paths.database))}</i>"
        )
        self._intro_text = (
            f"<b>Bienvenue dans Dossia.</b><br>Vos dossiers seront enregistrés {where}"
        )
        self.intro = rich(QLabel(self._intro_text))
        self.intro.setObjectName("firstStartIntro")
        self.intro.setWordWrap(True)
        self.form.addWidget(self.intro)
        self.create_radio = QRadioButton("Créer mon cabinet (je deviens son administrateur)")
        self.create_radio.setObjectName("createOfficeRadio")
        self.create_radio.setChecked(True)
        self.demo_radio = QRadioButton(
            f"Découvrir Dossia avec un cabinet de démonstration ({DEMO_DOSSIERS} dossiers fictifs)"
        )
        self.demo_radio.setObjectName("demoOfficeRadio")
        self.restore_radio = QRadioButton(
            "Restaurer une sauvegarde (nouvel ordinateur, ou après une panne)"
        )
        self.restore_radio.setObjectName("restoreOfficeRadio")
        self.server_radio = QRadioButton(
            "Se connecter au serveur du cabinet (dossiers partagés entre les postes)"
        )
        self.server_radio.setObjectName("serverOfficeRadio")
        group = QButtonGroup(self)
        group.addButton(self.create_radio)
        group.addButton(self.demo_radio)
        group.addButton(self.restore_radio)
        group.addButton(self.server_radio)
        self.form.addWidget(self.create_radio)
        form = QFormLayout()
        self.first_name = self._line("adminFirstNameEdit", "Prénom")
        self.last_name = self._line("adminLastNameEdit", "Nom")
        self.login = self._line("adminLoginEdit", "Identifiant")
        self.password = self._line("adminPasswordEdit", "Mot de passe", secret=True)
        self.confirm = self._line("adminConfirmEdit", "Confirmation du mot de passe", secret=True)
        for label, edit in (
            ("Prénom :", self.first_name),
            ("Nom :", self.last_name),
            ("Identifiant :", self.login),
            ("Mot de passe :", self.password),
            ("Confirmation :", self.confirm),
        ):
            form.addRow(label, edit)
        self.admin_fields = QWidget()
        self.admin_fields.setLayout(form)
        self.form.addWidget(self.admin_fields)
        self.form.addWidget(self.demo_radio)
        self.demo_hint = set_role(
            QLabel(
                "Le cabinet de démonstration contient des courtiers, des apporteurs et des "
                f"dossiers fictifs. Connectez-vous ensuite avec l'identifiant « admin » et le mot "
                f"de passe « {DEMO_PASSWORD} »."
            ),
            "hint",
        )
        self.demo_hint.setWordWrap(True)
        self.form.addWidget(self.demo_hint)
        self.form.addWidget(self.restore_radio)
        self.backup_path: Path | None = None
        self.restore_fields = self._restore_fields()
        self.form.addWidget(self.restore_fields)
        self.form.addWidget(self.server_radio)
        # The office's server (issue 11): reached, then the office opens there (created if
        # its database is empty), and this computer remembers it for the next starts.
        from ui.dialogs.connection import ServerForm

        self.server_fields = ServerForm(connection.read_settings())
        self.form.addWidget(self.server_fields)
        for radio in (self.create_radio, self.demo_radio, self.restore_radio, self.server_radio):
            radio.toggled.connect(self._chosen)
        if isinstance(paths, ServerLocation):
            # An empty server database: the office is created there, the demonstration
            # copied there, or a server backup (pg_dump) restored.
            self.server_radio.hide()  # already on the server
            self.restore_radio.setText(
                "Restaurer une sauvegarde du serveur (fichier « .dump » écrit par Dossia)"
            )
            # A server's backup is not encrypted by Dossia: nothing to open it with.
            for row in (self.restore_login, self.restore_password, self.restore_recovery):
                self._restore_form.setRowVisible(row, False)
            self._restore_hint.setText(
                "La sauvegarde est restaurée dans cette base vide du serveur (pg_restore, "
                "installé sur ce poste avec les outils clients de PostgreSQL)."
            )
        self._chosen()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("firstStartProgressLabel")
        self.progress = QProgressBar()
        self.progress.setObjectName("firstStartProgress")
        self.progress.setRange(0, 0)  # busy: the work has no steps to count
        self.progress.setTextVisible(False)
        for widget in (self.progress_label, self.progress):
            widget.hide()
            self.form.addWidget(widget)
        self._background = Background()
        self.fields = {
            "login": self.login,
            "password": self.password,
            "last_name": self.last_name,
            "confirm": self.confirm,
            "backup": self.backup_label,
            "restore_password": self.restore_password,
            "recovery_key": self.restore_recovery,
            **self.server_fields.fields,
        }
        self.setMinimumWidth(520)

    def _restore_fields(self) -> QWidget:
        """The backup to restore and, if it is encrypted, what opens it."""
        choose = QPushButton("Choisir la sauvegarde…")
        choose.setObjectName("chooseBackupButton")
        choose.clicked.connect(lambda: self.choose_backup())
        self.backup_label = set_role(QLabel("Aucune sauvegarde choisie"), "hint")
        self.backup_label.setObjectName("backupPathLabel")
        self.restore_login = self._line("restoreLoginEdit", "Identifiant")
        self.restore_password = self._line("restorePasswordEdit", "Mot de passe", secret=True)
        self.restore_recovery = self._line("restoreRecoveryEdit", "Clé de secours")
        self.restore_recovery.setPlaceholderText("ou la clé de secours du kit")
        self.backup_label.setWordWrap(False)
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addWidget(self.backup_label, 1)
        hint = set_role(
            QLabel(
                "Une sauvegarde chiffrée s'ouvre avec l'identifiant et le mot de passe d'un de "
                "ses utilisateurs, ou avec la clé de secours imprimée à la création du cabinet."
            ),
            "hint",
        )
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(row)
        form.addRow(hint)
        self._restore_form, self._restore_hint = form, hint
        form.addRow("Identifiant :", self.restore_login)
        form.addRow("Mot de passe :", self.restore_password)
        form.addRow("Clé de secours :", self.restore_recovery)
        fields = QWidget()
        fields.setLayout(form)
        return fields

    def choose_backup(self, path: str | None = None) -> None:
        if path is None:
            kinds = (
                "Sauvegardes Dossia du serveur (*.dump)"
                if isinstance(self._paths, ServerLocation)
                else "Sauvegardes Dossia (*.sqlite3)"
            )
            path, _filter = QFileDialog.getOpenFileName(
                self, "Choisir la sauvegarde", str(Path.home()), kinds
            )
        if path:
            self.backup_path = Path(path)
            self.backup_label.setText(self.backup_path.name)
            self.backup_label.setToolTip(str(self.backup_path))

    def _chosen(self) -> None:
        """Only the chosen way's fields are shown: the dialog stays small enough for a
        laptop's screen."""
        for radio, fields in (
            (self.create_radio, self.admin_fields),
            (self.restore_radio, self.restore_fields),
            (self.server_radio, self.server_fields),
        ):
            fields.setEnabled(radio.isChecked())
            fields.setVisible(radio.isChecked())
        self.demo_hint.setVisible(self.demo_radio.isChecked())
        self.error.clear_message()  # a refusal of the way left behind says nothing of this one
        self.intro.setText(
            "<b>Bienvenue dans Dossia.</b><br>Vos dossiers seront sur le serveur du cabinet, "
            "partagés avec les autres postes. Ce poste s'en souviendra aux prochains démarrages."
            if self.server_radio.isChecked()
            else self._intro_text
        )
        self.adjustSize()

    def _line(self, name: str, accessible: str, secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setMaxLength(80 if not secret else 200)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    @property
    def busy(self) -> bool:
        return self._background.busy

    def _on_ok(self) -> None:
        """Check the form here, write the office in the background."""
        if self.busy:
            return
        clear_refusal(self.fields)
        outcome = attempt(self._prepare)
        if outcome.problem is not None:
            show_refusal(outcome.problem, self.error, self.fields)
            return
        assert outcome.value is not None
        text, work = outcome.value
        self.error.clear_message()
        self._set_busy(text)
        self._background.run(work, self._created, self._failed)

    def _prepare(self) -> tuple[str, Callable[[], object]]:
        """What to say while working, and the work (which reads no widget)."""
        paths = self._paths
        if isinstance(paths, ServerLocation) and self.restore_radio.isChecked():
            if self.backup_path is None:
                raise DomainError("Choisissez la sauvegarde à restaurer.", field="backup")
            dump = self.backup_path
            return (
                "Restauration de la sauvegarde sur le serveur…",
                lambda: startup.restore_on_empty_server(paths, dump),
            )
        if isinstance(paths, ServerLocation) and self.demo_radio.isChecked():

            def create_demo_on_server() -> str:
                startup.create_demo_on_server(paths, DEMO_DOSSIERS, 1, DEMO_PASSWORD)
                return "admin"

            return "Création du cabinet de démonstration sur le serveur…", create_demo_on_server
        if isinstance(paths, ServerLocation):
            server_admin = self._admin()
            validate_new_user(server_admin)
            if self.password.text() != self.confirm.text():
                raise DomainError("Les deux mots de passe ne sont pas identiques.", field="confirm")
            return "Création du cabinet sur le serveur…", lambda: startup.create_office(
                paths, server_admin
            )
        if self.server_radio.isChecked():
            settings = self.server_fields.settings()
            password = self.server_fields.password_edit.text()
            return "Connexion au serveur du cabinet…", lambda: startup.connect_office_server(
                settings, password
            )
        if self.restore_radio.isChecked():
            if self.backup_path is None:
                raise DomainError("Choisissez la sauvegarde à restaurer.", field="backup")
            source = self.backup_path
            login, password = self.restore_login.text(), self.restore_password.text()
            recovery = self.restore_recovery.text()
            return "Restauration de la sauvegarde…", lambda: startup.restore_on_new_computer(
                paths, source, login, password, recovery
            )
        if self.demo_radio.isChecked():

            def create_demo() -> str:
                startup.create_demo_office(paths, DEMO_DOSSIERS, seed=1, password=DEMO_PASSWORD)
                return "admin"

            return "Création du cabinet de démonstration…", create_demo
        admin = self._admin()
        validate_new_user(admin)  # its own messages first, field by field
        if self.password.text() != self.confirm.text():
            raise DomainError("Les deux mots de passe ne sont pas identiques.", field="confirm")
        return "Création du cabinet…", lambda: startup.create_office(paths, admin)

    def _set_busy(self, text: str) -> None:
        working = bool(text)
        self.progress_label.setText(text)
        self.progress_label.setVisible(working)
        self.progress.setVisible(working)
        self.buttons.setEnabled(not working)
        on_server = isinstance(self._paths, ServerLocation)
        for widget in (self.create_radio, self.demo_radio, self.restore_radio, self.server_radio):
            enabled = not (on_server and widget is self.server_radio)  # already on it
            widget.setEnabled(not working and enabled)
        self.admin_fields.setEnabled(not working and self.create_radio.isChecked())
        self.restore_fields.setEnabled(not working and self.restore_radio.isChecked())
        self.server_fields.setEnabled(not working and self.server_radio.isChecked())

    def _created(self, created: object) -> None:
        self._set_busy("")
        if isinstance(created, startup.CreatedOffice):
            login = created.login
            if created.recovery_key is not None:  # shown once, before anything else
                kit = RecoveryKitDialog(created, self)
                kit.accepted.connect(lambda: self._done(login))
                kit.open()
                return
            created = login
        self._done(created)

    def _done(self, login: object) -> None:
        self.result_value = login
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy("")
        if isinstance(error, DomainError):
            show_refusal(error, self.error, self.fields)
            return
        if isinstance(error, OSError):
            self.error.show_message(
                f"Impossible d'écrire dans le dossier de données ({error.strerror or error}). "
                "Vérifiez qu'il est accessible et que le disque n'est pas plein, puis réessayez."
            )
            return
        self.error.show_message(
            "La création du cabinet a échoué sur une erreur inattendue. Réessayez ; le "
            "détail technique est écrit dans le terminal."
        )
        raise error  # a bug: its traceback is printed, the message stays on screen

    def reject(self) -> None:
        # Échap or the window's close button wait for the office (or the server's test)
        if not self.busy and not self.server_fields.busy:
            super().reject()

    def _admin(self) -> NewUser:
        return NewUser(
            login=self.login.text(),
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            password=self.password.text(),
        )
