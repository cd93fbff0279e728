"""This computer's «Connexion» (issue 11): the office in the local file or on the office's
server. The server's form is shared by the settings dialog and the first-run assistant;
what it means (checks, saving, the keyring, the test) is `app.connection`'s."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app import connection, startup
from app.connection import ConnectionSettings
from app.errors import DomainError
from app.paths import ServerLocation
from ui.common import ErrorLabel, FormDialog, set_role
from ui.operations import clear_refusal, show_refusal
from ui.workers import Background

TLS_CHOICES = (
    (connection.PREFER, "Chiffrée si le serveur le propose (recommandé)"),
    (connection.REQUIRE, "Exiger le chiffrement"),
    (connection.VERIFY_FULL, "Vérifier le certificat du serveur"),
)


class ServerForm(QWidget):
    """The office server's fields, «Mémoriser le mot de passe», the encryption, and
    «Tester la connexion» (off the GUI thread, a busy bar meanwhile)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        parent: QWidget | None = None,
        tester: Callable[[ServerLocation], str] = startup.test_server_connection,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("serverForm")
        self._tester = tester  # «Tester la connexion»: what it says of the server
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.host_edit = self._line("serverHostEdit", "Serveur", settings.host)
        self.host_edit.setPlaceholderText("nom ou adresse IP, ex. serveur-cabinet")
        self.port_edit = self._line("serverPortEdit", "Port", str(settings.port))
        self.port_edit.setMaximumWidth(90)
        self.dbname_edit = self._line("serverDatabaseEdit", "Base", settings.dbname)
        self.user_edit = self._line("serverUserEdit", "Utilisateur", settings.user)
        self.password_edit = self._line("serverFormPasswordEdit", "Mot de passe du serveur", "")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_check = QCheckBox("Mémoriser le mot de passe sur cet ordinateur")
        self.remember_check.setObjectName("serverRememberCheck")
        self.remember_check.setChecked(settings.remember_password)
        self.keyring_hint = set_role(QLabel(), "hint")
        self.keyring_hint.setObjectName("keyringHint")
        self.keyring_hint.setWordWrap(True)
        self.keyring_hint.hide()
        if settings.remember_password and settings.on_server:
            self.password_edit.setPlaceholderText("mémorisé sur cet ordinateur")
        self.tls_combo = QComboBox()
        self.tls_combo.setObjectName("serverTlsCombo")
        self.tls_combo.setAccessibleName("Chiffrement")
        for value, text in TLS_CHOICES:
            self.tls_combo.addItem(text, value)
        self.tls_combo.setCurrentIndex(max(0, self.tls_combo.findData(settings.tls)))
        self.ca_file = settings.ca_file
        self.ca_button = QPushButton("Certificat du cabinet…")
        self.ca_button.setObjectName("serverCaButton")
        self.ca_button.clicked.connect(lambda: self.choose_ca_file())
        self.ca_label = set_role(QLabel(), "hint")
        self.ca_label.setObjectName("serverCaLabel")
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_button)
        ca_row.addWidget(self.ca_label, 1)
        self.ca_widget = QWidget()
        self.ca_widget.setLayout(ca_row)
        ca_row.setContentsMargins(0, 0, 0, 0)
        port_row = QHBoxLayout()
        port_row.addWidget(self.port_edit)
        port_row.addStretch(1)
        form.addRow("Serveur :", self.host_edit)
        form.addRow("Port :", port_row)
        form.addRow("Base :", self.dbname_edit)
        form.addRow("Utilisateur :", self.user_edit)
        form.addRow("Mot de passe :", self.password_edit)
        form.addRow("", self.remember_check)
        form.addRow("", self.keyring_hint)
        form.addRow("Chiffrement :", self.tls_combo)
        form.addRow("", self.ca_widget)
        layout.addLayout(form)
        test_row = QHBoxLayout()
        self.test_button = QPushButton("Tester la connexion")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.clicked.connect(self.test_connection)
        self.test_progress = QProgressBar()
        self.test_progress.setObjectName("testConnectionProgress")
        self.test_progress.setRange(0, 0)
        self.test_progress.setTextVisible(False)
        self.test_progress.setMaximumWidth(160)
        self.test_progress.hide()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_progress)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        self.test_result = QLabel()
        self.test_result.setObjectName("testConnectionResult")
        self.test_result.setWordWrap(True)
        self.test_result.hide()
        layout.addWidget(self.test_result)
        self.test_error = ErrorLabel()
        self.test_error.setObjectName("testConnectionError")
        layout.addWidget(self.test_error)
        self.fields: dict[str, QWidget] = {
            "host": self.host_edit,
            "port": self.port_edit,
            "database": self.dbname_edit,
            "user": self.user_edit,
            "server_password": self.password_edit,
            "ca_file": self.ca_button,
        }
        self._background = Background()
        self.tls_combo.currentIndexChanged.connect(self._tls_chosen)
        self._show_ca_file()
        self._tls_chosen()
        # Whether this computer has a usable keyring: keyring and its backends take a few
        # tenths of a second to load, in a worker, not while the dialog should paint.
        self.keyring_known = False
        self._testing = False
        self._background.run(connection.keyring_problem, self._keyring_checked)

    def _keyring_checked(self, problem: object) -> None:
        if not isValid(self):  # the dialog closed meanwhile
            return
        self.keyring_known = True
        if problem:
            self.remember_check.setChecked(False)
            self.remember_check.setEnabled(False)
            self.keyring_hint.setText(str(problem))
            self.keyring_hint.show()

    def _line(self, name: str, accessible: str, text: str) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setMaxLength(200)
        return edit

    def _tls_chosen(self) -> None:
        self.ca_widget.setVisible(self.tls_combo.currentData() == connection.VERIFY_FULL)

    def choose_ca_file(self, path: str | None = None) -> None:
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self,
                "Certificat de l'autorité du cabinet",
                str(Path.home()),
                "Certificats (*.crt *.pem *.cer);;Tous les fichiers (*)",
            )
        if path:
            self.ca_file = path
            self._show_ca_file()

    def _show_ca_file(self) -> None:
        self.ca_label.setText(
            Path(self.ca_file).name if self.ca_file else "Aucun certificat choisi"
        )
        self.ca_label.setToolTip(self.ca_file)

    def settings(self, mode: str = connection.SERVER) -> ConnectionSettings:
        """The settings typed, checked (DomainError naming the field)."""
        return connection.check_settings(
            mode=mode,
            host=self.host_edit.text(),
            port=self.port_edit.text(),
            dbname=self.dbname_edit.text(),
            user=self.user_edit.text(),
            tls=self.tls_combo.currentData(),
            ca_file=self.ca_file,
            remember_password=self.remember_check.isChecked(),
        )

    @property
    def busy(self) -> bool:
        """A connection being tested (the keyring's check aside)."""
        return self._testing

    def test_connection(self) -> None:
        """«Tester la connexion»: in a worker thread; the window keeps painting."""
        if self.busy:
            return
        clear_refusal(self.fields)
        self.test_error.clear_message()
        self.test_result.hide()
        try:
            location = self.settings().location(self.password_edit.text() or None)
        except DomainError as error:
            show_refusal(error, self.test_error, self.fields)
            return
        self._testing = True
        self.test_button.setEnabled(False)
        self.test_progress.show()
        self.test_result.setText("Connexion au serveur…")
        self.test_result.show()
        self._background.run(lambda: self._tester(location), self._tested, self._test_failed)

    def _tested(self, said: object) -> None:
        if not isValid(self):
            return
        self._test_done()
        self.test_result.setText(str(said))
        self.test_result.show()

    def _test_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._test_done()
        self.test_result.hide()
        if not isinstance(error, DomainError):
            raise error
        show_refusal(error, self.test_error, self.fields)

    def _test_done(self) -> None:
        self._testing = False
        self.test_button.setEnabled(True)
        self.test_progress.hide()


class ConnectionDialog(FormDialog):
    """Fichier › Connexion… : where this computer finds the office from the next start on."""

    def __init__(
        self,
        override: str = "",
        parent: QWidget | None = None,
        settings: ConnectionSettings | None = None,
    ) -> None:
        """`settings`: what the form shows first (this computer's saved ones by default)."""
        super().__init__(parent, "Dossia — Connexion", "connectionDialog", ok_text="Enregistrer")
        settings = settings or connection.read_settings()
        self.warning = ""  # the keyring's refusal, if any, once saved
        intro = QLabel(
            "Où ce poste trouve les dossiers du cabinet. Le changement s'applique au prochain "
            "démarrage de Dossia."
        )
        intro.setWordWrap(True)
        self.form.addWidget(intro)
        self.override_notice = set_role(QLabel(), "hint")
        self.override_notice.setObjectName("connectionOverrideNotice")
        self.override_notice.setWordWrap(True)
        if override:
            self.override_notice.setText(
                f"Dossia a été démarré avec {override} : cette adresse l'emporte sur les "
                "réglages ci-dessous tant qu'elle est donnée."
            )
        else:
            self.override_notice.hide()
        self.form.addWidget(self.override_notice)
        self.file_radio = QRadioButton("Fichier local (sur cet ordinateur)")
        self.file_radio.setObjectName("connectionFileRadio")
        self.server_radio = QRadioButton(
            "Serveur du cabinet (plusieurs postes partagent les dossiers)"
        )
        self.server_radio.setObjectName("connectionServerRadio")
        group = QButtonGroup(self)
        group.addButton(self.file_radio)
        group.addButton(self.server_radio)
        (self.server_radio if settings.on_server else self.file_radio).setChecked(True)
        self.form.addWidget(self.file_radio)
        self.form.addWidget(self.server_radio)
        self.server_form = ServerForm(settings)
        self.form.addWidget(self.server_form)
        self.fields = dict(self.server_form.fields)
        self.server_radio.toggled.connect(self._chosen)
        self._chosen()
        self.setMinimumWidth(560)

    def _chosen(self) -> None:
        self.server_form.setEnabled(self.server_radio.isChecked())
        self.server_form.setVisible(self.server_radio.isChecked())
        self.adjustSize()

    def submit(self) -> ConnectionSettings:
        mode = connection.SERVER if self.server_radio.isChecked() else connection.FILE
        settings = self.server_form.settings(mode)
        self.warning = connection.save_connection(settings, self.server_form.password_edit.text())
        return settings

    def reject(self) -> None:
        if not self.server_form.busy:
            super().reject()
