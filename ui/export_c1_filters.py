"""The «Dossiers à exporter» box of «Exporter C1» (`ui.export_c1`): the period (and its
«Périodes usuelles»), the broker, the step, the statuses and whether the dossier is complete —
the filters of the export."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QRadioButton,
)

from app.exports.c1 import C1Filters, Completeness, DateField
from ui.export_c1_parts import field_label, usual_periods
from ui.widgets import DateField as DateEdit

if TYPE_CHECKING:
    from ui.export_c1 import ExportC1Dialog

_STATUSES = (
    ("prospect", "Prospect", "exportProspectCheck"),
    ("client", "Client", "exportClientCheck"),
    ("abandoned", "Abandonné", "exportAbandonedCheck"),
)
_COMPLETENESS = (
    (Completeness.ALL, "exportAllRadio"),
    (Completeness.YES, "exportCompleteRadio"),
    (Completeness.NO, "exportIncompleteRadio"),
)


class C1FiltersBox(QGroupBox):
    """The dossiers the export takes."""

    def __init__(self, dialog: ExportC1Dialog) -> None:
        super().__init__("Dossiers à exporter")
        self._dialog = dialog
        self.setObjectName("exportFiltersBox")
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(4, 1)

        self.date_field_combo = QComboBox()
        self.date_field_combo.setObjectName("exportDateFieldCombo")
        self.date_field_combo.setAccessibleName("Date à laquelle s'applique la période")
        for field in DateField:
            self.date_field_combo.addItem(field.label, field.value)
        self.start_field = DateEdit("exportFromDate", "Début de la période")
        self.end_field = DateEdit("exportToDate", "Fin de la période")
        self.period_button = QPushButton("Périodes usuelles")
        self.period_button.setObjectName("exportPeriodButton")
        self.period_button.setToolTip("Ce mois-ci, le mois dernier, ce trimestre, cette année…")
        self.period_menu = QMenu(self.period_button)
        for label, start, end in usual_periods(dt.date.today()):
            action = self.period_menu.addAction(label)
            action.triggered.connect(lambda _c=False, s=start, e=end: self.set_period(s, e))
        self.period_button.setMenu(self.period_menu)
        period = QHBoxLayout()
        period.setSpacing(6)
        line = self.date_field_combo.sizeHint().height()  # a date's error shows under it
        for widget in (
            self.date_field_combo,
            QLabel("du"),
            self.start_field,
            QLabel("au"),
            self.end_field,
            self.period_button,
        ):
            if isinstance(widget, QLabel):
                widget.setFixedHeight(line)
            period.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
        period.addStretch(1)
        grid.addWidget(field_label("Période"), 0, 0)
        grid.addLayout(period, 0, 1, 1, 4)

        self.broker_combo = QComboBox()
        self.broker_combo.setObjectName("exportBrokerCombo")
        self.broker_combo.setAccessibleName("Courtier")
        self.step_combo = QComboBox()
        self.step_combo.setObjectName("exportStepCombo")
        self.step_combo.setAccessibleName("Étape")
        grid.addWidget(field_label("Courtier"), 1, 0)
        grid.addWidget(self.broker_combo, 1, 1)
        grid.addWidget(field_label("Étape"), 1, 2)
        grid.addWidget(self.step_combo, 1, 3)

        statuses = QHBoxLayout()
        statuses.setSpacing(14)
        self.status_checks: dict[str, QCheckBox] = {}
        for value, label, name in _STATUSES:
            check = QCheckBox(label)
            check.setObjectName(name)
            check.setChecked(True)
            self.status_checks[value] = check
            statuses.addWidget(check)
        statuses.addStretch(1)
        complete = QHBoxLayout()
        complete.setSpacing(14)
        self.completeness_group = QButtonGroup(self)
        self.completeness_radios: dict[Completeness, QRadioButton] = {}
        for value, name in _COMPLETENESS:
            radio = QRadioButton(value.label)
            radio.setObjectName(name)
            radio.setChecked(value is Completeness.ALL)
            self.completeness_group.addButton(radio)
            self.completeness_radios[value] = radio
            complete.addWidget(radio)
        complete.addStretch(1)
        grid.addWidget(field_label("Statut"), 2, 0)
        grid.addLayout(statuses, 2, 1)
        grid.addWidget(field_label("Dossier complet"), 2, 2)
        grid.addLayout(complete, 2, 3)

    def follow_choices(self) -> None:
        """From now on, a filter changed asks a new preview."""
        for field in (self.start_field, self.end_field):
            field.edited.connect(lambda _v: self._dialog.schedule_preview())
            # A date typed wrong is no edit: the preview still learns it stands refused.
            field.edit.editingFinished.connect(self._dialog.schedule_preview)
        for combo in (self.date_field_combo, self.broker_combo, self.step_combo):
            combo.currentIndexChanged.connect(lambda _i: self._dialog.schedule_preview())
        for check in self.status_checks.values():
            check.toggled.connect(lambda _on: self._dialog.schedule_preview())
        self.completeness_group.buttonToggled.connect(
            lambda _b, on: self._dialog.schedule_preview() if on else None
        )

    def filters(self) -> C1Filters:
        complete = next(v for v, radio in self.completeness_radios.items() if radio.isChecked())
        statuses = frozenset(v for v, check in self.status_checks.items() if check.isChecked())
        broker = self.broker_combo.currentData()
        return C1Filters(
            start=self.start_field.value(),
            end=self.end_field.value(),
            date_field=DateField(self.date_field_combo.currentData()),
            broker_ids=frozenset() if broker is None else frozenset({broker}),
            statuses=frozenset() if len(statuses) == len(_STATUSES) else statuses,
            step_id=self.step_combo.currentData(),
            completeness=complete,
        )

    def set_period(self, start: dt.date | None, end: dt.date | None) -> None:
        self.start_field.set_value(start)
        self.end_field.set_value(end)
        self._dialog.schedule_preview()
