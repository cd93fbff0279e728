"""The dossier's «Simulations» tab: its financing plans, and the editor of one — loan lines
with each borrower's insurance, fees, smoothing — with the results computed as one types:
monthly payment, cost, TAEG and TAEA, each line against the usury rate, the schedule by
year. Every change is saved at once (as every other field of the dossier)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.simulation import verdicts
from app.simulation.finance import Cover, Line, PlanResult, check_line, compute
from app.simulation.plans import (
    AnotherValidated,
    CoverData,
    LineData,
    PlanData,
    format_rate_input,
    parse_months,
    parse_rate,
)
from app.simulation.rules import debt_ratio
from app.simulation.schedule_export import write_csv, write_xlsx
from app.simulation.summary import percent
from app.text import format_amount, format_amount_input, format_duration, parse_amount
from models.enums import (
    Deferral,
    Guarantee,
    InsuranceBase,
    LineKind,
    RentalMethod,
    SimulationStatus,
)
from ui.backup_ui import ProgressRun
from ui.common import ErrorLabel, FormDialog, TableModel, confirm, plain, set_role
from ui.operations import attempt, show_refusal
from ui.workers import Background

if TYPE_CHECKING:  # the services import SQLAlchemy
    from app.simulation.simulation_service import SimulationService, SimulationsInfo
    from ui.dossier_window import DossierView


_COVER_TITLE = "Assurance de l'emprunteur : "


def _combo(name: str, accessible: str, members, with_none: str = "") -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    if with_none:
        combo.addItem(with_none, None)
    for member in members:
        combo.addItem(member.label, member.value)
    return combo


def _edit(name: str, accessible: str, width: int = 120) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setMaximumWidth(width)
    return edit


class LineDialog(FormDialog):
    """One loan line and each borrower's insurance on it."""

    def __init__(
        self,
        parent: QWidget,
        borrowers: list[str],
        line: LineData | None,
        submit,
        banks: list | None = None,
    ) -> None:
        super().__init__(
            parent,
            "Ligne de prêt" if line is None else "Modifier la ligne de prêt",
            "loanLineDialog",
        )
        self._submit = submit
        line = line or LineData(0, Decimal("3.50"), 240)
        form = QFormLayout()
        self.kind = _combo("loanKindCombo", "Type de prêt", LineKind)
        self.kind.setCurrentIndex(self.kind.findData(line.kind.value))
        self.amount = _edit("loanAmountEdit", "Montant", 160)
        self.amount.setText(format_amount_input(line.amount_cents or None))
        self.rate = _edit("loanRateEdit", "Taux nominal annuel (%)", 90)
        self.rate.setText(format_rate_input(line.rate))
        self.months = _edit("loanMonthsEdit", "Durée en mois", 90)
        self.months.setText(str(line.months))
        self.deferral = _combo("loanDeferralCombo", "Différé", Deferral)
        self.deferral.setCurrentIndex(self.deferral.findData(line.deferral.value))
        self.deferral_months = _edit("loanDeferralMonthsEdit", "Durée du différé en mois", 90)
        self.deferral_months.setText(str(line.deferral_months or ""))
        self.bank = QComboBox()
        self.bank.setObjectName("loanBankCombo")
        self.bank.setAccessibleName("Banque prêteuse")
        self.bank.addItem("— Banque à choisir —", None)
        for bank in banks or []:
            self.bank.addItem(bank.label, bank.id)
        if line.bank_id is not None and self.bank.findData(line.bank_id) < 0:
            self.bank.addItem("(banque inactive)", line.bank_id)  # kept as it was chosen
        self.bank.setCurrentIndex(max(0, self.bank.findData(line.bank_id)))
        form.addRow("Type :", self.kind)
        form.addRow("Banque :", self.bank)
        form.addRow("Montant (€) :", self.amount)
        form.addRow("Taux nominal (%) :", self.rate)
        form.addRow("Durée (mois) :", self.months)
        deferral = QHBoxLayout()
        deferral.addWidget(self.deferral)
        deferral.addWidget(QLabel("pendant"))
        deferral.addWidget(self.deferral_months)
        deferral.addWidget(QLabel("mois"))
        deferral.addStretch(1)
        form.addRow("Différé :", deferral)
        self.form.addLayout(form)
        self.fields = {
            "amount": self.amount,
            "rate": self.rate,
            "months": self.months,
            "deferral": self.deferral,
            "deferral_months": self.deferral_months,
            "kind": self.kind,
        }
        self.covers: list[
            tuple[QGroupBox, QLineEdit, QComboBox, QLineEdit, QLineEdit, QCheckBox]
        ] = []
        existing = {cover.borrower_rank: cover for cover in line.covers}
        for rank, name in enumerate(borrowers, start=1):
            self.form.addWidget(self._cover_box(rank, name, existing.get(rank)))
        self.setMinimumWidth(520)

    def _cover_box(self, rank: int, name: str, cover: CoverData | None) -> QGroupBox:
        box = QGroupBox(f"{_COVER_TITLE}{name}")
        box.setObjectName(f"insuranceBox{rank}")
        box.setCheckable(True)
        box.setChecked(cover is not None)
        cover = cover or CoverData(rank, rate=Decimal("0.30"))
        grid = QGridLayout(box)
        share = _edit(f"insuranceShareEdit{rank}", "Quotité assurée (%)", 80)
        share.setText(format_rate_input(cover.share).removesuffix(",00"))
        base = _combo(f"insuranceBaseCombo{rank}", "Calcul de la prime", InsuranceBase)
        base.setCurrentIndex(base.findData(cover.base.value))
        rate = _edit(f"insuranceRateEdit{rank}", "Taux d'assurance annuel (%)", 80)
        rate.setText(format_rate_input(cover.rate))
        monthly = _edit(f"insuranceMonthlyEdit{rank}", "Prime mensuelle (€)", 100)
        monthly.setText(format_amount_input(cover.monthly_cents or None))
        mandatory = QCheckBox("Exigée par la banque (entre dans le TAEG)")
        mandatory.setObjectName(f"insuranceMandatoryCheck{rank}")
        mandatory.setChecked(cover.mandatory)
        grid.addWidget(QLabel("Quotité (%) :"), 0, 0)
        grid.addWidget(share, 0, 1)
        grid.addWidget(QLabel("Prime :"), 0, 2)
        grid.addWidget(base, 0, 3)
        grid.addWidget(QLabel("Taux (%) :"), 1, 0)
        grid.addWidget(rate, 1, 1)
        grid.addWidget(QLabel("ou prime fixe (€/mois) :"), 1, 2)
        grid.addWidget(monthly, 1, 3)
        grid.addWidget(mandatory, 2, 0, 1, 4)
        self.covers.append((box, share, base, rate, monthly, mandatory))
        self.fields[f"cover{rank}"] = share
        return box

    def read(self) -> LineData:
        covers = []
        for rank, (box, share, base, rate, monthly, mandatory) in enumerate(self.covers, start=1):
            if not box.isChecked():
                continue
            try:
                cover = CoverData(
                    rank,
                    parse_rate(share.text(), "share", "Quotité")
                    if share.text().strip()
                    else Decimal(100),
                    InsuranceBase(base.currentData()),
                    parse_rate(rate.text(), "insurance", "Taux d'assurance"),
                    parse_amount(monthly.text(), "insurance") or 0,
                    mandatory.isChecked(),
                )
                check_line(Line(1_00, Decimal(0), 1, covers=(_cover(cover),)), -1)
            except DomainError as error:
                who = box.title().removeprefix(_COVER_TITLE)
                raise DomainError(
                    f"{who} — {error.message[:1].upper()}{error.message[1:]}", f"cover{rank}"
                ) from None
            covers.append(cover)
        deferral = Deferral(self.deferral.currentData())
        return LineData(
            amount_cents=parse_amount(self.amount.text(), "amount") or 0,
            rate=parse_rate(self.rate.text(), "rate"),
            months=parse_months(self.months.text()),
            kind=LineKind(self.kind.currentData()),
            deferral=deferral,
            deferral_months=parse_months(self.deferral_months.text(), "deferral_months")
            if deferral is not Deferral.NONE
            else 0,
            bank_id=self.bank.currentData(),
            covers=tuple(covers),
        )

    def submit(self):
        line = self.read()
        plan_line = PlanData("ligne", (line,)).plan().lines[0]
        try:
            check_line(plan_line, -1)  # said here, next to its field
        except DomainError as error:
            message = error.message[:1].upper() + error.message[1:]
            raise DomainError(message, error.field) from None
        return self._submit(line)


def _cover(cover: CoverData) -> Cover:
    return Cover(cover.share, cover.base, cover.rate, cover.monthly_cents, cover.mandatory)


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
        self._background: Background | None = None  # the PDF, on first use
        layout = QHBoxLayout(self)
        splitter = QSplitter()
        layout.addWidget(splitter)
        splitter.addWidget(self._list_panel())
        splitter.addWidget(self._editor())
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 900])

    @property
    def service(self) -> SimulationService:
        return self.view.workspace.simulations

    # --- layout ---

    def _list_panel(self) -> QWidget:
        box = QGroupBox("Simulations du dossier")
        layout = QVBoxLayout(box)
        self.list_model = TableModel(("Nom", "Statut", "Montant"), frozenset({2}))
        self.list_view = _table("simulationList", self.list_model)
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
        self.name_edit = _edit("simulationNameEdit", "Nom de la simulation", 400)
        self.name_edit.editingFinished.connect(self._rename)
        self.status_combo = _combo("simulationStatusCombo", "Statut", SimulationStatus)
        self.status_combo.activated.connect(lambda _i: self._set_status())
        head.addWidget(QLabel("Nom :"))
        head.addWidget(self.name_edit, 1)
        head.addWidget(QLabel("Statut :"))
        head.addWidget(self.status_combo)
        layout.addLayout(head)

        lines = QGroupBox("Prêts")
        lines_layout = QVBoxLayout(lines)
        self.lines_model = TableModel(
            ("Type", "Banque", "Montant", "Taux", "Durée", "Différé", "Assurance", "Mensualité"),
            frozenset({2, 7}),
        )
        self.lines_view = _table("loanLinesTable", self.lines_model)
        self.lines_view.doubleClicked.connect(lambda _i: self.edit_line())
        self.lines_view.setMinimumHeight(120)
        lines_layout.addWidget(self.lines_view)
        buttons = QHBoxLayout()
        for name, text, slot in (
            ("addLoanLineButton", "Ajouter un prêt", self.add_line),
            ("editLoanLineButton", "Modifier", self.edit_line),
            ("removeLoanLineButton", "Retirer", self.remove_line),
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
        buttons.addWidget(self.smoothing_check)
        self.rental_combo = _combo("rentalMethodCombo", "Revenus locatifs comptés", RentalMethod)
        self.rental_combo.setToolTip(
            "Comment la banque compte les loyers : classique (70 % en revenus) ou "
            "différentiel (loyers pondérés moins les charges du bien)"
        )
        self.rental_combo.activated.connect(lambda _i: self._save_fees())
        buttons.addWidget(QLabel("Loyers :"))
        buttons.addWidget(self.rental_combo)
        lines_layout.addLayout(buttons)
        layout.addWidget(lines)

        fees = QGroupBox("Frais")
        fees_layout = QHBoxLayout(fees)
        self.dossier_fees = _edit("dossierFeesEdit", "Frais de dossier (€)")
        self.guarantee_combo = _combo(
            "guaranteeCombo", "Garantie", Guarantee, with_none="— Garantie —"
        )
        self.guarantee_fees = _edit("guaranteeFeesEdit", "Frais de garantie (€)")
        self.brokerage_fees = _edit("brokerageFeesEdit", "Honoraires de courtage (€)")
        for label, widget in (
            ("Dossier :", self.dossier_fees),
            ("Garantie :", self.guarantee_combo),
            ("frais :", self.guarantee_fees),
            ("Courtage :", self.brokerage_fees),
        ):
            if label:
                fees_layout.addWidget(QLabel(label))
            fees_layout.addWidget(widget)
        fees_layout.addStretch(1)
        for edit in (self.dossier_fees, self.guarantee_fees, self.brokerage_fees):
            edit.editingFinished.connect(self._save_fees)
        self.guarantee_combo.activated.connect(lambda _i: self._save_fees())
        layout.addWidget(fees)

        results = QGroupBox("Résultat")
        grid = QGridLayout(results)
        self.monthly_label = plain(QLabel())
        self.monthly_label.setObjectName("monthlyTotalLabel")
        self.cost_label = plain(QLabel())
        self.cost_label.setObjectName("costLabel")
        self.taeg_label = plain(QLabel())
        self.taeg_label.setObjectName("taegLabel")
        self.usury_label = plain(QLabel())
        self.usury_label.setObjectName("usuryLabel")
        self.usury_label.setWordWrap(True)
        grid.addWidget(set_role(QLabel("Mensualité"), "hint"), 0, 0)
        grid.addWidget(self.monthly_label, 1, 0)
        grid.addWidget(set_role(QLabel("Coût du crédit"), "hint"), 0, 1)
        grid.addWidget(self.cost_label, 1, 1)
        grid.addWidget(set_role(QLabel("TAEG"), "hint"), 0, 2)
        grid.addWidget(self.taeg_label, 1, 2)
        grid.addWidget(self.usury_label, 2, 0, 1, 3)
        self.debt_label = plain(QLabel())
        self.debt_label.setObjectName("debtRatioLabel")
        self.debt_label.setWordWrap(True)
        self.living_label = plain(QLabel())
        self.living_label.setObjectName("remainingIncomeLabel")
        self.living_label.setWordWrap(True)
        grid.addWidget(self.debt_label, 3, 0, 1, 3)
        grid.addWidget(self.living_label, 4, 0, 1, 3)
        layout.addWidget(results)

        self.schedule_model = TableModel(
            ("Année", "Échéances", "Intérêts", "Capital", "Assurance", "Restant dû"),
            frozenset({1, 2, 3, 4, 5}),
        )
        self.schedule_view = _table("amortizationTable", self.schedule_model)
        self.schedule_view.setMinimumHeight(160)
        schedule = QGroupBox("Tableau d'amortissement par année")
        schedule_layout = QVBoxLayout(schedule)
        schedule_layout.addWidget(self.schedule_view)
        export_row = QHBoxLayout()
        export_row.addStretch(1)
        self.pdf_button = QPushButton("Synthèse PDF")
        self.pdf_button.setObjectName("simulationPdfButton")
        self.pdf_button.setToolTip(
            "La synthèse de financement pour le client ou la banque : enregistrée dans les "
            "documents du dossier et ouverte"
        )
        self.pdf_button.clicked.connect(self.make_pdf)
        export_row.addWidget(self.pdf_button)
        self.export_button = QPushButton("Exporter le tableau (Excel, CSV)…")
        self.export_button.setObjectName("exportScheduleButton")
        self.export_button.clicked.connect(self._choose_export)
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
            self.lines_model.set_rows(list(plan.lines), [_raw_row(line) for line in plan.lines])
            self.schedule_model.set_rows([], [])
            for label in (self.monthly_label, self.cost_label, self.taeg_label):
                label.setText("—")
            self.debt_label.setText("")
            self.living_label.setText("")
            _verdict(self.usury_label, outcome.problem.message if outcome.problem else "", False)
            return
        self.lines_model.set_rows(
            list(plan.lines),
            [_line_row(line, result, index, self.banks) for index, line in enumerate(plan.lines)],
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
        self.schedule_model.set_rows([], _years(result))
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

    def _save_plan(self, plan: PlanData) -> bool:
        current = self.current
        if current is None or self.read_only:
            return False
        return self._run(lambda s, info: s.save(current, info.version, plan))

    def _rename(self) -> None:
        if self.plan is not None and self.name_edit.text() != self.plan.name:
            self._save_plan(replace(self.plan, name=self.name_edit.text()))

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
            self._save_plan(plan)

    def _choose_export(self) -> None:
        if self.plan is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self,
            "Exporter le tableau d'amortissement",
            f"{self.plan.name}.xlsx",
            "Classeur Excel (*.xlsx);;CSV pour Excel (*.csv)",
        )
        if name:
            self.export_schedule(Path(name))

    def export_schedule(self, target: Path) -> bool:
        """The plan's amortization table into `target` (.csv for French Excel, else a
        workbook). A few tens of milliseconds for 30 years: done at once."""
        plan = self.plan
        if plan is None:
            return False
        outcome = attempt(lambda: compute(plan.plan()))
        if outcome.value is None:
            return False
        result = outcome.value
        try:
            if target.suffix.lower() == ".csv":
                write_csv(result, target)
            else:
                write_xlsx(result, target.with_suffix(".xlsx"), plan.name)
        except OSError as error:
            self.error.show_message(f"Le fichier n'a pas pu être écrit : {error.strerror}.")
            return False
        self.error.clear_message()
        self.view.show_notice(f"Tableau d'amortissement exporté : {target}")
        return True

    def make_pdf(self, open_it: bool = True) -> ProgressRun | None:
        """The «Synthèse de financement», made off the GUI thread, then saved into the
        dossier's documents and opened with the system's viewer."""
        current, plan = self.current, self.plan
        if current is None or plan is None or self.view.detail is None:
            return None
        folder = self.view.workspace.paths.folder / "exports"
        name = f"Synthèse {self.view.detail.number} - {plan.name}.pdf".replace("/", "-")
        target = folder / name
        if self._background is None:
            self._background = Background()
        run = ProgressRun(self, "Synthèse de financement…", self._background)
        service = self.service
        run.start(
            lambda progress: service.write_synthesis(
                current, target, lambda: not progress(50, 100)
            ),
            lambda path: self._pdf_made(path, plan.name, open_it),
            self._pdf_failed,
        )
        return run

    def _pdf_made(self, path: Path, name: str, open_it: bool) -> None:
        saved = self.view.execute(
            lambda s, d: s.attach_document(
                d.id, d.version, f"Synthèse de financement — {name}", path
            )
        )
        if saved is not None:
            self.view.show_notice(f"Synthèse enregistrée dans les documents du dossier : {path}")
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _pdf_failed(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self.error.show_message(error.message)
        elif isinstance(error, OSError):
            self.error.show_message(f"La synthèse n'a pas pu être écrite : {error.strerror}.")
        else:
            raise error

    def compare(self) -> CompareDialog | None:
        if self.info is None or len(self.info.simulations) < 2:
            return None
        dialog = CompareDialog(self, self.service, self.info, self.household)
        dialog.open()
        return dialog

    def _borrowers(self) -> list[str]:
        household = self.view.workspace.household.get(self.view.dossier_id)
        return [
            f"{b.first_name} {b.last_name}".strip() or f"Emprunteur {rank}"
            for rank, b in enumerate(household.borrowers, start=1)
        ]

    def add_line(self) -> LineDialog | None:
        if self.plan is None or self.read_only:
            return None
        return self._line_dialog(None, lambda plan, line: replace(plan, lines=(*plan.lines, line)))

    def edit_line(self) -> LineDialog | None:
        index = self.lines_view.currentIndex().row()
        if self.plan is None or self.read_only or not 0 <= index < len(self.plan.lines):
            return None

        def changed(plan: PlanData, line: LineData) -> PlanData:
            if index >= len(plan.lines):
                raise DomainError("Cette ligne n'existe plus : la simulation a été modifiée.")
            lines = list(plan.lines)
            lines[index] = line
            return replace(plan, lines=tuple(lines))

        return self._line_dialog(self.plan.lines[index], changed)

    def remove_line(self) -> QMessageBox | None:
        index = self.lines_view.currentIndex().row()
        if self.plan is None or self.read_only or not 0 <= index < len(self.plan.lines):
            return None
        line = self.plan.lines[index]

        def remove() -> None:
            if self.plan is not None and index < len(self.plan.lines):
                lines = [each for i, each in enumerate(self.plan.lines) if i != index]
                self._save_plan(replace(self.plan, lines=tuple(lines)))

        return confirm(
            self,
            "removeLoanLineDialog",
            "Retirer le prêt",
            f"Retirer le prêt {index + 1} ({line.kind.label.lower()}, "
            f"{format_amount(line.amount_cents)}) de la simulation ?",
            "Retirer",
            remove,
        )

    def _line_dialog(self, line: LineData | None, plan_with) -> LineDialog:
        def submit(new_line: LineData) -> bool:
            # The plan as it is now (another window may have changed it meanwhile).
            if self.plan is None or not self._save_plan(plan_with(self.plan, new_line)):
                raise DomainError(self.error.text() or "La ligne n'a pas été enregistrée.")
            return True

        banks = self.view.workspace.office.active_banks()
        dialog = LineDialog(self, self._borrowers(), line, submit, banks)
        dialog.open()
        return dialog


class CompareDialog(QDialog):
    """Two simulations of the dossier side by side: what each costs and weighs."""

    ROWS = (
        "Montant emprunté",
        "Durée",
        "Mensualité (assurance comprise)",
        "Intérêts",
        "Assurance",
        "Frais",
        "Coût total du crédit",
        "TAEG",
        "TAEA",
        "Taux d'endettement après",
    )

    def __init__(self, parent: QWidget, service, info, household) -> None:
        super().__init__(parent)
        self.setObjectName("compareSimulationsDialog")
        self.setWindowTitle("Comparer deux simulations")
        self._service, self._household = service, household
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.left = QComboBox()
        self.left.setObjectName("compareLeftCombo")
        self.right = QComboBox()
        self.right.setObjectName("compareRightCombo")
        for combo in (self.left, self.right):
            for simulation in info.simulations:
                combo.addItem(simulation.name, simulation.id)
            row.addWidget(combo)
        self.right.setCurrentIndex(1)
        layout.addLayout(row)
        self.model = TableModel(("", "", ""), frozenset({1, 2}))
        self.table = _table("compareTable", self.model)
        for combo in (self.left, self.right):
            combo.currentIndexChanged.connect(lambda _i: self._show())
        layout.addWidget(self.table)
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(640, 380)
        self._show()

    def _column(self, simulation_id: int) -> list[str]:
        stored = attempt(lambda: self._service.get(simulation_id)).value
        result = attempt(lambda: compute(stored.plan.plan())).value if stored else None
        if stored is None or result is None:
            return ["—"] * len(self.ROWS)
        highest = max(result.monthly_cents)
        months = max(line.months for line in result.plan.lines)
        ratio = "—"
        if self._household is not None and self._household.budget.incomes_cents:
            budget, method = self._household.budget, stored.plan.rental_method
            ratio = percent(debt_ratio(budget, method, highest).ratio)
        return [
            format_amount(result.borrowed_cents),
            format_duration(months),
            format_amount(result.first_monthly_cents),
            format_amount(result.interest_cents),
            format_amount(result.insurance_cents),
            format_amount(result.fees_cents),
            format_amount(result.cost_cents),
            percent(result.taeg),
            percent(result.taea),
            ratio,
        ]

    def _show(self) -> None:
        left, right = self.left.currentData(), self.right.currentData()
        if left is None or right is None:
            return
        self.model.set_headers(("", self.left.currentText(), self.right.currentText()))
        columns = (self._column(left), self._column(right))
        self.model.set_rows(
            list(self.ROWS),
            [(label, columns[0][i], columns[1][i]) for i, label in enumerate(self.ROWS)],
        )


def _table(name: str, model: TableModel) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _raw_row(line: LineData) -> tuple[str, ...]:
    """A line as stored, without its computed payment."""
    return (
        line.kind.label,
        "",
        format_amount(line.amount_cents),
        f"{format_rate_input(line.rate)} %",
        format_duration(line.months),
        line.deferral.label,
        str(len(line.covers)),
        "—",
    )


def _line_row(
    line: LineData, result: PlanResult, index: int, banks: dict[int, str]
) -> tuple[str, ...]:
    deferral = (
        f"{line.deferral.label} {line.deferral_months} mois"
        if line.deferral is not Deferral.NONE
        else "—"
    )
    covers = (
        ", ".join(
            f"{c.share.normalize():f} %"
            if c.base is not InsuranceBase.FIXED
            else format_amount(c.monthly_cents)
            for c in line.covers
        )
        or "—"
    )
    table = result.schedules[index]
    return (
        line.kind.label,
        banks.get(line.bank_id, "—") if line.bank_id is not None else "—",
        format_amount(line.amount_cents),
        f"{format_rate_input(line.rate)} %",
        format_duration(line.months),
        deferral,
        covers.replace(".", ","),
        format_amount(table.repaying.total_cents),
    )


def _verdict(label: QLabel, text: str, ok: bool) -> None:
    """A verdict: plain when it passes, red with its reason when it does not."""
    label.setText(text)
    set_role(label, "" if ok else "error")
    label.style().unpolish(label)
    label.style().polish(label)


def _years(result: PlanResult) -> list[tuple[str, ...]]:
    rows = []
    months = len(result.monthly_cents)
    for start in range(0, months, 12):
        chunk = range(start, min(start + 12, months))
        paid = interest = capital = insurance = 0
        remaining = 0
        for schedule in result.schedules:
            for k in chunk:
                if k < len(schedule.months):
                    month = schedule.months[k]
                    paid += month.payment_cents
                    interest += month.interest_cents
                    capital += month.capital_cents
                    insurance += month.insurance_cents
            last = min(chunk.stop, len(schedule.months)) - 1
            remaining += schedule.months[last].remaining_cents if last >= chunk.start else 0
        rows.append(
            (
                str(start // 12 + 1),
                format_amount(paid),
                format_amount(interest),
                format_amount(capital),
                format_amount(insurance),
                format_amount(remaining),
            )
        )
    return rows
