"""The «Simulations» tab driven through its widgets: create from the project, add a loan
line with insurance, watch the totals, fees, smoothing, statuses, duplicate, delete."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QWidget,
)

from app.dossier.situation import ProjectData
from app.text import parse_amount
from models.enums import SimulationStatus
from tests.helpers import new_dossier, type_text
from tests.test_gui_dossier import click, find
from ui import simulation_exports


def _dossier_with_project(workspace):
    detail = new_dossier(workspace)
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id, situation.version, ProjectData(price_cents=200_000_00, contribution_cents=0)
    )
    return detail


def _tab(window):
    tab = window.view.show_simulations()
    assert tab.isVisible()
    return tab


def _text(label: QLabel) -> str:
    return label.text().replace("\u202f", " ").replace("\u00a0", " ")


def test_a_simulation_is_created_from_the_project_and_computed(qtbot, workspace, open_dossier):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    assert not find(tab, QPushButton, "deleteSimulationButton").isEnabled()
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    assert tab.list_model.rowCount() == 1
    assert find(tab, QLineEdit, "simulationNameEdit").text() == "Simulation 1"
    lines = find(tab, QTableView, "loanLinesTable").model()
    assert lines.index(0, 2).data().replace("\u202f", " ") == "200 000,00\u00a0€"
    assert "1 159,92 €" in _text(find(tab, QLabel, "monthlyTotalLabel"))  # 3,50 % over 20 years
    assert _text(find(tab, QLabel, "taegLabel")).startswith("3,56 %")
    years = find(tab, QTableView, "amortizationTable").model()
    assert years.rowCount() == 20
    headers = [years.headerData(c, Qt.Orientation.Horizontal) for c in range(years.columnCount())]
    assert headers[-1] == "Restant dû"
    assert (
        years.index(0, len(headers) - 1).data().replace("\u202f", " ") == "192 968,87\u00a0€"
    )  # month 12 (CLI)
    assert years.index(19, len(headers) - 1).data() == "0,00\u00a0€"
    # The «Général» tab lists it too.
    assert "Simulation 1" in find(window, QLabel, "simulationsList").text()


def test_a_line_with_insurance_changes_the_totals_and_is_kept(qtbot, workspace, open_dossier):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    tab.lines_view.selectRow(0)
    dialog = tab.loan_lines.edit_line()
    assert dialog.objectName() == "loanLineDialog"
    rate = find(dialog, QLineEdit, "loanRateEdit")
    rate.clear()
    type_text(qtbot, rate, "4")
    box = find(dialog, QGroupBox, "insuranceBox1")
    box.setChecked(True)
    find(dialog, QLineEdit, "insuranceRateEdit1").setText("0,30")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    # 200 000 € at 4 % over 240 months: 1 211,96 €, and 50,00 € of insurance.
    assert _text(find(tab, QLabel, "monthlyTotalLabel")) == ("1 261,96 €  (dont assurance 50,00 €)")
    stored = workspace.simulations.get(tab.current)
    [cover] = stored.plan.lines[0].covers
    assert (cover.borrower_rank, cover.rate, cover.mandatory) == (1, Decimal("0.3"), True)
    assert stored.plan.lines[0].rate == Decimal(4)


def test_a_wrong_value_is_said_in_the_dialog_and_nothing_is_saved(qtbot, workspace, open_dossier):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    before = workspace.simulations.get(tab.current)
    dialog = tab.loan_lines.add_line()
    find(dialog, QLineEdit, "loanAmountEdit").setText("50000")
    find(dialog, QLineEdit, "loanMonthsEdit").setText("600")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert (
        "durée doit être comprise entre 1 et 480 mois" in find(dialog, QLabel, "errorLabel").text()
    )
    assert find(dialog, QLineEdit, "loanMonthsEdit").property("invalid") is True
    dialog.reject()
    assert workspace.simulations.get(tab.current) == before


def test_fees_smoothing_statuses_duplicate_and_delete(qtbot, workspace, open_dossier):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    fees = find(tab, QLineEdit, "dossierFeesEdit")
    fees.setText("1 000")
    fees.editingFinished.emit()
    assert workspace.simulations.get(tab.current).plan.dossier_fees_cents == 1_000_00
    assert "frais 1 000,00 €" in _text(find(tab, QLabel, "costLabel"))
    combo = find(tab, QComboBox, "simulationStatusCombo")
    combo.setCurrentIndex(combo.findData(SimulationStatus.CLIENT_VALIDATED.value))
    combo.activated.emit(combo.currentIndex())
    assert workspace.simulations.get(tab.current).status is SimulationStatus.CLIENT_VALIDATED
    click(qtbot, find(tab, QPushButton, "duplicateSimulationButton"))
    assert tab.list_model.rowCount() == 2
    assert find(tab, QLineEdit, "simulationNameEdit").text() == "Copie de Simulation 1"
    combo.setCurrentIndex(combo.findData(SimulationStatus.CLIENT_VALIDATED.value))
    combo.activated.emit(combo.currentIndex())
    box = tab.findChild(QMessageBox, "replaceValidatedDialog")
    assert box is not None and "déjà validée" in box.text()
    click(qtbot, box.findChild(QPushButton, "confirmReplaceValidatedButton"))
    statuses = [s.status for s in workspace.simulations.list(detail.id).simulations]
    assert statuses == [SimulationStatus.PROPOSED, SimulationStatus.CLIENT_VALIDATED]
    box = tab.delete()
    click(qtbot, box.findChild(QPushButton, "confirmDeleteSimulationButton"))
    assert tab.list_model.rowCount() == 1
    assert not find(tab, QCheckBox, "smoothingCheck").isChecked()


def test_a_loan_above_the_usury_rate_is_shown_in_red(qtbot, workspace, open_dossier, main_window):
    import datetime as dt

    settings = main_window.open_settings()
    qtbot.addWidget(settings)
    page = settings.usury
    combo = find(page, QComboBox, "usuryCategoryCombo")
    combo.setCurrentIndex(combo.findData("fixed_20_and_more"))
    page.date_field.set_value(dt.date.today())  # after the demo office's own rates
    before = page.model.rowCount()
    find(page, QLineEdit, "usuryRateEdit").setText("3,50")
    click(qtbot, find(page, QPushButton, "saveUsuryRateButton"))
    assert page.model.rowCount() == before + 1
    shown = [page.model.index(row, 2).data() for row in range(page.model.rowCount())]
    assert "3,50\u00a0%" in shown
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))  # 3,50 % over 20 years
    usury = find(tab, QLabel, "usuryLabel")
    assert "TAEG 3,56\u00a0% au-dessus du taux d'usure 3,50" in usury.text()
    assert usury.property("role") == "error"


def test_the_general_tab_opens_a_simulation_and_creates_one(qtbot, workspace, open_dossier):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    click(qtbot, find(window, QPushButton, "newSimulationFromGeneralButton"))
    tab = window.view.simulations_tab
    assert tab.isVisible() and tab.list_model.rowCount() == 1
    info = workspace.simulations.list(detail.id)
    workspace.simulations.duplicate(info.simulations[0].id, info.version)
    window.view.reload()
    _first, second = (s.id for s in workspace.simulations.list(detail.id).simulations)
    window.view.tabs.setCurrentIndex(0)
    label = find(window, QLabel, "simulationsList")
    assert f"simulation:{second}" in label.text() and "Copie de Simulation 1" in label.text()
    label.linkActivated.emit(f"simulation:{second}")
    assert tab.isVisible() and tab.current == second
    assert find(tab, QLineEdit, "simulationNameEdit").text() == "Copie de Simulation 1"


def test_the_debt_ratio_and_the_reste_a_vivre_follow_the_household(qtbot, workspace, open_dossier):
    from app.dossier.household import BorrowerData

    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    assert "saisissez les revenus" in find(tab, QLabel, "debtRatioLabel").text()
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData(
            last_name="Quénéhervé", first_name="Éloïse", net_monthly_income_cents=3_000_00
        ),
    )
    window.view.reload()
    debt = find(tab, QLabel, "debtRatioLabel")
    # 1 159,92 € a month on 3 000 € of income: 38,66 %.
    assert "0,00 % avant, 38,66 % avec ce financement" in _text(debt)
    assert "Hors normes HCSF" in debt.text() and debt.property("role") == "error"
    living = find(tab, QLabel, "remainingIncomeLabel")
    assert "Reste à vivre 1 840,08 €" in _text(living) and living.property("role") == ""


def test_a_status_change_is_saved_once_and_a_refused_choice_is_undone(
    qtbot, workspace, open_dossier
):
    from app.simulation.plans import LineData
    from models.enums import LineKind

    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    version = tab.info.version
    combo = find(tab, QComboBox, "simulationStatusCombo")
    combo.setCurrentIndex(combo.findData(SimulationStatus.PROPOSED.value))
    combo.activated.emit(combo.currentIndex())
    assert tab.info.version == version + 1  # one save, no conflict
    assert not window.view.message_bar.isVisible()
    # Smoothing refused (an in-fine loan alone): the box shows the stored value again.
    info = workspace.simulations.list(detail.id)
    stored = workspace.simulations.get(tab.current)
    in_fine = LineData(100_000_00, Decimal(4), 120, LineKind.IN_FINE)
    ptz = LineData(40_000_00, Decimal(0), 120, LineKind.PTZ)
    workspace.simulations.save(
        tab.current, info.version, replace(stored.plan, lines=(in_fine, ptz))
    )
    window.view.reload()
    check = find(tab, QCheckBox, "smoothingCheck")
    check.setChecked(True)
    assert "amortissable" in find(tab, QLabel, "simulationError").text()
    assert not check.isChecked()


def test_a_line_dialog_never_brings_back_what_another_window_changed(
    qtbot, workspace, open_dossier
):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    dialog = tab.loan_lines.add_line()
    find(dialog, QLineEdit, "loanAmountEdit").setText("30000")
    # Meanwhile, another window renames the simulation.
    info = workspace.simulations.list(detail.id)
    workspace.simulations.rename(tab.current, info.version, "Renommée ailleurs")
    click(qtbot, dialog.ok_button)  # refused: the dossier changed, it is reloaded
    assert dialog.isVisible()
    click(qtbot, dialog.ok_button)  # again, on the reloaded plan
    assert not dialog.isVisible()
    stored = workspace.simulations.get(tab.current)
    assert stored.plan.name == "Renommée ailleurs" and len(stored.plan.lines) == 2


def test_the_schedule_is_exported_from_the_editor(qtbot, workspace, open_dossier, tmp_path):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    assert find(tab, QPushButton, "exportScheduleButton").isEnabled()
    assert tab.exports.export_schedule(tmp_path / "plan.csv")
    lines = (tmp_path / "plan.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 241 and lines[1].startswith("1;1159,92;")
    assert tab.exports.export_schedule(tmp_path / "plan.xlsx")
    assert (tmp_path / "plan.xlsx").read_bytes()[:2] == b"PK"
    assert "Tableau d'amortissement exporté" in find(window, QLabel, "messageText").text()


def test_the_synthesis_pdf_is_made_in_the_background_kept_in_the_dossier_and_opened(
    qtbot, workspace, open_dossier, monkeypatch
):
    opened: list[str] = []  # the system's viewer, asked to show the file
    monkeypatch.setattr(
        simulation_exports.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile())
    )
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    click(qtbot, find(tab, QPushButton, "simulationPdfButton"))
    qtbot.waitUntil(lambda: workspace.dossiers.get(detail.id).document_count == 1, timeout=10000)
    made = list((workspace.paths.folder / "exports").glob("Synthèse *.pdf"))
    assert len(made) == 1 and made[0].read_bytes().startswith(b"%PDF")
    assert "Synthèse enregistrée" in find(window, QLabel, "messageText").text()
    assert opened == [str(made[0])]  # the button's click did not pass for «open_it=False»


def test_two_simulations_are_compared_side_by_side(qtbot, workspace, open_dossier):
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    assert not find(tab, QPushButton, "compareSimulationsButton").isEnabled()
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    click(qtbot, find(tab, QPushButton, "duplicateSimulationButton"))
    stored = workspace.simulations.get(tab.current)
    longer = replace(stored.plan.lines[0], months=300)
    workspace.simulations.save(tab.current, tab.info.version, replace(stored.plan, lines=(longer,)))
    window.view.reload()
    dialog = tab.compare()
    assert dialog.objectName() == "compareSimulationsDialog"
    model = dialog.model
    rows = {
        model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data())
        for r in range(model.rowCount())
    }
    assert rows["Durée"] == ("20 ans", "25 ans")
    left, right = rows["Mensualité (assurance comprise)"]
    assert left.replace("\u202f", " ") == "1 159,92\u00a0€" and right != left
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Copie de Simulation 1"


def test_a_loan_names_its_bank_from_the_office(qtbot, workspace, open_dossier):
    from app.office.referential import BankData

    workspace.referential.save_bank(None, BankData("Crédit Agricole", "Quimper", ""))
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    tab.lines_view.selectRow(0)
    dialog = tab.loan_lines.edit_line()
    combo = find(dialog, QComboBox, "loanBankCombo")
    combo.setCurrentIndex(combo.findText("Crédit Agricole — Quimper"))
    click(qtbot, dialog.ok_button)
    assert tab.lines_model.index(0, 1).data() == "Crédit Agricole — Quimper"
    assert workspace.simulations.get(tab.current).plan.lines[0].bank_id == combo.currentData()


def test_the_chart_shows_each_year_and_follows_the_plan(qtbot, workspace, open_dossier):
    """Drawn when its tab is first shown (QtCharts loaded then): per year the capital,
    interest and insurance paid, and the capital still owed; redrawn when a line changes."""
    detail = _dossier_with_project(workspace)
    window = open_dossier(detail.id)
    tab = _tab(window)
    click(qtbot, find(tab, QPushButton, "newSimulationButton"))
    chart = find(tab, QWidget, "simulationChart")
    assert chart.series() == {}  # not drawn while hidden
    tabs = find(tab, QTabWidget, "scheduleTabs")
    tabs.setCurrentWidget(chart)
    qtbot.waitUntil(lambda: bool(chart.series()))
    shown = chart.series()
    assert set(shown) == {"Capital", "Intérêts", "Assurance", "Capital restant dû"}
    assert len(shown["Capital"]) == 20  # 240 months
    assert sum(shown["Capital"]) == pytest.approx(200_000, abs=0.01)
    assert shown["Capital restant dû"][-1] == 0
    table = find(tab, QTableView, "amortizationTable").model()
    assert shown["Intérêts"][0] == pytest.approx(parse_amount(table.index(0, 2).data()) / 100)

    tab.lines_view.selectRow(0)
    dialog = tab.loan_lines.edit_line()
    months = find(dialog, QLineEdit, "loanMonthsEdit")
    months.clear()
    type_text(qtbot, months, "300")
    click(qtbot, dialog.ok_button)
    assert len(chart.series()["Capital"]) == 25
