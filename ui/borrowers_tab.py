"""«Emprunteurs»: the porteur de projet and the co-emprunteur, each field saved at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.dossier.household import BorrowerData
from app.dossier.household_service import HouseholdInfo
from app.errors import DomainError
from models.enums import Contract, DossierTab, MaritalStatus, MatrimonialRegime
from ui.common import comment_button, confirm
from ui.forms import AutoSaveForm, FieldSpec

if TYPE_CHECKING:
    from ui.dossier_window import DossierView


def _married(data: BorrowerData) -> bool:
    return data.marital_status is MaritalStatus.MARRIED


BORROWER_FIELDS = (
    FieldSpec("civility", "Civilité", ("", "Mme", "M.")),
    FieldSpec("last_name", "Nom*"),
    FieldSpec("first_name", "Prénom"),
    FieldSpec("birth_name", "Nom de naissance"),
    FieldSpec("birth_date", "Date de naissance", "date"),
    FieldSpec("birth_place", "Lieu de naissance"),
    FieldSpec("nationality", "Nationalité"),
    FieldSpec("marital_status", "Situation familiale", MaritalStatus),
    FieldSpec("matrimonial_regime", "Régime matrimonial", MatrimonialRegime, enabled_if=_married),
    FieldSpec("address", "Adresse"),
    FieldSpec("postal_code", "Code postal"),
    FieldSpec("city", "Ville"),
    FieldSpec("phone", "Téléphone"),
    FieldSpec("email", "E-mail"),
    FieldSpec("profession", "Profession"),
    FieldSpec("employer", "Employeur"),
    FieldSpec("contract", "Contrat de travail", Contract),
    FieldSpec("employed_since", "En poste depuis", "date"),
    FieldSpec("net_monthly_income_cents", "Revenu net mensuel (€)", "amount"),
    FieldSpec("other_income_cents", "Autres revenus mensuels (€)", "amount"),
    FieldSpec("rental_income_cents", "Revenus locatifs mensuels (€)", "amount"),
)


def borrower_form(tab: BorrowersTab, rank: int) -> AutoSaveForm:
    """One borrower, each field saved when left. A co-emprunteur being added is created
    once his name is typed; the rest of what was typed waits for it."""
    form = AutoSaveForm(
        "Porteur de projet" if rank == 1 else "Co-emprunteur",
        "holder" if rank == 1 else "coBorrower",
        BORROWER_FIELDS,
        lambda data, _field: tab.save_borrower(rank, data),
        BorrowerData(last_name=""),
        creates=lambda data: bool(data.last_name.strip()),
    )
    return form


class BorrowersTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("borrowersTab")
        self.view = view
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addStretch(1)
        self.add_comment_button = comment_button(lambda: view.open_comment(DossierTab.BORROWERS))
        top.addWidget(self.add_comment_button)
        layout.addLayout(top)
        columns = QHBoxLayout()
        self.holder = borrower_form(self, 1)
        columns.addWidget(self.holder, 1)
        co_column = QVBoxLayout()
        self.co_borrower = borrower_form(self, 2)
        co_column.addWidget(self.co_borrower)
        self.add_co_button = QPushButton("Ajouter un co-emprunteur")
        self.add_co_button.setObjectName("addCoBorrowerButton")
        self.add_co_button.clicked.connect(self._add_co_borrower)
        self.remove_co_button = QPushButton("Retirer le co-emprunteur")
        self.remove_co_button.setObjectName("removeCoBorrowerButton")
        self.remove_co_button.clicked.connect(self._remove_co_borrower)
        co_column.addWidget(self.add_co_button, 0, Qt.AlignmentFlag.AlignLeft)
        co_column.addWidget(self.remove_co_button, 0, Qt.AlignmentFlag.AlignLeft)
        co_column.addStretch(1)
        columns.addLayout(co_column, 1)
        layout.addLayout(columns)
        layout.addStretch(1)

    def render(self, info: HouseholdInfo) -> None:
        self.holder.show_data(info.borrowers[0] if info.borrowers else None, info.read_only)
        co = info.co_borrower
        self.co_borrower.show_data(co, info.read_only)
        self.co_borrower.setVisible(co is not None or self._adding_co)
        self.add_co_button.setVisible(co is None and not self._adding_co and not info.read_only)
        self.remove_co_button.setVisible(co is not None and not info.read_only)
        self.add_comment_button.setEnabled(not info.read_only)

    _adding_co = False

    def _add_co_borrower(self) -> None:
        self._adding_co = True
        self.co_borrower.show()
        self.add_co_button.hide()
        self.co_borrower.widgets["last_name"].setFocus()

    def save_borrower(self, rank: int, data: BorrowerData) -> DomainError | None:
        refusal = self.view.execute_household(
            lambda service, detail: service.save_borrower(detail.id, detail.version, rank, data)
        )
        if refusal is None and rank == 2:
            self._adding_co = False
        return refusal

    def _remove_co_borrower(self) -> QMessageBox:
        return confirm(
            self,
            "removeCoBorrowerDialog",
            "Retirer le co-emprunteur",
            "Retirer le co-emprunteur de ce dossier ? Ses informations seront effacées.",
            "Retirer",
            lambda: self.view.execute_household(
                lambda service, detail: service.remove_co_borrower(detail.id, detail.version)
            ),
        )
