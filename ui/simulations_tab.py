"""The dossier's «Simulations» tab: its financing plans, and the editor of one — loan lines
with each borrower's insurance, fees, smoothing — with the results computed as one types:
monthly payment, cost, TAEG and TAEA, each line against the usury rate, the schedule by
year. Every change is saved at once (as every other field of the dossier). Its loans are
edited through `ui.loan_lines`; its PDF and its table leave through `ui.simulation_exports`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.simulation import verdicts
from app.simulation.finance import PlanResult, compute
from app.simulation.plans import AnotherValidated, PlanData
from app.simulation.summary import percent
from app.text import format_amount, format_amount_input, parse_amount
from models.enums import (
    Guarantee,
    RentalMethod,
    SimulationStatus,
)
from ui.common import ErrorLabel, TableModel, WrappedLabel, confirm, plain, set_role
from ui.loan_lines import LoanLines
from ui.operations import attempt, show_refusal
from ui.simulation_chart import PlanChart, schedule_tabs
from ui.simulation_exports import SimulationExports
from ui.simulation_widgets import (
    CompareDialog,
    combo,
    line_edit,
    line_row,
    plan_table,
    raw_row,
    year_model,
    year_rows,
)

if TYPE_CHECKING:  # the services import SQLAlchemy
    from app.simulation.simulation_service import SimulationService, SimulationsInfo
    from ui.dossier_window import DossierView


class SimulationsTab(QWidget):
    def __init__(self, view: DossierView) -> None:
        super().__init__()
        self.setObjectName("simulationsTab")
        self.view = view
        self.info: SimulationsInfo | None = None
        self.current: int | None = None
        self.plan: PlanData | None = None
        self.read_only = False
        self.rates: tuple = ()  # the office's usury rates
        self.banks: dict[int, str] = {}  # the office's banks, by id
        self.household = None  # the household's budget before the project
        self.loan_lines = LoanLines(self)
        self.exports = SimulationExports(self)
        layout = QHBoxLayout(self)
        splitter = QSplitter()
        layout.addWidget(splitter)
        splitter.addWidget(self._list_panel())
        splitter.addWidget(self._editor())
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([400, 840])  # the list: name, status and amount unabridged

    @property
    def service(self) -> SimulationService:
        return self.view.workspace.simulations

    # --- layout ---

    def _list_panel(self) -> QWidget:
        box = QGroupBox("Simulations du dossier")
        layout = QVBoxLayout(box)
        self.list_model = TableModel(("Nom", "Statut", "Montant"), frozenset({2}))
        self.list_view = plan_table("simulationList", self.list_model)
        self.list_view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._select_row(current.row())
        )
        layout.addWidget(self.list_view, 1)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("+ Simulation")
        self.new_button.setObjectName("newSimulationButton")
        self.new_button.setToolTip("Une simulation du montant que le projet laisse à financer")
        self.new_button.clicked.connect(self.create)
        self.duplicate_button = QPushButton("Dupliquer")
        self.duplicate_button.setObjectName("duplicateSimulationButton")
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button = QPushButton("Supprimer")
        self.delete_button.setObjectName("deleteSimulationButton")
        self.delete_button.clicked.connect(self.delete)
        for button in (self.new_button, self.duplicate_button, self.delete_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.compare_button = QPushButton("Comparer deux simulations…")
        self.compare_button.setObjectName("compareSimulationsButton")
        self.compare_button.clicked.connect(self.compare)
        layout.addWidget(self.compare_button)
        self.error = ErrorLabel("simulationError")
        layout.addWidget(self.error)
        return box

    def _editor(self) -> QWidget:
        self.editor = QWidget()
        self.editor.setObjectName("simulationEditor")
        layout = QVBoxLayout(self.editor)
        head = QHBoxLayout()
        self.name_edit = line_edit("simulationNameEdit", "Nom de la simulation", 400, number=False)
        self.name_edit.editingFinished.connect(self._rename)
        self.status_combo = combo("simulationStatusCombo", "Statut", SimulationStatus)
        self.status_combo.activated.connect(lambda _i: self._set_status())
        head.addWidget(QLabel("Nom :"))
        head.addWidget(self.name_edit, 1)
        head.addWidget(QLabel("Statut :"))
        head.addWidget(self.status_combo)
        layout.addLayout(head)

        lines = QGroupBox("Prêts")
        lines_layout = QVBoxLayout(lines)
        self.lines_model = TableModel(
            ("Type", "Banque", "Montant", "Taux", "Durée", "Différé", "Quotité", "Mensualité"),
            frozenset({2, 7}),
        )
        self.lines_view = plan_table("loanLinesTable", self.lines_model)
        self.lines_view.doubleClicked.connect(lambda _i: self.loan_lines.edit_line())
        self.lines_view.setMinimumHeight(120)
        lines_layout.addWidget(self.lines_view)
        buttons = QHBoxLayout()
        for name, text, slot in (
            ("addLoanLineButton", "Ajouter un prêt", self.loan_lines.add_line),
            ("editLoanLineButton", "Modifier", self.loan_lines.edit_line),
            ("removeLoanLineButton", "Retirer", self.loan_lines.remove_line),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            setattr(self, name.removesuffix("Button") + "_button", button)
        self.smoothing_check = QCheckBox("Lisser les mensualités (total constant)")
        self.smoothing_check.setObjectName("smoothingCheck")
        self.smoothing_check.toggled.connect(lambda _c: self._save_fees())
        buttons.addStretch(1)
        lines_layout.addLayout(buttons)
        options = QHBoxLayout()
        options.addWidget(self.smoothing_check)
        options.addStretch(1)
        self.rental_combo = combo("rentalMethodCombo", "Revenus locatifs comptés", RentalMethod)
        self.rental_combo.setToolTip(
            "Comment la banque compte les loyers : classique (70 % en revenus) ou "
            "différentiel (70 % des loyers moins les mensualités des prêts immobiliers locatifs "
            "du Crédit)"
        )
        self.rental_combo.activated.connect(lambda _i: self._save_fees())
        options.addWidget(QLabel("Revenus locatifs comptés :"))
        options.addWidget(self.rental_combo)
        lines_layout.addLayout(options)
        layout.addWidget(lines)

        fees = QGroupBox("Frais")
        fees_layout = QGridLayout(fees)
        self.dossier_fees = line_edit("dossierFeesEdit", "Frais de dossier (€)")
        self.guarantee_combo = combo(
            "guaranteeCombo", "Garantie", Guarantee, with_none="— Garantie —"
        )
        self.guarantee_fees = line_edit("guaranteeFeesEdit", "Frais de garantie (€)")
        self.brokerage_fees = line_edit("brokerageFeesEdit", "Honoraires de courtage (€)")
        for row, column, label, widget in (
            (0, 0, "Frais de dossier :", self.dossier_fees),
            (0, 2, "Courtage :", self.brokerage_fees),
            (1, 0, "Garantie :", self.guarantee_combo),
            (1, 2, "Frais de garantie :", self.guarantee_fees),
        ):
            fees_layout.addWidget(QLabel(label), row, column)
            fees_layout.addWidget(widget, row, column + 1)
        fees_layout.setColumnStretch(4, 1)
        fees_layout.setHorizontalSpacing(10)
        fees_layout.setColumnMinimumWidth(2, 150)  # «Frais de garantie :» clear of the combo
        for edit in (self.dossier_fees, self.guarantee_fees, self.brokerage_fees):
            edit.editingFinished.connect(self._save_fees)
        self.guarantee_combo.activated.connect(lambda _i: self._save_fees())
        layout.addWidget(fees)

        results = QGroupBox("Résultat")
        results_layout = QVBoxLayout(results)
        grid = QGridLayout()
        results_layout.addLayout(grid)
        self.monthly_label = _result_label("monthlyTotalLabel")
        self.cost_label = _result_label("costLabel")
        self.taeg_label = _result_label("taegLabel")
        for column, (title, label) in enumerate(
            (
                ("Mensualité", self.monthly_label),
                ("Coût du crédit", self.cost_label),
                ("TAEG", self.taeg_label),
            )
        ):
            grid.addWidget(set_role(QLabel(title), "hint"), 0, column)
            grid.addWidget(label, 1, column)
            grid.setColumnStretch(column, 1)
        # The verdicts, one per line under the figures (wrapped to the width, never cut).
        self.usury_label = _result_label("usuryLabel")
        self.debt_label = _result_label("debtRatioLabel")
        self.living_label = _result_label("remainingIncomeLabel")
        for label in (self.usury_label, self.debt_label, self.living_label):
            results_layout.addWidget(label)
        layout.addWidget(results)

        self.schedule_model = year_model()
        self.schedule_view = plan_table("amortizationTable", self.schedule_model)
        self.schedule_view.setMinimumHeight(160)
        self.chart = PlanChart()
        self.schedule_tabs = schedule_tabs("scheduleTabs", self.schedule_view, self.chart)
        schedule = QWidget()
        schedule_layout = QVBoxLayout(schedule)
        schedule_layout.setContentsMargins(0, 0, 0, 0)
        schedule_layout.addWidget(self.schedule_tabs)
        export_row = QHBoxLayout()
        export_row.addStretch(1)
        self.pdf_button = QPushButton("Synthèse PDF")
        self.pdf_button.setObjectName("simulationPdfButton")
        self.pdf_button.setToolTip(
            "La synthèse de financement pour le client ou la banque : enregistrée dans les "
            "documents du dossier et ouverte"
        )
        self.pdf_button.clicked.connect(lambda _checked=False: self.exports.make_pdf())
        export_row.addWidget(self.pdf_button)
        self.export_button = QPushButton("Exporter le tableau (Excel, CSV)…")
        self.export_button.setObjectName("exportScheduleButton")
        self.export_button.clicked.connect(self.exports.choose_export)
        export_row.addWidget(self.export_button)
        schedule_layout.addLayout(export_row)
        layout.addWidget(schedule, 1)
        self.fields = {
            "name": self.name_edit,
            "dossier_fees": self.dossier_fees,
            "guarantee_fees": self.guarantee_fees,
            "brokerage_fees": self.brokerage_fees,
            "fees": self.dossier_fees,  # the total of the fees: said at the first of them
            "smoothing": self.smoothing_check,
            "status": self.status_combo,
        }
        self.editor.setEnabled(False)
        return self.editor

    # --- showing ---

    def render(self, info: SimulationsInfo) -> None:
        """The dossier's simulations; the one chosen (or just created) in the editor."""
        self.info = info
        self.read_only = info.read_only
        rows = [(s.name, s.status.label, format_amount(s.amount_cents)) for s in info.simulations]
        self.list_model.set_rows(list(info.simulations), rows)
        ids = [s.id for s in info.simulations]
        wanted = info.changed_id if info.changed_id in ids else self.current
        if wanted not in ids:
            wanted = ids[0] if ids else None
        self.current = None  # so that selecting it loads it
        if wanted is None:
            self._show(None)
        else:
            row = ids.index(wanted)
            self.list_view.selectRow(row)
            self._select_row(row)
        self.new_button.setEnabled(not self.read_only)
        for button in (self.duplicate_button, self.delete_button):
            button.setEnabled(not self.read_only and bool(ids))
        self.compare_button.setEnabled(len(ids) >= 2)

    def reload(self) -> None:
        if self.view.dossier_id is not None:
            self.rates = self.service.usury_rates()
            self.banks = {b.id: b.label for b in self.view.workspace.office.active_banks()}
            self.household = self.service.budget(self.view.dossier_id)
            self.render(self.service.list(self.view.dossier_id))

    def select(self, simulation_id: int) -> None:
        """Show this simulation in the editor (from the «Général» tab's list)."""
        if self.info is None:
            self.reload()
        ids = [s.id for s in self.info.simulations] if self.info else []
        if simulation_id in ids:
            self.list_view.selectRow(ids.index(simulation_id))
            self._select_row(ids.index(simulation_id))

    def _select_row(self, row: int) -> None:
        if self.info is None or not 0 <= row < len(self.info.simulations):
            return
        simulation_id = self.info.simulations[row].id
        if simulation_id == self.current:
            return
        outcome = attempt(lambda: self.service.get(simulation_id))
        if outcome.problem is not None:
            self.error.show_message(outcome.problem.message)
            return
        self.current = simulation_id
        self._show(outcome.value)

    def _show(self, stored) -> None:
        self.error.clear_message()
        if stored is None:
            self.plan = None
            self.editor.setEnabled(False)
            for model in (self.lines_model, self.schedule_model):
                model.set_rows([], [])
            self.chart.show_result(None)
            for label in (
                self.monthly_label,
                self.cost_label,
                self.taeg_label,
                self.usury_label,
                self.debt_label,
                self.living_label,
            ):
                label.setText("")
            self.name_edit.setText("")
            return
        self.editor.setEnabled(True)
        self.plan = stored.plan
        self.name_edit.setText(stored.plan.name)
        self.status_combo.setCurrentIndex(self.status_combo.findData(stored.status.value))
        self.dossier_fees.setText(format_amount_input(stored.plan.dossier_fees_cents))
        self.guarantee_fees.setText(format_amount_input(stored.plan.guarantee_fees_cents))
        self.brokerage_fees.setText(format_amount_input(stored.plan.brokerage_fees_cents))
        guarantee = stored.plan.guarantee
        self.guarantee_combo.setCurrentIndex(
            self.guarantee_combo.findData(guarantee.value if guarantee else None)
        )
        self.smoothing_check.blockSignals(True)
        self.smoothing_check.setChecked(stored.plan.smoothing)
        self.smoothing_check.blockSignals(False)
        self.rental_combo.setCurrentIndex(
            self.rental_combo.findData(stored.plan.rental_method.value)
        )
        for widget in (
            self.name_edit,
            self.status_combo,
            self.dossier_fees,
            self.guarantee_combo,
            self.guarantee_fees,
            self.brokerage_fees,
            self.smoothing_check,
            self.rental_combo,
            self.addLoanLine_button,
            self.editLoanLine_button,
            self.removeLoanLine_button,
        ):
            widget.setEnabled(not self.read_only)
        self.export_button.setEnabled(True)  # exporting changes nothing
        self.pdf_button.setEnabled(not self.read_only)  # it is saved into the dossier
        self._show_results(stored.plan)

    def _show_results(self, plan: PlanData) -> None:
        outcome = attempt(lambda: compute(plan.plan()))
        result = outcome.value
        if result is None:  # a stored plan the rules now refuse: its lines, and why
            self.lines_model.set_rows(list(plan.lines), [raw_row(line) for line in plan.lines])
            self.schedule_model.set_rows([], [])
            self.chart.show_result(None)
            for label in (self.monthly_label, self.cost_label, self.taeg_label):
                label.setText("—")
            self.debt_label.setText("")
            self.living_label.setText("")
            _verdict(self.usury_label, outcome.problem.message if outcome.problem else "", False)
            return
        self.lines_model.set_rows(
            list(plan.lines),
            [line_row(line, result, index, self.banks) for index, line in enumerate(plan.lines)],
        )
        first = result.first_monthly_cents
        without = result.monthly_without_insurance_cents[result.usual_month]
        highest = max(result.monthly_cents)
        self.monthly_label.setText(
            f"{format_amount(first)}  (dont assurance {format_amount(first - without)})"
            # (a last payment a few cents higher, settling the rounding, is not a period)
            + (
                f", jusqu'à {format_amount(highest)} selon la période"
                if highest > first + 100
                else ""
            )
        )
        self.cost_label.setText(
            f"{format_amount(result.cost_cents)}  (intérêts {format_amount(result.interest_cents)}, "
            f"assurance {format_amount(result.insurance_cents)}, frais {format_amount(result.fees_cents)})"
        )
        self.taeg_label.setText(f"{percent(result.taeg)}  (TAEA {percent(result.taea)})")
        said = verdicts.usury(result, self.rates, dt.date.today())
        _verdict(self.usury_label, said.text, said.ok)
        self.schedule_model.set_rows([], year_rows(result))
        self.chart.show_result(result)
        if self.household is not None:
            self._show_budget(plan, result)

    def _show_budget(self, plan: PlanData, result: PlanResult) -> None:
        """The household's debt ratio before and after, against the HCSF's rules, and what
        it keeps each month, against the minimum for its size."""
        household = self.household
        debt, living = verdicts.budget(
            result, household.budget, plan.rental_method, household.new_build, household.living
        )
        _verdict(self.debt_label, debt.text, debt.ok)
        if living is None:
            self.living_label.setText("")
        else:
            _verdict(self.living_label, living.text, living.ok)

    # --- commands ---

    def _run(self, command) -> bool:
        """Run `command(service, info)`; True once saved (the list and editor follow)."""
        if self.info is None:
            return False
        return self._settle(attempt(lambda: command(self.service, self.info)))

    def _settle(self, outcome) -> bool:
        """Show what a command did: saved (list and editor follow), refused (said next to
        its field; the widgets show the stored values again), or changed elsewhere (the
        dossier is reloaded)."""
        if outcome.conflict is not None:
            self.view.reload()
            self.error.show_message(outcome.conflict.message)
            return False
        problem = outcome.problem
        if problem is not None:
            show_refusal(problem, self.error, self.fields)
            self._show_choices()
            return False
        self.error.clear_message()
        info = outcome.value
        self.current = None if info.changed_id else self.current
        self.render(info)
        self.view.simulations_changed()
        return True

    def create(self) -> bool:
        return self._run(lambda s, info: s.create(info.dossier_id, info.version))

    def duplicate(self) -> bool:
        current = self.current
        return current is not None and self._run(lambda s, info: s.duplicate(current, info.version))

    def delete(self) -> QMessageBox | None:
        current = self.current
        if current is None or self.plan is None:
            return None
        return confirm(
            self,
            "deleteSimulationDialog",
            "Supprimer la simulation",
            f"Supprimer la simulation « {self.plan.name} » ?",
            "Supprimer",
            lambda: self._run(lambda s, info: s.delete(current, info.version)),
        )

    def save_plan(self, plan: PlanData) -> bool:
        """`plan` saved as the simulation shown; True once saved (the editor follows)."""
        current = self.current
        if current is None or self.read_only:
            return False
        return self._run(lambda s, info: s.save(current, info.version, plan))

    def _rename(self) -> None:
        if self.plan is not None and self.name_edit.text() != self.plan.name:
            self.save_plan(replace(self.plan, name=self.name_edit.text()))

    def _set_status(self) -> None:
        current, info = self.current, self.info
        if current is None or info is None or self.plan is None:
            return
        status = SimulationStatus(self.status_combo.currentData())
        outcome = attempt(lambda: self.service.set_status(current, info.version, status))
        if isinstance(outcome.refusal, AnotherValidated):
            self._show_choices()  # until the user says so, the status stays
            confirm(
                self,
                "replaceValidatedDialog",
                "Simulation validée",
                outcome.refusal.message,
                "Remplacer",
                lambda: self._run(
                    lambda s, info: s.set_status(current, info.version, status, True)
                ),
            )
            return
        self._settle(outcome)

    def _show_choices(self) -> None:
        """The drop-downs and boxes back on the stored values (after a refusal)."""
        if self.current is None or self.info is None or self.plan is None:
            return
        stored = next((s for s in self.info.simulations if s.id == self.current), None)
        if stored is not None:
            self.status_combo.setCurrentIndex(self.status_combo.findData(stored.status.value))
        for widget, value in (
            (self.rental_combo, self.plan.rental_method.value),
            (self.guarantee_combo, self.plan.guarantee.value if self.plan.guarantee else None),
        ):
            widget.setCurrentIndex(widget.findData(value))
        self.smoothing_check.blockSignals(True)
        self.smoothing_check.setChecked(self.plan.smoothing)
        self.smoothing_check.blockSignals(False)

    def _save_fees(self) -> None:
        if self.plan is None or self.read_only:
            return
        try:
            guarantee = self.guarantee_combo.currentData()
            plan = replace(
                self.plan,
                dossier_fees_cents=parse_amount(self.dossier_fees.text(), "dossier_fees") or 0,
                guarantee=Guarantee(guarantee) if guarantee else None,
                guarantee_fees_cents=parse_amount(self.guarantee_fees.text(), "guarantee_fees")
                or 0,
                brokerage_fees_cents=parse_amount(self.brokerage_fees.text(), "brokerage_fees")
                or 0,
                smoothing=self.smoothing_check.isChecked(),
                rental_method=RentalMethod(self.rental_combo.currentData()),
            )
        except DomainError as error:
            show_refusal(error, self.error, self.fields)
            return
        if plan != self.plan:
            self.save_plan(plan)

    def compare(self) -> CompareDialog | None:
        if self.info is None or len(self.info.simulations) < 2:
            return None
        dialog = CompareDialog(self, self.service, self.info, self.household)
        dialog.open()
        return dialog


def _result_label(name: str) -> QLabel:
    label = plain(WrappedLabel())
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _verdict(label: QLabel, text: str, ok: bool) -> None:
    """A verdict: plain when it passes, red with its reason when it does not."""
    label.setText(text)
    set_role(label, "" if ok else "error")
    label.style().unpolish(label)
    label.style().polish(label)
