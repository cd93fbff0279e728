"""«Relevé de ristournes…» of the «Facturation» window (`ui.invoicing_window`): the dialog
asking which apporteur d'affaires and which period the statement is for."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from app.errors import DomainError
from ui.common import FormDialog, set_role
from ui.operations import attempt
from ui.widgets import DateField

if TYPE_CHECKING:
    from app.workspace import Workspace


class StatementDialog(FormDialog):
    """«Relevé de ristournes»: an apporteur and a period."""

    def __init__(self, parent: QWidget, workspace: Workspace, start: dt.date, end: dt.date):
        super().__init__(parent, "Relevé de ristournes", "rebateStatementDialog", "Imprimer")
        self._workspace = workspace
        form = QFormLayout()
        self.referrer_combo = QComboBox()
        self.referrer_combo.setObjectName("statementReferrerCombo")
        outcome = attempt(workspace.office_invoicing.referrers)
        for referrer_id, name in outcome.value or []:
            self.referrer_combo.addItem(name, referrer_id)
        problem = outcome.problem.message if outcome.problem is not None else ""
        self.start_field = DateField("statementFromDate", "Du", optional=False)
        self.start_field.set_value(start)
        self.end_field = DateField("statementToDate", "Au", optional=False)
        self.end_field.set_value(end)
        form.addRow("Apporteur d'affaires :", self.referrer_combo)
        form.addRow("Du :", self.start_field)
        form.addRow("Au :", self.end_field)
        self.form.addLayout(form)
        self.form.addWidget(
            set_role(
                QLabel(
                    "Les ristournes émises au nom de l'apporteur sur la période, avec le dossier "
                    "et le client de chacune, ce qui lui a été versé et ce qui reste à verser."
                ),
                "hint",
            )
        )
        self.fields = {
            "referrer": self.referrer_combo,
            "start": self.start_field,
            "end": self.end_field,
        }
        self.setMinimumWidth(460)
        if not self.referrer_combo.count():
            self.error.show_message(problem or "Aucune ristourne n'a encore été émise.")
            self.ok_button.setEnabled(False)

    def submit(self) -> tuple[int, str, dt.date, dt.date]:
        referrer_id = self.referrer_combo.currentData()
        if referrer_id is None:
            raise DomainError("Choisissez un apporteur d'affaires.", "referrer")
        start, end = self.start_field.value(), self.end_field.value()
        if start is None or end is None:
            raise DomainError("Indiquez la période.", "start" if start is None else "end")
        self._workspace.office_invoicing.rebate_statement(referrer_id, start, end)  # checks
        return referrer_id, self.referrer_combo.currentText(), start, end
