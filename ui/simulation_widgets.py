"""The pieces of the simulation screens shared by a dossier's «Simulations» tab and the
«Calculatrice»: the loan-line dialog, the comparison of two plans, the tables' rows."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.simulation import verdicts
from app.simulation.finance import Cover, Line, PlanResult, check_line, compute
from app.simulation.plans import (
    CoverData,
    LineData,
    PlanData,
    format_rate_input,
    parse_months,
    parse_rate,
)
from app.simulation.schedule_export import YEAR_HEADERS, plan_years
from app.simulation.summary import percent
from app.text import format_amount, format_amount_input, format_duration, parse_amount
from models.enums import Deferral, InsuranceBase, LineKind
from ui.columns import ColumnFitter, read_only_table
from ui.common import FormDialog, TableModel, number_field
from ui.operations import attempt

_COVER_TITLE = "Assurance de l'emprunteur : "


def combo(name: str, accessible: str, members, with_none: str = "") -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    if with_none:
        combo.addItem(with_none, None)
    for member in members:
        combo.addItem(member.label, member.value)
    return combo


def line_edit(name: str, accessible: str, width: int = 120, number: bool = True) -> QLineEdit:
    """A field of a plan: a number (aligned right) unless `number` is False."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setMaximumWidth(width)
    return number_field(edit) if number else edit


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
        self.kind = combo("loanKindCombo", "Type de prêt", LineKind)
        self.kind.setCurrentIndex(self.kind.findData(line.kind.value))
        self.amount = line_edit("loanAmountEdit", "Montant", 160)
        self.amount.setText(format_amount_input(line.amount_cents or None))
        self.rate = line_edit("loanRateEdit", "Taux nominal annuel (%)", 90)
        self.rate.setText(format_rate_input(line.rate))
        self.months = line_edit("loanMonthsEdit", "Durée en mois", 90)
        self.months.setText(str(line.months))
        self.deferral = combo("loanDeferralCombo", "Différé", Deferral)
        self.deferral.setCurrentIndex(self.deferral.findData(line.deferral.value))
        self.deferral_months = line_edit("loanDeferralMonthsEdit", "Durée du différé en mois", 90)
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
        share = line_edit(f"insuranceShareEdit{rank}", "Quotité assurée (%)", 80)
        share.setText(format_rate_input(cover.share).removesuffix(",00"))
        base = combo(f"insuranceBaseCombo{rank}", "Calcul de la prime", InsuranceBase)
        base.setCurrentIndex(base.findData(cover.base.value))
        rate = line_edit(f"insuranceRateEdit{rank}", "Taux d'assurance annuel (%)", 80)
        rate.setText(format_rate_input(cover.rate))
        monthly = line_edit(f"insuranceMonthlyEdit{rank}", "Prime mensuelle (€)", 100)
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
        for chooser in (self.left, self.right):
            for simulation in info.simulations:
                chooser.addItem(simulation.name, simulation.id)
            row.addWidget(chooser)
        self.right.setCurrentIndex(1)
        layout.addLayout(row)
        self.model = TableModel(("", "", ""), frozenset({1, 2}))
        self.table = plan_table("compareTable", self.model)
        for chooser in (self.left, self.right):
            chooser.currentIndexChanged.connect(lambda _i: self._show())
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
        months = max(line.months for line in result.plan.lines)
        ratio = (
            verdicts.ratio_after(result, self._household.budget, stored.plan.rental_method)
            if self._household is not None
            else "—"
        )
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


def plan_table(name: str, model: TableModel) -> QTableView:
    table = read_only_table(name, model)
    ColumnFitter(table, None)  # figures: each column as wide as they need, the rest shared
    return table


def raw_row(line: LineData) -> tuple[str, ...]:
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


def line_row(
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


def year_model() -> TableModel:
    """The columns of the amortization by year: those of the export and of the PDF."""
    return TableModel(YEAR_HEADERS, frozenset(range(1, len(YEAR_HEADERS))))


def year_rows(result: PlanResult) -> list[tuple[str, ...]]:
    """The amortization by year, formatted (the same figures as the export's)."""
    return [
        (str(year), *(format_amount(v) for v in values)) for year, *values in plan_years(result)
    ]
