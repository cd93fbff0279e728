"""«Projet», «Crédit», «Patrimoine»: the tabs, through the widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
)

from app.dossier.situation import ItemKind
from models.enums import DossierTab, LoanKind, ProjectNature, SavingsKind
from tests.helpers import new_dossier, type_text


@pytest.fixture
def dossier(workspace):
    return new_dossier(workspace)


def auto(workspace, dossier_id, tab):
    return [c for c in workspace.comments.list(dossier_id) if c.automatic and c.tab is tab]


# --- the tabs ---


def open_tab(window, title: str) -> None:
    tabs = window.view.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == title))


def test_project_tab_saves_each_field_and_computes_totals(qtbot, workspace, open_dossier, dossier):
    window = open_dossier(dossier.id)
    open_tab(window, "Projet")
    nature = window.findChild(QComboBox, "projectNature")
    nature.setCurrentIndex(nature.findData(ProjectNature.NEW_BUILD.value))
    for name, text in (
        ("projectPrice", "250 000"),
        ("projectNotaryFees", "7 500"),
        ("projectContribution", "30000"),
    ):
        edit = window.findChild(QLineEdit, name)
        edit.setText(text)
        edit.editingFinished.emit()
    project = workspace.situation.get(dossier.id).project
    assert (
        project.nature,
        project.price_cents,
        project.notary_fees_cents,
        project.contribution_cents,
    ) == (
        ProjectNature.NEW_BUILD,
        250_000_00,
        7_500_00,
        30_000_00,
    )
    assert window.findChild(QLabel, "projectTotalLabel").text() == "257\u202f500,00\u00a0€"
    assert window.findChild(QLabel, "projectToFinanceLabel").text() == "227\u202f500,00\u00a0€"
    edit = window.findChild(QLineEdit, "projectWorks")
    edit.setText("beaucoup")
    edit.editingFinished.emit()
    assert "Montant invalide" in window.findChild(QLabel, "projectError").text()
    assert edit.text() == "beaucoup"


def test_credit_tab_adds_a_loan_to_buy_back(qtbot, workspace, open_dossier, dossier):
    window = open_dossier(dossier.id)
    open_tab(window, "Crédit")
    qtbot.mouseClick(window.findChild(QPushButton, "addLoanButton"), Qt.MouseButton.LeftButton)
    dialog = window.findChild(QDialog, "loanDialog")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.text()
    type_text(qtbot, dialog.findChild(QLineEdit, "loanLender"), "Sofinco")
    kind = dialog.findChild(QComboBox, "loanKind")
    kind.setCurrentIndex(kind.findData(LoanKind.REVOLVING.value))
    dialog.findChild(QLineEdit, "loanMonthlyPayment").setText("120,50")
    dialog.findChild(QCheckBox, "loanToBuyBack").setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.error.text()
    table = window.findChild(QTableView, "loanTable")
    assert [table.model().index(0, c).data() for c in (0, 1, 2, 5)] == [
        "Sofinco",
        "Crédit renouvelable",
        "120,50\u00a0€",
        "Oui",
    ]
    assert (
        "0,00" in window.findChild(QLabel, "monthlyDebtsLabel").text()
    )  # bought back: not counted
    assert any("racheter" in c.body for c in auto(workspace, dossier.id, DossierTab.CREDIT))


def test_assets_tab_lists_savings(qtbot, workspace, open_dossier, dossier):
    window = open_dossier(dossier.id)
    open_tab(window, "Patrimoine")
    qtbot.mouseClick(window.findChild(QPushButton, "addSavingsButton"), Qt.MouseButton.LeftButton)
    dialog = window.findChild(QDialog, "savingsDialog")
    kind = dialog.findChild(QComboBox, "savingsKind")
    kind.setCurrentIndex(kind.findData(SavingsKind.PEL.value))
    dialog.findChild(QLineEdit, "savingsAmount").setText("-5")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "négatif" in dialog.error.text()
    dialog.findChild(QLineEdit, "savingsAmount").setText("18 000")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "18\u202f000,00" in window.findChild(QLabel, "netWorthLabel").text()
    window.findChild(QTableView, "savingsTable").selectRow(0)
    box = window.view.assets_tab.savings.remove()
    qtbot.mouseClick(
        box.findChild(QPushButton, "confirmRemoveSavingsButton"), Qt.MouseButton.LeftButton
    )
    assert workspace.situation.get(dossier.id).items[ItemKind.SAVINGS] == ()
