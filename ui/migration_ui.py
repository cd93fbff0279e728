"""«Outils › Migrer vers le serveur du cabinet…» (issue 11): an administrator of a file office
copies the whole office to an empty database of the office's server, verified table by
table, all or nothing; then this computer is switched to the server.

The screen only gathers and shows: the checks, the copy and its verification are
`app.office.migration_service`'s; where this computer finds the office is `app.connection`'s.
The window's connections are released before the copy (as the encryption screens do):
whatever happens after, closing the dialog reopens Dossia (on the server once migrated).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app import connection
from app.connection import ConnectionSettings
from app.errors import Cancelled, DomainError
from app.paths import ServerLocation
from ui.common import ErrorLabel, plain, primary, rich, set_role
from ui.dialogs.connection import ServerForm
from ui.operations import clear_refusal, show_refusal
from ui.workers import Background

if TYPE_CHECKING:
    from app.office.migration_service import Migrated, MigrationService  # SQLAlchemy
    from ui.main_window import MainWindow

INTRO = (
    "<b>Migrer le cabinet vers le serveur du cabinet</b><br>"
    "Tout le cabinet — dossiers, utilisateurs et leurs mots de passe, factures, journal — est "
    "copié dans une base <b>vide</b> du serveur PostgreSQL, puis vérifié table par table. Tout "
    "ou rien : au moindre écart, ou si vous annulez, rien n'est écrit sur le serveur.<br>"
    "Le fichier de ce poste est gardé tel quel, en lecture seule, comme sauvegarde. Ce poste "
    "s'ouvrira ensuite sur le serveur ; les autres postes s'y connectent par Fichier › "
    "Connexion…<br>"
    "Les fenêtres de ce Dossia seront fermées pendant la copie : fermez aussi Dossia sur les "
    "autres sessions de cet ordinateur."
)
CANCELLED = "Migration annulée : rien n'a été écrit sur le serveur."
REOPEN = "Le fichier du cabinet n'a pas été modifié. Dossia se rouvrira à la fermeture."


NO_REPORT = (
    "Le rapport n'a pas pu être écrit dans le dossier des données (disque plein ?) : la "
    "migration est faite, et le journal d'audit du serveur la garde."
)


class MigrationDialog(QDialog):
    """The form (the server, its test, the administrator's password), the copy's progress
    with «Annuler», then the verification's summary and «Redémarrer maintenant»."""

    def __init__(self, window: MainWindow, service: MigrationService) -> None:
        super().__init__(window)
        self.setObjectName("migrationDialog")
        self.setWindowTitle("Migrer vers le serveur du cabinet")
        self.setModal(True)
        self._window = window
        self._service = service
        self._background = Background()
        self._cancel = threading.Event()
        self._done_total = (0, 0)
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._show_progress)
        self.released = False  # the window's connections closed: closing reopens Dossia
        self.migrated: Migrated | None = None
        self.settings_warning = ""  # the keyring could not keep the password
        self._settings: ConnectionSettings | None = None
        self._server_password = ""
        outer = QVBoxLayout(self)
        self.pages = QStackedWidget()
        self.pages.setObjectName("migrationPages")
        outer.addWidget(self.pages)
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._progress_page())
        self.pages.addWidget(self._result_page())
        self.setMinimumWidth(620)

    # --- the form ------------------------------------------------------------------------

    def _form_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("migrationFormPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = rich(QLabel(INTRO))
        intro.setObjectName("migrationIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        # The server's fields this computer knows (kept even while it uses the file).
        self.server_form = ServerForm(connection.read_settings(), tester=self._test_target)
        layout.addWidget(self.server_form)
        layout.addSpacing(8)
        own = QHBoxLayout()
        own.addWidget(QLabel("Votre mot de passe Dossia :"))
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("migrationPasswordEdit")
        self.password_edit.setAccessibleName("Votre mot de passe Dossia")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("celui de votre compte administrateur")
        own.addWidget(self.password_edit, 1)
        layout.addLayout(own)
        self.error = ErrorLabel("migrationError")
        layout.addWidget(self.error)
        self.checking = QProgressBar()
        self.checking.setObjectName("migrationCheckProgress")
        self.checking.setRange(0, 0)
        self.checking.setTextVisible(False)
        self.checking.setMaximumWidth(160)
        self.checking.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.checking)
        buttons.addStretch(1)
        self.migrate_button = primary(QPushButton("Migrer"))
        self.migrate_button.setObjectName("migrateButton")
        self.migrate_button.setDefault(True)
        self.migrate_button.clicked.connect(self.migrate)
        self.close_button = QPushButton("Fermer")
        self.close_button.setObjectName("migrationCloseButton")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.migrate_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.fields: dict[str, QWidget] = {
            **self.server_form.fields,
            "password": self.password_edit,
        }
        return page

    def _test_target(self, location: ServerLocation) -> str:
        """In the form's worker: the server reached, the database empty."""
        return self._service.test_target(_with_password(location))

    @property
    def busy(self) -> bool:
        return self._background.busy or self.server_form.busy

    def migrate(self) -> None:
        """«Migrer»: the typed values checked in a worker (the administrator's password, the
        server, its database empty), before anything of this window is closed."""
        if self.busy:
            return
        clear_refusal(self.fields)
        self.error.clear_message()
        self.server_form.test_error.clear_message()
        self.server_form.test_result.hide()  # what an earlier test said may be stale
        try:
            settings = self.server_form.settings()
        except DomainError as error:
            self._refused(error)
            return
        server_password = self.server_form.password_edit.text()
        password = self.password_edit.text()
        location = settings.location(server_password or None)
        service = self._service

        def check() -> ServerLocation:
            service.check_password(password)
            target = _with_password(location)
            service.test_target(target)
            return target

        self._settings, self._server_password = settings, server_password
        self._set_checking(True)
        self._background.run(
            check, lambda target: self._checked(target, password), self._check_failed
        )

    def _set_checking(self, checking: bool) -> None:
        self.checking.setVisible(checking)
        self.migrate_button.setEnabled(not checking)
        self.server_form.setEnabled(not checking)
        self.password_edit.setEnabled(not checking)

    def _check_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._set_checking(False)
        if not isinstance(error, DomainError):
            raise error
        self._refused(error)

    def _refused(self, error: DomainError) -> None:
        """The message next to its field: under the server's fields for theirs, under the
        administrator's password otherwise."""
        near_server = error.field in self.server_form.fields
        label = self.server_form.test_error if near_server else self.error
        show_refusal(error, label, self.fields)

    # --- the copy --------------------------------------------------------------------------

    def _checked(self, target: object, password: str) -> None:
        if not isValid(self):
            return
        assert isinstance(target, ServerLocation)
        self._set_checking(False)
        if not self.released:
            self._window.release_database()  # every other window closed, connections given back
            self.released = True
            # release_database() disables the window, and this dialog with it (its child):
            # the window's content and menus stay disabled, the dialog usable.
            for part in (self._window.centralWidget(), self._window.menuBar()):
                part.setEnabled(False)
            self._window.setEnabled(True)
        self._cancel.clear()
        self._done_total = (0, 0)
        self.progress_bar.setValue(0)
        self.progress_label.setText(
            f"Copie du cabinet vers {target.label}, puis vérification table par table…"
        )
        self.cancel_button.setEnabled(True)
        self.pages.setCurrentIndex(1)
        self._timer.start()
        service, settings, secret = self._service, self._settings, self._server_password

        def run() -> tuple[Migrated, str]:
            migrated = service.migrate(target, password, self._progress)
            # This computer now opens the office on the server (the password kept in the
            # keyring if asked); the copy is done whatever happens to the settings.
            try:
                warning = connection.save_connection(settings, secret) if settings else ""
            except DomainError as error:
                warning = error.message
            return migrated, warning

        self._background.run(run, self._migrated, self._failed)

    def _progress(self, done: int, total: int) -> bool:
        """Called from the worker thread: two numbers written, a flag read."""
        self._done_total = (done, total)
        return not self._cancel.is_set()

    def _show_progress(self) -> None:
        done, total = self._done_total
        if total:
            self.progress_bar.setValue(int(done * 100 / total))

    def cancel(self) -> None:
        """«Annuler» during the copy: the service rolls everything back."""
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Annulation : le serveur est remis dans son état…")

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._timer.stop()
        if not isinstance(error, DomainError):
            raise error
        self.pages.setCurrentIndex(0)
        message = CANCELLED if isinstance(error, Cancelled) else error.message
        show_refusal(
            DomainError(f"{message}\n{REOPEN}", getattr(error, "field", None)),
            self.error,
            self.fields,
        )
        # The window's connections are closed: Dossia reopens on the file before another try.
        self.migrate_button.setEnabled(False)
        self.close_button.setText("Fermer et rouvrir Dossia")

    def _progress_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("migrationProgressPage")
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.progress_label = plain(QLabel())
        self.progress_label.setObjectName("migrationProgressLabel")
        self.progress_label.setWordWrap(True)
        layout.addWidget(self.progress_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("migrationProgressBar")
        self.progress_bar.setRange(0, 100)
        layout.addWidget(self.progress_bar)
        hint = set_role(
            QLabel(
                "Rien n'est écrit sur le serveur avant la fin de la vérification : annuler ne "
                "laisse aucune trace, ni sur le serveur ni dans le fichier."
            ),
            "hint",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("migrationCancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    # --- the result ------------------------------------------------------------------------

    def _result_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("migrationResultPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.result_title = plain(QLabel())
        self.result_title.setObjectName("migrationResultTitle")
        self.result_title.setWordWrap(True)
        set_role(self.result_title, "title")
        layout.addWidget(self.result_title)
        self.result_table = QTableWidget(0, 3)
        self.result_table.setObjectName("migrationResultTable")
        self.result_table.setHorizontalHeaderLabels(["Table", "Lignes", "Vérification"])
        self.result_table.verticalHeader().hide()
        self.result_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.result_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.result_table.setMinimumHeight(200)
        layout.addWidget(self.result_table, 1)
        self.report_label = plain(QLabel())
        self.report_label.setObjectName("migrationReportLabel")
        self.report_label.setWordWrap(True)
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.report_label)
        report_row = QHBoxLayout()
        self.open_report_button = QPushButton("Ouvrir le rapport")
        self.open_report_button.setObjectName("openMigrationReportButton")
        self.open_report_button.clicked.connect(lambda: self._open(report=True))
        self.open_folder_button = QPushButton("Ouvrir le dossier")
        self.open_folder_button.setObjectName("openMigrationFolderButton")
        self.open_folder_button.clicked.connect(lambda: self._open(report=False))
        report_row.addWidget(self.open_report_button)
        report_row.addWidget(self.open_folder_button)
        report_row.addStretch(1)
        layout.addLayout(report_row)
        self.settings_note = plain(QLabel())
        self.settings_note.setObjectName("migrationSettingsNote")
        self.settings_note.setWordWrap(True)
        layout.addWidget(self.settings_note)
        row = QHBoxLayout()
        row.addStretch(1)
        self.restart_button = primary(QPushButton("Redémarrer maintenant"))
        self.restart_button.setObjectName("migrationRestartButton")
        self.restart_button.clicked.connect(self.accept)
        self.quit_button = QPushButton("Quitter Dossia")
        self.quit_button.setObjectName("migrationQuitButton")
        self.quit_button.clicked.connect(self.reject)
        row.addWidget(self.restart_button)
        row.addWidget(self.quit_button)
        layout.addLayout(row)
        return page

    def _migrated(self, outcome: object) -> None:
        if not isValid(self):
            return
        self._timer.stop()
        migrated, warning = outcome  # type: ignore[misc]
        self.migrated, self.settings_warning = migrated, warning
        tables = migrated.copy.tables
        same = all(table.same for table in tables)
        self.result_title.setText(
            f"Cabinet migré : {_count(migrated.copy.rows)} lignes dans {len(tables)} tables, "
            + ("toutes identiques sur le serveur." if same else "DES DIFFÉRENCES ont été vues.")
            + " "
            + migrated.documents_summary
        )
        self.result_table.setRowCount(len(tables))
        for row, table in enumerate(tables):
            rows = QTableWidgetItem(_count(table.rows))
            rows.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, item in enumerate(
                (
                    QTableWidgetItem(table.name),
                    rows,
                    QTableWidgetItem("identique" if table.same else "DIFFÉRENTE"),
                )
            ):
                self.result_table.setItem(row, column, item)
        if migrated.report is not None:
            self.report_label.setText(f"Rapport de la migration : {migrated.report}")
        else:
            self.report_label.setText(NO_REPORT)
        self.open_report_button.setEnabled(migrated.report is not None)
        note = (
            f"Ce poste ouvrira désormais le cabinet sur le serveur ({migrated.server}). "
            f"Le fichier {migrated.kept_file} est conservé en lecture seule, comme sauvegarde. "
            "Sur les autres postes : Fichier › Connexion… › Serveur du cabinet."
        )
        if warning:
            note += "\n\n" + warning
        self.settings_note.setText(note)
        self.pages.setCurrentIndex(2)

    def _open(self, report: bool) -> None:
        if self.migrated is not None:
            kept = self.migrated.kept_file
            target = self.migrated.report if report else kept.parent
            if target is None:
                return
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    # --- closing -----------------------------------------------------------------------------

    def reject(self) -> None:
        if self.busy or self._timer.isActive():
            return  # a check or the copy running: «Annuler» first
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        if self.migrated is not None:
            # The office is on the server now: opened there («Redémarrer maintenant») or
            # Dossia quits; this window's data are the file kept as a backup.
            self._window.reconnect_requested = bool(result)
            if result:
                self._window.restart()
            else:
                self._window.close()
        elif self.released:
            self._window.restart()  # back on the file, as it was


def _with_password(location: ServerLocation) -> ServerLocation:
    """The password typed, else the one this computer's keyring remembers for that server."""
    if location.password is not None:
        return location
    return connection.with_remembered_password(location)


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")
