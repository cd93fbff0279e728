"""Outils › «Rapporter les dossiers au bureau…» (issue 11, in a laptop's file): connect to
the server the dossiers came from (its password asked if it wants one), show what the return
would do, let the broker settle each field changed on both sides, then write it all in one
transaction on the server and reopen Dossia there."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app import connection, startup
from app.carry.carry_service import LAPTOP, OFFICE
from app.errors import Cancelled, DomainError
from app.paths import ServerLocation, parse_location
from app.text import format_datetime
from ui.carry import server_name
from ui.carry.conflicts import LAPTOP_COLUMN, OFFICE_COLUMN, ConflictModel
from ui.carry.progress import ProgressPage
from ui.common import ErrorLabel, field_name, field_value, plain, primary, set_role
from ui.launcher import ask_server_password
from ui.workers import Background

if TYPE_CHECKING:
    from app.carry.carry_service import CarryInfo, Returned, ReturnPlan  # SQLAlchemy
    from ui.main_window import MainWindow

CONNECT, PLAN, COPY, RESULT = range(4)
NO_PASSWORD = (
    "Le serveur du cabinet demande son mot de passe, qui n'a pas été donné. « Réessayer » "
    "le redemande."
)
CANCELLED = "Retour annulé : rien n'a été écrit sur le serveur."


class _PasswordAsked:
    """The server wants a password (none remembered, or the one remembered refused)."""

    def __init__(self, location: ServerLocation, opening: startup.Opening) -> None:
        self.location = location
        self.opening = opening


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


class CarryReturnDialog(QDialog):
    """Connecting, the plan (and its conflicts to settle), the progress with «Annuler», then
    what came back and «Redémarrer maintenant» (Dossia then opens the server again)."""

    def __init__(self, window: MainWindow, carry: CarryInfo) -> None:
        super().__init__(window)
        self.setObjectName("carryReturnDialog")
        self.setWindowTitle("Rapporter les dossiers au bureau")
        self.setModal(True)
        self._window = window
        self._service = window.workspace.carries
        self._carry = carry
        self._background = Background()
        self._location: ServerLocation | None = None
        self.plan: ReturnPlan | None = None
        self.returned: Returned | None = None
        outer = QVBoxLayout(self)
        self.pages = QStackedWidget()
        self.pages.setObjectName("carryReturnPages")
        outer.addWidget(self.pages)
        self.pages.addWidget(self._connect_page())
        self.pages.addWidget(self._plan_page())
        self.progress = ProgressPage(
            "carryReturn",
            "Tout est écrit sur le serveur en une fois, à la fin : annuler n'y laisse rien, "
            "et ce portable garde son travail.",
            "Annulation : rien n'est écrit sur le serveur…",
        )
        self.pages.addWidget(self.progress)
        self.pages.addWidget(self._result_page())
        self.setMinimumSize(840, 540)
        self.connect_to_server()

    # --- connecting --------------------------------------------------------------------------

    def _connect_page(self) -> QWidget:
        page, layout = _titled_page(
            "carryConnectPage", "Rapporter les dossiers au bureau", "carryConnectTitle"
        )
        layout.addStretch(1)
        self.connect_label = plain(QLabel())
        self.connect_label.setObjectName("carryConnectLabel")
        self.connect_label.setWordWrap(True)
        layout.addWidget(self.connect_label)
        self.connect_bar = QProgressBar()
        self.connect_bar.setObjectName("carryConnectBar")
        self.connect_bar.setRange(0, 0)
        self.connect_bar.setTextVisible(False)
        layout.addWidget(self.connect_bar)
        self.connect_error = ErrorLabel("carryConnectError")
        layout.addWidget(self.connect_error)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.retry_button = QPushButton("Réessayer")
        self.retry_button.setObjectName("carryRetryButton")
        self.retry_button.clicked.connect(lambda: self.connect_to_server())
        self.retry_button.hide()
        close = QPushButton("Fermer")
        close.setObjectName("carryConnectCloseButton")
        close.clicked.connect(self.reject)
        row.addWidget(self.retry_button)
        row.addWidget(close)
        layout.addLayout(row)
        return page

    def connect_to_server(self, location: ServerLocation | None = None) -> None:
        """Reach the server the dossiers came from and read the plan (in a worker); a
        server that wants a password has it asked (as at start-up), then tried again."""
        if self._background.busy:
            return
        carry, service = self._carry, self._service
        self.pages.setCurrentIndex(CONNECT)
        self.connect_label.setText(
            f"Connexion au serveur du cabinet ({server_name(carry.server)}) et comparaison de "
            "vos dossiers avec ceux du bureau…"
        )
        self.connect_bar.show()
        self.connect_error.clear_message()
        self.retry_button.hide()

        def work() -> object:
            target = location
            if target is None:
                found = parse_location(carry.server, "serveur")
                if not isinstance(found, ServerLocation):
                    raise DomainError("Ces dossiers ne viennent pas d'un serveur du cabinet.")
                target = connection.with_remembered_password(found)
                opening = startup.open_office(target)
                if opening.password_refused:
                    return _PasswordAsked(target, opening)
            return target, service.plan_return(target)

        self._background.run(work, self._connected, self._connect_failed)

    def _connected(self, outcome: object) -> None:
        if not isValid(self) or not self.isVisible():
            return  # closed while connecting
        if isinstance(outcome, _PasswordAsked):
            asked = ask_server_password(outcome.location, outcome.opening)
            if asked is None:
                self._connect_failed(DomainError(NO_PASSWORD))
            else:
                self.connect_to_server(asked[0])
            return
        location, plan = cast("tuple[ServerLocation, ReturnPlan]", outcome)
        self._location = location
        self.show_plan(plan)

    def _connect_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        if not isinstance(error, DomainError):
            raise error
        if not self.isVisible():
            return
        self.pages.setCurrentIndex(CONNECT)
        self.connect_bar.hide()
        self.connect_label.setText("Les dossiers ne peuvent pas être rapportés pour l'instant :")
        self.connect_error.show_message(error.message)
        self.retry_button.show()

    # --- the plan ------------------------------------------------------------------------------

    def _plan_page(self) -> QWidget:
        page, layout = _titled_page(
            "carryPlanPage", "Rapporter les dossiers au bureau", "carryPlanTitle"
        )
        self.summary = plain(QLabel())
        self.summary.setObjectName("carryPlanSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        figures = QGridLayout()
        figures.setContentsMargins(12, 4, 0, 4)
        figures.setHorizontalSpacing(16)
        figures.setVerticalSpacing(2)
        figures.setColumnStretch(2, 1)
        self.figures: dict[str, QLabel] = {}
        for line, (key, text) in enumerate(
            (
                ("dossiers", "Dossiers emportés"),
                ("changed", "Modifiés sur ce portable"),
                ("new", "Créés hors du bureau"),
                ("changes", "Changements à écrire au bureau"),
                ("conflicts", "Différences à trancher"),
            )
        ):
            name = field_name(text)
            name.setWordWrap(False)
            figures.addWidget(name, line, 0)
            value = field_value(f"carryPlan_{key}")
            value.setWordWrap(False)
            value.setMinimumWidth(48)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            figures.addWidget(value, line, 1)
            self.figures[key] = value
        layout.addLayout(figures)
        self.forced_label = plain(QLabel())
        self.forced_label.setObjectName("carryForcedBack")
        self.forced_label.setWordWrap(True)
        layout.addWidget(self.forced_label)
        self.blocked_label = set_role(plain(QLabel()), "error")
        self.blocked_label.setObjectName("carryBlocked")
        layout.addWidget(self.blocked_label)
        self.conflicts_box = QWidget()
        self.conflicts_box.setObjectName("carryConflictsBox")
        box = QVBoxLayout(self.conflicts_box)
        box.setContentsMargins(0, 6, 0, 0)
        hint = set_role(
            QLabel(
                "Ces champs ont été modifiés au bureau et sur ce portable : pour chacun, "
                "cliquez la version à garder. L'autre reste conservée avec le dossier."
            ),
            "hint",
        )
        box.addWidget(hint)
        row = QHBoxLayout()
        self.all_laptop_button = QPushButton("Tout garder du portable")
        self.all_laptop_button.setObjectName("carryKeepAllLaptopButton")
        self.all_laptop_button.clicked.connect(lambda: self.conflicts.choose_all(LAPTOP_COLUMN))
        self.all_office_button = QPushButton("Tout garder du bureau")
        self.all_office_button.setObjectName("carryKeepAllOfficeButton")
        self.all_office_button.clicked.connect(lambda: self.conflicts.choose_all(OFFICE_COLUMN))
        row.addWidget(self.all_laptop_button)
        row.addWidget(self.all_office_button)
        row.addStretch(1)
        self.chosen_label = set_role(plain(QLabel()), "hint")
        self.chosen_label.setObjectName("carryChosenLabel")
        self.chosen_label.setWordWrap(False)
        self.chosen_label.setMinimumWidth(
            self.chosen_label.fontMetrics().horizontalAdvance("9999 choix faits sur 9999") + 8
        )
        self.chosen_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.chosen_label)
        box.addLayout(row)
        self.conflicts: ConflictModel = ConflictModel(OFFICE, LAPTOP)
        self.conflicts.choicesChanged.connect(self._choices_changed)
        self.conflicts_table = QTableView()
        self.conflicts_table.setObjectName("carryConflicts")
        self.conflicts_table.setAccessibleName("Différences à trancher")
        self.conflicts_table.setModel(self.conflicts)
        self.conflicts_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.conflicts_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conflicts_table.setWordWrap(False)
        self.conflicts_table.verticalHeader().hide()
        self.conflicts_table.verticalHeader().setDefaultSectionSize(30)
        header = self.conflicts_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 170)
        header.resizeSection(3, 170)
        header.setHighlightSections(False)
        self.conflicts_table.clicked.connect(self._clicked)
        box.addWidget(self.conflicts_table, 1)
        layout.addWidget(self.conflicts_box, 1)
        self.plan_stretch = QWidget()  # fills the page when there is no table
        layout.addWidget(self.plan_stretch, 1)
        self.error = ErrorLabel("carryReturnError")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.return_button = primary(QPushButton("Rapporter"))
        self.return_button.setObjectName("carryReturnButton")
        self.return_button.setDefault(True)
        self.return_button.clicked.connect(self.bring_back)
        close = QPushButton("Fermer")
        close.setObjectName("carryReturnCloseButton")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.return_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        return page

    def show_plan(self, plan: ReturnPlan, message: str = "") -> None:
        """The plan read from both sides; the choices already made are kept."""
        self.plan = plan
        carry = self._carry
        self.summary.setText(
            f"Vos dossiers emportés le {format_datetime(carry.started_at)} reviennent au "
            f"serveur du cabinet ({server_name(carry.server)}), en une seule fois : ils y "
            "redeviennent modifiables, et ce que vous avez fait hors du bureau y est écrit."
        )
        for key, number in (
            ("dossiers", plan.dossiers),
            ("changed", plan.changed_dossiers),
            ("new", plan.new_dossiers),
            ("changes", plan.changes),
            ("conflicts", len(plan.conflicts)),
        ):
            self.figures[key].setText(str(number))
        self.forced_label.setVisible(plan.forced_back)
        if plan.forced_back:
            self.forced_label.setText(
                "Un responsable a repris ces dossiers entre-temps : ils ont pu être modifiés "
                "au bureau. Ce qui n'a changé que d'un côté est gardé ; ce qui a changé des "
                "deux côtés est à trancher" + (" ci-dessous." if plan.conflicts else " (rien ici).")
            )
        self.blocked_label.setVisible(bool(plan.blocked))
        if plan.blocked:
            self.blocked_label.setText(
                f"{plan.blocked}\nRien ne peut être rapporté pour l'instant."
            )
        self.conflicts.set_conflicts(plan.conflicts, self.conflicts.choices)
        has_conflicts = bool(plan.conflicts) and not plan.blocked
        self.conflicts_box.setVisible(has_conflicts)
        self.plan_stretch.setVisible(not has_conflicts)
        self.error.show_message(message)
        self.pages.setCurrentIndex(PLAN)
        self._choices_changed()

    def _clicked(self, index: QModelIndex) -> None:
        self.conflicts.choose(index.row(), index.column())

    def _choices_changed(self) -> None:
        plan = self.plan
        total = self.conflicts.rowCount()
        chosen = self.conflicts.chosen_count
        self.chosen_label.setText(f"{chosen} choix fait{'s' if chosen > 1 else ''} sur {total}")
        ready = plan is not None and not plan.blocked and self.conflicts.complete
        self.return_button.setEnabled(ready)
        self.return_button.setToolTip(
            ""
            if ready or (plan is not None and plan.blocked)
            else "Choisissez d'abord la version à garder pour chaque différence."
        )

    # --- bringing back ---------------------------------------------------------------------------

    def bring_back(self) -> None:
        """«Rapporter»: one transaction on the server, in a worker."""
        if self._background.busy or not self.return_button.isEnabled():
            return
        location, choices, service = self._location, self.conflicts.choices, self._service
        assert location is not None
        progress = self.progress
        self.error.clear_message()
        self.progress.start("Écriture de vos dossiers sur le serveur du cabinet…")
        self.pages.setCurrentIndex(COPY)
        self._background.run(
            lambda: service.bring_back(location, choices, progress.progress),
            self._brought_back,
            self._failed,
        )

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.progress.stop()
        if not isinstance(error, DomainError):
            raise error
        if isinstance(error, Cancelled):
            self.pages.setCurrentIndex(PLAN)
            self.error.show_message(CANCELLED)
            return
        # New differences (someone changed a dossier at the office meanwhile), or the state
        # of the check-out changed: the plan read again, the choices made kept.
        location, service, message = self._location, self._service, error.message
        assert location is not None
        self.pages.setCurrentIndex(CONNECT)
        self.connect_label.setText("Relecture des différences entre le bureau et ce portable…")
        self.connect_bar.show()
        self.connect_error.clear_message()
        self.retry_button.hide()
        self._background.run(
            lambda: service.plan_return(location),
            lambda plan: self.show_plan(plan, message),  # type: ignore[arg-type]
            self._connect_failed,
        )

    def _brought_back(self, result: object) -> None:
        if not isValid(self):
            return
        self.progress.stop()
        self.returned = returned = cast("Returned", result)
        parts = [
            f"{_plural(returned.dossiers, 'dossier')} rapporté{'s' if returned.dossiers > 1 else ''}",
            f"{returned.new_dossiers} créé{'s' if returned.new_dossiers > 1 else ''} hors du bureau",
            f"{_plural(returned.changes, 'changement')} écrit{'s' if returned.changes > 1 else ''}",
        ]
        if returned.conflicts:
            parts.append(
                f"{_plural(returned.conflicts, 'différence')} tranchée"
                f"{'s' if returned.conflicts > 1 else ''} (les deux versions sont gardées "
                "avec chaque dossier)"
            )
        text = ", ".join(parts) + ". Les dossiers sont de nouveau modifiables au bureau.\n\n"
        if returned.kept_file is not None:
            text += (
                f"Le fichier de ce portable est gardé en lecture seule, comme trace : "
                f"{returned.kept_file}\n\n"
            )
        else:
            text += (
                "Le fichier de ce portable n'a pas pu être mis de côté : fermez Dossia, puis "
                "rouvrez-le ; il ne sera plus rapporté une seconde fois.\n\n"
            )
        text += "Dossia va maintenant rouvrir le cabinet sur le serveur."
        self.result_text.setText(text)
        self.pages.setCurrentIndex(RESULT)
        self.restart_button.setFocus()

    # --- the result --------------------------------------------------------------------------------

    def _result_page(self) -> QWidget:
        page, layout = _titled_page(
            "carryReturnResultPage", "Dossiers rapportés au bureau", "carryReturnResultTitle"
        )
        self.result_text = plain(QLabel())
        self.result_text.setObjectName("carryReturnResultText")
        self.result_text.setWordWrap(True)
        self.result_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_text)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.restart_button = primary(QPushButton("Redémarrer maintenant"))
        self.restart_button.setObjectName("carryReturnRestartButton")
        self.restart_button.clicked.connect(self.accept)
        quit_button = QPushButton("Quitter Dossia")
        quit_button.setObjectName("carryReturnQuitButton")
        quit_button.clicked.connect(self.reject)
        row.addWidget(self.restart_button)
        row.addWidget(quit_button)
        layout.addLayout(row)
        return page

    # --- closing ---------------------------------------------------------------------------------

    def reject(self) -> None:
        if self.progress.running:
            return  # writing on the server: «Annuler» first
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        if self.returned is not None:
            # The laptop's file is set aside: this computer opens the server again
            # («Redémarrer maintenant»), or Dossia quits.
            self._window.reconnect_requested = bool(result)
            if result:
                self._window.restart()
            else:
                self._window.close()


def _titled_page(name: str, title: str, title_name: str) -> tuple[QWidget, QVBoxLayout]:
    """A page of the dialog, its title on top (the widgets' names for the checks)."""
    page = QWidget()
    page.setObjectName(name)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    heading = set_role(QLabel(title), "title")
    heading.setObjectName(title_name)
    layout.addWidget(heading)
    return page, layout
