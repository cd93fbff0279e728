"""«Calculatrice»: a plan without a dossier, then saved into an existing or a new one."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QRadioButton,
    QTabWidget,
    QWidget,
)

from app.listing import ListQuery, ListTab
from tests.helpers import new_dossier
from tests.test_gui_dossier import click, find


def _text(label: QLabel) -> str:
    return label.text().replace("\u202f", " ").replace("\u00a0", " ")


def test_the_calculator_computes_and_saves_into_an_existing_dossier(qtbot, workspace, main_window):
    detail = new_dossier(workspace)
    find(main_window, QAction, "calculatorAction").trigger()
    window = main_window.findChild(QMainWindow, "calculatorWindow")
    assert window is not None and window.isVisible()
    qtbot.addWidget(window)
    assert _text(find(window, QLabel, "calculatorMonthlyLabel")).startswith("1 159,92 €")
    window.lines_view.selectRow(0)
    dialog = window.edit_line()
    find(dialog, QLineEdit, "loanRateEdit").setText("4")
    click(qtbot, dialog.ok_button)
    assert _text(find(window, QLabel, "calculatorMonthlyLabel")).startswith("1 211,96 €")
    assert window.schedule_model.rowCount() == 20
    tabs = find(window, QTabWidget, "calculatorScheduleTabs")
    tabs.setCurrentIndex(1)
    chart = find(window, QWidget, "calculatorChart")
    qtbot.waitUntil(lambda: len(chart.series().get("Capital", [])) == 20)
    save = window.save_to_dossier()
    find(save, QLineEdit, "calculationDossierNumberEdit").setText("1999-00001")
    click(qtbot, save.ok_button)
    assert "Aucun dossier" in find(save, QLabel, "errorLabel").text()
    find(save, QLineEdit, "calculationDossierNumberEdit").setText(detail.number)
    find(save, QLineEdit, "calculationNameEdit").setText("Appel du lundi")
    click(qtbot, save.ok_button)
    assert not save.isVisible()
    [summary] = workspace.simulations.list(detail.id).simulations
    assert summary.name == "Appel du lundi" and summary.rate_mpct == 4000
    opened = main_window.dossier_windows.opened[detail.id]
    qtbot.addWidget(opened)
    assert opened.view.simulations_tab.isVisible()


def test_the_calculator_creates_a_prospect_with_the_plan(qtbot, workspace, main_window):
    window = main_window.open_calculator()
    qtbot.addWidget(window)
    save = window.save_to_dossier()
    click(qtbot, find(save, QRadioButton, "newDossierRadio"))
    click(qtbot, save.ok_button)
    assert save.isVisible()  # a name and a provenance are needed
    find(save, QLineEdit, "calculationLastNameEdit").setText("Appelant")
    combo = find(save, QComboBox, "calculationProvenanceCombo")
    combo.setCurrentIndex(1)
    click(qtbot, save.ok_button)
    assert not save.isVisible()
    [row] = workspace.list_page(ListQuery(tab=ListTab.PROSPECTS, search="appelant"), 0, 5)
    assert [s.name for s in workspace.simulations.list(row.id).simulations] == ["Calcul"]


def test_a_plan_refused_for_a_new_dossier_leaves_no_dossier(qtbot, workspace, main_window):
    from decimal import Decimal

    from app.simulation.plans import CoverData

    window = main_window.open_calculator()
    qtbot.addWidget(window)
    from dataclasses import replace

    line = replace(window.plan.lines[0], covers=(CoverData(2, rate=Decimal("0.3")),))
    window.plan = replace(window.plan, lines=(line,))  # insurance for a second borrower
    save = window.save_to_dossier()
    click(qtbot, find(save, QRadioButton, "newDossierRadio"))
    find(save, QLineEdit, "calculationLastNameEdit").setText("Sansdossier")
    find(save, QComboBox, "calculationProvenanceCombo").setCurrentIndex(1)
    click(qtbot, save.ok_button)
    assert "une assurance par emprunteur" in find(save, QLabel, "errorLabel").text()
    assert workspace.list_page(ListQuery(tab=ListTab.ALL, search="sansdossier"), 0, 5) == []


def test_every_user_has_the_calculator(qtbot, login_as):
    from ui.main_window import MainWindow

    window = MainWindow(login_as("slegrand"))
    qtbot.addWidget(window)
    assert window.findChild(QAction, "calculatorAction") is not None
    qtbot.waitUntil(lambda: not window.counts_pending)
