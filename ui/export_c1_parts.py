"""The pieces of the «Exporter C1» dialog (`ui.export_c1`): how counts and periods are
said, the preview's column widths, «Enregistrer comme modèle…», the filters' labels."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QLineEdit, QTableView, QToolButton, QWidget

from app.exports.c1 import DEFAULT_MODEL, MODEL_NAME_MAX, ExportModel
from ui.common import FormDialog, plain, set_role

if TYPE_CHECKING:
    from app.exports.c1_service import C1ExportService

_PREVIEW_COLUMN_MOST = 280  # a long name is cut there (its cell's tool tip says it whole)


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def count_text(count: int) -> str:
    if count == 0:
        return "Aucun dossier ne correspond à ces filtres"
    if count == 1:
        return "1 dossier sera exporté"
    return f"{thousands(count)} dossiers seront exportés"


# --- periods a manager asks for ------------------------------------------------------------


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def usual_periods(today: dt.date) -> list[tuple[str, dt.date | None, dt.date | None]]:
    """«Ce mois-ci», «Le mois dernier»…: (label, start, end)."""
    this_month = _month_start(today)
    quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last_quarter = _month_start(quarter, 3)
    return [
        ("Ce mois-ci", this_month, today),
        ("Le mois dernier", _month_start(today, 1), this_month - dt.timedelta(days=1)),
        ("Ce trimestre", quarter, today),
        ("Le trimestre dernier", last_quarter, quarter - dt.timedelta(days=1)),
        ("Cette année", dt.date(today.year, 1, 1), today),
        ("L'année dernière", dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        ("Toutes les dates", None, None),
    ]


# --- the preview ---------------------------------------------------------------------------


def fit_preview_columns(table: QTableView) -> None:
    """Each column as wide as its header and its first rows (at most `_PREVIEW_COLUMN_MOST`):
    a report of 27 columns scrolls sideways rather than squeezing them all unreadable; a
    narrow one shares the width left in proportion."""
    model, header = table.model(), table.horizontalHeader()
    metrics = QFontMetrics(table.font())
    widths = []
    for column in range(model.columnCount()):
        widest = header.sectionSizeHint(column)
        for row in range(model.rowCount()):
            text = model.index(row, column).data()
            if text:
                widest = max(widest, metrics.horizontalAdvance(text) + 16)
        widths.append(min(widest, _PREVIEW_COLUMN_MOST))
    available, total = table.viewport().width(), sum(widths)
    if widths and total < available:
        widths = [width + (available - total) * width // total for width in widths]
    for column, width in enumerate(widths):
        header.resizeSection(column, width)


# --- «Enregistrer comme modèle…» ----------------------------------------------------------


class SaveModelDialog(FormDialog):
    """The name under which the office keeps the columns chosen (a known name replaces
    that model)."""

    def __init__(
        self, parent: QWidget, service: C1ExportService, columns: list[str], name: str
    ) -> None:
        super().__init__(parent, "Enregistrer le modèle d'export", "saveExportModelDialog")
        self.ok_button.setText("Enregistrer")
        self._service = service
        self._columns = columns
        self._known = {m.name.casefold(): m.name for m in service.models()}
        self.form.addWidget(QLabel("Nom du modèle :"))
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("exportModelNameField")
        self.name_edit.setAccessibleName("Nom du modèle")
        self.name_edit.setMaxLength(MODEL_NAME_MAX)
        self.name_edit.setPlaceholderText("Par exemple : Contrôle réseau mensuel")
        self.name_edit.selectAll()
        self.form.addWidget(self.name_edit)
        shown = len(columns)
        self.hint = plain(set_role(QLabel(), "hint"))
        self.hint.setObjectName("exportModelNameHint")
        self.form.addWidget(self.hint)
        self._about = f"{shown} colonne{'s' if shown > 1 else ''}, dans l'ordre choisi."
        self.name_edit.textChanged.connect(self._say)
        self._say(name)
        self.fields = {"name": self.name_edit}
        self.setMinimumWidth(440)

    def _say(self, text: str) -> None:
        known = self._known.get(" ".join(text.split()).casefold())
        if known and known != DEFAULT_MODEL:
            self.hint.setText(f"{self._about} Le modèle « {known} » sera remplacé.")
        else:
            self.hint.setText(f"{self._about} Il sera proposé à tous les utilisateurs du cabinet.")

    def submit(self) -> ExportModel:
        return self._service.save_model(self.name_edit.text(), self._columns)


def field_label(text: str) -> QLabel:
    label = set_role(QLabel(text + " :"), "fieldName")
    label.setWordWrap(False)
    return label


def tool_button(name: str, text: str, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tooltip)
    button.setAccessibleName(tooltip)
    return button
