"""Outils › «Dossiers emportés…» (issue 11, a manager on the office's server): the check-outs
not brought back yet, and «Forcer le retour…» for one whose laptop will not come back soon."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.text import format_datetime
from ui.common import ErrorLabel, TableModel, confirm, plain, set_role
from ui.operations import attempt

if TYPE_CHECKING:
    from app.carry.carry_service import CarryInfo  # SQLAlchemy
    from app.workspace import Workspace

HEADERS = ("Courtier", "Portable", "Préfixe", "Emportés le", "Dossiers")
CONSEQUENCES = (
    "Les dossiers redeviennent modifiables au bureau dès maintenant.\n\n"
    "Le portable pourra encore rapporter son travail plus tard : ce qui n'a changé que d'un "
    "côté sera gardé, et ce qui aura changé des deux côtés sera tranché champ par champ par "
    "le courtier au retour (les deux versions restent conservées avec le dossier)."
)


class CarriesDialog(QDialog):
    """The open check-outs (who, laptop, prefix, since, how many) and «Forcer le retour…»."""

    def __init__(self, parent: QWidget, workspace: Workspace) -> None:
        super().__init__(parent)
        self.setObjectName("carriesDialog")
        self.setWindowTitle("Dossiers emportés")
        self.setModal(True)
        self._service = workspace.carries
        layout = QVBoxLayout(self)
        intro = set_role(
            QLabel(
                "Les dossiers emportés sur un portable sont en lecture seule au bureau jusqu'à "
                "leur retour. Si un portable ne revient pas (perdu, courtier absent), forcez "
                "le retour de ses dossiers."
            ),
            "hint",
        )
        intro.setObjectName("carriesIntro")
        layout.addWidget(intro)
        self.model = TableModel(HEADERS, right_aligned=frozenset({4}), tooltips=True)
        self.table = QTableView()
        self.table.setObjectName("carriesTable")
        self.table.setAccessibleName("Dossiers emportés")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        layout.addWidget(self.table, 1)
        self.empty_label = set_role(plain(QLabel()), "hint")
        self.empty_label.setObjectName("carriesEmptyLabel")
        layout.addWidget(self.empty_label)
        self.message = set_role(plain(QLabel()), "hint")
        self.message.setObjectName("carriesMessage")
        self.message.hide()
        layout.addWidget(self.message)
        self.error = ErrorLabel("carriesError")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.force_button = QPushButton("Forcer le retour…")
        self.force_button.setObjectName("forceBackButton")
        self.force_button.setProperty("danger", True)
        self.force_button.clicked.connect(lambda: self.ask_force_back())
        buttons.addWidget(self.force_button)
        buttons.addStretch(1)
        close = QPushButton("Fermer")
        close.setObjectName("carriesCloseButton")
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._selected())
        self.resize(760, 380)
        self.reload()

    def reload(self) -> None:
        outcome = attempt(self._service.carries)
        if outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
            return
        carries: list[CarryInfo] = outcome.value or []
        rows: list[tuple[str, ...]] = [
            (
                carry.who,
                carry.machine,
                carry.prefix,
                format_datetime(carry.started_at),
                str(carry.dossier_count),
            )
            for carry in carries
        ]
        self.model.set_rows(list(carries), rows)
        self.empty_label.setText("" if carries else "Aucun dossier n'est emporté en ce moment.")
        self.empty_label.setVisible(not carries)
        if carries:
            self.table.selectRow(0)
        self._selected()

    def _selected(self) -> None:
        self.force_button.setEnabled(self.selected() is not None)

    def selected(self) -> CarryInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item_at(rows[0].row()) if rows else None

    def ask_force_back(self) -> QMessageBox | None:
        """«Forcer le retour…»: the consequences said first; «Annuler» is the default."""
        carry = self.selected()
        if carry is None:
            return None
        return confirm(
            self,
            "forceBackDialog",
            "Forcer le retour",
            (
                "Forcer le retour du dossier emporté"
                if carry.dossier_count == 1
                else f"Forcer le retour des {carry.dossier_count} dossiers emportés"
            )
            + f" par {carry.who} sur le portable {carry.machine} le "
            f"{format_datetime(carry.started_at)} ?",
            "Forcer le retour",
            lambda: self.force_back(carry),
            CONSEQUENCES,
        )

    def force_back(self, carry: CarryInfo) -> None:
        self.error.clear_message()
        outcome = attempt(lambda: self._service.force_back(carry.id))
        if outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
        else:
            self.message.setText(
                f"Les dossiers emportés par {carry.who} sont de nouveau modifiables au bureau."
            )
            self.message.show()
        self.reload()
