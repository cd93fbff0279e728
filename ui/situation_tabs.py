"""«Projet», «Crédit» and «Patrimoine» tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.dossier.situation import (
    ChargeData,
    ItemKind,
    LoanData,
    ProjectData,
    RealEstateData,
    SavingsData,
    SituationInfo,
)
from app.text import format_amount
from models.enums import ChargeKind, DossierTab, LoanKind, ProjectNature, ProjectUse, SavingsKind
from ui.common import comment_button, field_name, field_value
from ui.forms import AutoSaveForm, FieldSpec, ItemsPanel

if TYPE_CHECKING:
    from ui.dossier_window import DossierView

PROJECT_FIELDS = (
    FieldSpec("nature", "Nature du projet", ProjectNature),
    FieldSpec("use", "Usage", ProjectUse),
    FieldSpec("address", "Adresse du bien"),
    FieldSpec("postal_code", "Code postal"),
    FieldSpec("city", "Ville"),
    FieldSpec("price_cents", "Prix du bien (€)", "amount"),
    FieldSpec("notary_fees_cents", "Frais de notaire (€)", "amount"),
    FieldSpec("works_cents", "Travaux (€)", "amount"),
    FieldSpec("agency_fees_cents", "Frais d'agence (€)", "amount"),
    FieldSpec("other_costs_cents", "Autres frais (€)", "amount"),
    FieldSpec("contribution_cents", "Apport personnel (€)", "amount"),
)
LOAN_FIELDS = (
    FieldSpec("lender", "Organisme prêteur"),
    FieldSpec("kind", "Type", LoanKind, 150),
    FieldSpec("monthly_payment_cents", "Mensualité (€)", "amount", 120),
    FieldSpec("remaining_capital_cents", "Capital restant dû (€)", "amount", 185),
    FieldSpec("end_date", "Fin", "date", 100),
    FieldSpec("to_buy_back", "À racheter", "check", 90),
)
CHARGE_FIELDS = (
    FieldSpec("kind", "Charge", ChargeKind, 200),
    FieldSpec("label", "Précision"),
    FieldSpec("monthly_cents", "Montant mensuel (€)", "amount", 175),
)
ESTATE_FIELDS = (
    FieldSpec("description", "Bien"),
    FieldSpec("value_cents", "Valeur (€)", "amount", 140),
    FieldSpec("remaining_loan_cents", "Capital restant dû (€)", "amount", 185),
)
SAVINGS_FIELDS = (
    FieldSpec("kind", "Épargne", SavingsKind),
    FieldSpec("amount_cents", "Montant (€)", "amount", 160),
)


def _top_bar(view, tab: DossierTab) -> tuple[QHBoxLayout, object]:
    bar = QHBoxLayout()
    bar.addStretch(1)
    button = comment_button(lambda: view.open_comment(tab))
    bar.addWidget(button)
    return bar, button


class ProjectTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("projectTab")
        self.view = view
        layout = QVBoxLayout(self)
        bar, self.add_comment_button = _top_bar(view, DossierTab.PROJECT)
        layout.addLayout(bar)
        columns = QHBoxLayout()
        self.form = AutoSaveForm("Projet", "project", PROJECT_FIELDS, self._save, ProjectData())
        columns.addWidget(self.form, 3)
        totals = QGridLayout()
        self.total_label = field_value("projectTotalLabel")
        self.finance_label = field_value("projectToFinanceLabel")
        totals.addWidget(field_name("Coût total de l'opération"), 0, 0)
        totals.addWidget(self.total_label, 0, 1)
        totals.addWidget(field_name("Montant à financer"), 1, 0)
        totals.addWidget(self.finance_label, 1, 1)
        side = QVBoxLayout()
        side.addLayout(totals)
        side.addStretch(1)
        columns.addLayout(side, 2)
        layout.addLayout(columns)
        layout.addStretch(1)

    def _save(self, data: ProjectData, _field: str):
        return self.view.execute_situation(lambda s, d: s.save_project(d.id, d.version, data))

    def render(self, info: SituationInfo) -> None:
        self.form.show_data(info.project, info.read_only)
        self.total_label.setText(format_amount(info.project.total_cents))
        self.finance_label.setText(format_amount(info.project.to_finance_cents))
        self.add_comment_button.setEnabled(not info.read_only)


class CreditTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("creditTab")
        layout = QVBoxLayout(self)
        bar, self.add_comment_button = _top_bar(view, DossierTab.CREDIT)
        layout.addLayout(bar)
        self.loans = ItemsPanel(
            "Prêts en cours",
            "loan",
            "prêt en cours",
            LOAN_FIELDS,
            LoanData,
            ItemKind.LOAN,
            view.execute_situation,
        )
        self.charges = ItemsPanel(
            "Autres charges mensuelles",
            "charge",
            "charge",
            CHARGE_FIELDS,
            ChargeData,
            ItemKind.CHARGE,
            view.execute_situation,
        )
        layout.addWidget(self.loans)
        layout.addWidget(self.charges)
        self.debts = QLabel()
        self.debts.setObjectName("monthlyDebtsLabel")
        layout.addWidget(self.debts)
        layout.addStretch(1)

    def render(self, info: SituationInfo) -> None:
        loans = info.items[ItemKind.LOAN]
        self.loans.render(
            loans,
            info.read_only,
            f"Mensualités : {format_amount(sum(i.data.monthly_payment_cents for i in loans))}",
        )
        charges = info.items[ItemKind.CHARGE]
        self.charges.render(
            charges,
            info.read_only,
            f"Total : {format_amount(sum(i.data.monthly_cents for i in charges))}",
        )
        self.debts.setText(
            f"<b>Charges retenues pour l'endettement</b> (prêts conservés et autres charges) : "
            f"{format_amount(info.monthly_debts_cents)} par mois"
        )
        self.add_comment_button.setEnabled(not info.read_only)


class AssetsTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("assetsTab")
        layout = QVBoxLayout(self)
        bar, self.add_comment_button = _top_bar(view, DossierTab.ASSETS)
        layout.addLayout(bar)
        self.estate = ItemsPanel(
            "Biens immobiliers",
            "estate",
            "bien immobilier",
            ESTATE_FIELDS,
            RealEstateData,
            ItemKind.REAL_ESTATE,
            view.execute_situation,
        )
        self.savings = ItemsPanel(
            "Épargne",
            "savings",
            "épargne",
            SAVINGS_FIELDS,
            SavingsData,
            ItemKind.SAVINGS,
            view.execute_situation,
        )
        layout.addWidget(self.estate)
        layout.addWidget(self.savings)
        self.net_worth = QLabel()
        self.net_worth.setObjectName("netWorthLabel")
        layout.addWidget(self.net_worth)
        layout.addStretch(1)

    def render(self, info: SituationInfo) -> None:
        estate = info.items[ItemKind.REAL_ESTATE]
        self.estate.render(
            estate,
            info.read_only,
            f"Valeur : {format_amount(sum(i.data.value_cents for i in estate))}",
        )
        savings = info.items[ItemKind.SAVINGS]
        self.savings.render(
            savings,
            info.read_only,
            f"Total : {format_amount(sum(i.data.amount_cents for i in savings))}",
        )
        self.net_worth.setText(f"<b>Patrimoine net</b> : {format_amount(info.net_worth_cents)}")
        self.add_comment_button.setEnabled(not info.read_only)
