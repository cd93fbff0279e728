"""«Calculatrice» (Outils menu): a financing plan without a dossier, for a phone call — the
same loan lines, insurance, fees and results as a dossier's simulation — then «Enregistrer
dans un dossier…» makes it a simulation of an existing dossier or of a new one."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.dossier.dossier_service import NewDossier
from app.errors import DomainError, NotFound
from app.office.office import Choice
from app.simulation.finance import compute
from app.simulation.plans import LineData, PlanData
from app.simulation.summary import percent
from app.text import format_amount, parse_amount
from app.workspace import Workspace
from models.enums import DossierStatus
from ui.common import (
    ErrorLabel,
    FormDialog,
    RememberedGeometry,
    TableModel,
    icon,
    number_field,
    plain,
    set_role,
)
from ui.operations import attempt, show_refusal
from ui.simulation_chart import PlanChart, schedule_tabs
from ui.simulation_widgets import LineDialog, line_row, plan_table, year_model, year_rows


class CalculatorWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.setObjectName("calculatorWindow")
        self.setWindowTitle("Dossia — Calculatrice de financement")
        self.setWindowIcon(icon("dossia"))
        self._geometry = RememberedGeometry(self, workspace, "calculatrice", (1000, 720))
        self.workspace = workspace
        self.plan = PlanData("Calcul", (LineData(200_000_00, Decimal("3.50"), 240),))
        self.banks = {b.id: b.label for b in workspace.office.active_banks()}
        central = QWidget()
        layout = QVBoxLayout(central)
        lines = QGroupBox("Prêts")
        lines_layout = QVBoxLayout(lines)
        self.lines_model = TableModel(
            ("Type", "Banque", "Montant", "Taux", "Durée", "Différé", "Assurance", "Mensualité"),
            frozenset({2, 7}),
        )
        self.lines_view = plan_table("calculatorLinesTable", self.lines_model)
        self.lines_view.doubleClicked.connect(lambda _i: self.edit_line())
        lines_layout.addWidget(self.lines_view)
        buttons = QHBoxLayout()
        for name, text, slot in (
            ("calculatorAddLineButton", "Ajouter un prêt", self.add_line),
            ("calculatorEditLineButton", "Modifier", self.edit_line),
            ("calculatorRemoveLineButton", "Retirer", self.remove_line),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Frais (dossier, garantie, courtage) :"))
        self.fees_edit = QLineEdit()
        self.fees_edit.setObjectName("calculatorFeesEdit")
        number_field(self.fees_edit)
        self.fees_edit.setAccessibleName("Frais en euros")
        self.fees_edit.setMaximumWidth(120)
        self.fees_edit.editingFinished.connect(self._fees_changed)
        buttons.addWidget(self.fees_edit)
        lines_layout.addLayout(buttons)
        layout.addWidget(lines)

        results = QGroupBox("Résultat")
        grid = QGridLayout(results)
        self.monthly_label = plain(QLabel())
        self.monthly_label.setObjectName("calculatorMonthlyLabel")
        self.cost_label = plain(QLabel())
        self.cost_label.setObjectName("calculatorCostLabel")
        self.taeg_label = plain(QLabel())
        self.taeg_label.setObjectName("calculatorTaegLabel")
        for column, (title, label) in enumerate(
            (
                ("Mensualité", self.monthly_label),
                ("Coût du crédit", self.cost_label),
                ("TAEG", self.taeg_label),
            )
        ):
            grid.addWidget(set_role(QLabel(title), "hint"), 0, column)
            grid.addWidget(label, 1, column)
        layout.addWidget(results)
        self.schedule_model = year_model()
        self.schedule_view = plan_table("calculatorAmortizationTable", self.schedule_model)
        self.chart = PlanChart("calculatorChart")
        layout.addWidget(schedule_tabs("calculatorScheduleTabs", self.schedule_view, self.chart), 1)
        self.error = ErrorLabel("calculatorError")
        layout.addWidget(self.error)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        self.save_button = QPushButton("Enregistrer dans un dossier…")
        self.save_button.setObjectName("saveCalculationButton")
        self.save_button.clicked.connect(self.save_to_dossier)
        save_row.addWidget(self.save_button)
        layout.addLayout(save_row)
        self.setCentralWidget(central)
        self._show()

    # --- the plan ---

    def _show(self) -> None:
        plan = self.plan
        self.fees_edit.setText(
            format_amount(plan.dossier_fees_cents).removesuffix("\u00a0€")
            if plan.dossier_fees_cents
            else ""
        )
        outcome = attempt(lambda: compute(plan.plan()))
        result = outcome.value
        if result is None:
            if outcome.problem is not None:
                show_refusal(outcome.problem, self.error, {})
            return
        self.error.clear_message()
        self.lines_model.set_rows(
            list(plan.lines),
            [line_row(line, result, i, self.banks) for i, line in enumerate(plan.lines)],
        )
        first = result.first_monthly_cents
        without = result.monthly_without_insurance_cents[result.usual_month]
        self.monthly_label.setText(
            f"{format_amount(first)}  (dont assurance {format_amount(first - without)})"
        )
        self.cost_label.setText(format_amount(result.cost_cents))
        self.taeg_label.setText(f"{percent(result.taeg)}  (TAEA {percent(result.taea)})")
        self.schedule_model.set_rows([], year_rows(result))
        self.chart.show_result(result)

    def _set(self, plan: PlanData) -> None:
        """A new plan, if the maths accept it (else their refusal is raised)."""
        compute(plan.plan())
        self.plan = plan
        self._show()

    def _fees_changed(self) -> None:
        outcome = attempt(
            lambda: self._set(
                replace(
                    self.plan,
                    dossier_fees_cents=parse_amount(self.fees_edit.text(), "fees") or 0,
                )
            )
        )
        if outcome.problem is not None:
            show_refusal(outcome.problem, self.error, {"fees": self.fees_edit})

    def add_line(self) -> LineDialog:
        return self._line_dialog(None, lambda plan, line: replace(plan, lines=(*plan.lines, line)))

    def edit_line(self) -> LineDialog | None:
        index = self.lines_view.currentIndex().row()
        if not 0 <= index < len(self.plan.lines):
            return None

        def changed(plan: PlanData, line: LineData) -> PlanData:
            lines = list(plan.lines)
            lines[index] = line
            return replace(plan, lines=tuple(lines))

        return self._line_dialog(self.plan.lines[index], changed)

    def remove_line(self) -> None:
        index = self.lines_view.currentIndex().row()
        if 0 <= index < len(self.plan.lines) and len(self.plan.lines) > 1:
            lines = [line for i, line in enumerate(self.plan.lines) if i != index]
            self._set(replace(self.plan, lines=tuple(lines)))

    def _line_dialog(self, line: LineData | None, plan_with) -> LineDialog:
        def submit(new_line: LineData) -> bool:
            self._set(plan_with(self.plan, new_line))
            return True

        banks = [Choice(i, label) for i, label in self.banks.items()]
        dialog = LineDialog(self, ["Emprunteur 1", "Emprunteur 2"], line, submit, banks)
        dialog.open()
        return dialog

    # --- into a dossier ---

    def save_to_dossier(self) -> SaveCalculationDialog:
        dialog = SaveCalculationDialog(self, self.workspace, self.plan)
        dialog.accepted.connect(lambda: self._saved(dialog.result_value))
        dialog.open()
        return dialog

    def _saved(self, dossier_id) -> None:
        self.statusBar().showMessage("Simulation enregistrée dans le dossier.", 8000)
        parent = self.parent()
        opener = getattr(parent, "open_dossier", None)
        if opener is not None:
            window = opener(dossier_id)
            window.view.show_simulations()


class SaveCalculationDialog(FormDialog):
    """Into an existing dossier (its number), or a new one (a name): the plan becomes one of
    its simulations."""

    def __init__(self, parent: QWidget, workspace: Workspace, plan: PlanData) -> None:
        super().__init__(
            parent, "Enregistrer dans un dossier", "saveCalculationDialog", "Enregistrer"
        )
        self._workspace, self._plan = workspace, plan
        self.existing = QRadioButton("Dans le dossier n° :")
        self.existing.setObjectName("existingDossierRadio")
        self.existing.setChecked(True)
        self.number_edit = QLineEdit()
        self.number_edit.setObjectName("calculationDossierNumberEdit")
        self.number_edit.setAccessibleName("Numéro du dossier")
        self.new = QRadioButton("Dans un nouveau dossier (prospect) au nom de :")
        self.new.setObjectName("newDossierRadio")
        self.last_name = QLineEdit()
        self.last_name.setObjectName("calculationLastNameEdit")
        self.last_name.setAccessibleName("Nom")
        self.last_name.setPlaceholderText("Nom")
        self.first_name = QLineEdit()
        self.first_name.setObjectName("calculationFirstNameEdit")
        self.first_name.setAccessibleName("Prénom")
        self.first_name.setPlaceholderText("Prénom")
        self.provenance = QComboBox()
        self.provenance.setObjectName("calculationProvenanceCombo")
        self.provenance.setAccessibleName("Provenance du nouveau dossier")
        self.provenance.addItem("— Provenance —", None)
        for choice in workspace.office.active_provenances():
            self.provenance.addItem(choice.label, choice.id)
        self.name_edit = QLineEdit(plan.name)
        self.name_edit.setObjectName("calculationNameEdit")
        self.name_edit.setAccessibleName("Nom de la simulation")
        grid = QGridLayout()
        grid.addWidget(self.existing, 0, 0)
        grid.addWidget(self.number_edit, 0, 1, 1, 2)
        grid.addWidget(self.new, 1, 0)
        grid.addWidget(self.last_name, 1, 1)
        grid.addWidget(self.first_name, 1, 2)
        grid.addWidget(self.provenance, 2, 1, 1, 2)
        grid.addWidget(QLabel("Nom de la simulation :"), 3, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.name_edit, 3, 1, 1, 2)
        self.form.addLayout(grid)
        self.fields = {
            "number": self.number_edit,
            "last_name": self.last_name,
            "provenance": self.provenance,
            "name": self.name_edit,
        }
        self.setMinimumWidth(620)

    def submit(self) -> int:
        workspace = self._workspace
        plan = replace(self._plan, name=self.name_edit.text())
        if self.existing.isChecked():
            number = self.number_edit.text().strip()
            if not number:
                raise DomainError("Saisissez le numéro du dossier.", "number")
            try:
                dossier_id = workspace.simulations.dossier_numbered(number)
            except NotFound as error:
                raise DomainError(error.message, "number") from None
            detail = workspace.dossiers.get(dossier_id)
        else:
            # The plan is checked first: a refused plan never leaves an empty new dossier.
            workspace.simulations.check_plan(plan, borrowers=1)
            detail = workspace.dossiers.create(
                NewDossier(
                    status=DossierStatus.PROSPECT,
                    last_name=self.last_name.text(),
                    first_name=self.first_name.text(),
                    owner_id=workspace.user.id,
                    provenance_id=self.provenance.currentData(),
                )
            )
        workspace.simulations.create(detail.id, detail.version, plan)
        return detail.id
