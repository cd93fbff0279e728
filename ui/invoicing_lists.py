"""The lists of the «Facturation» window (`ui.invoicing_window`): a table fitted to its
content, one column taking the width left, and the model that colours its «État» column (late
in red, paid in green)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from ui.columns import ColumnFitter, read_only_table
from ui.common import TableModel

STATUS_COLOURS = {
    "En retard": "#b42318",
    "Payée": "#1a7f37",
    "Annulée": "#7b8794",
    "À rembourser": "#b54708",
}


class StatusColouredModel(TableModel):
    """The table, the status column coloured (late in red, paid in green)."""

    def __init__(self, headers: tuple[str, ...], right: frozenset[int], status_column: int):
        super().__init__(headers, right)
        self._status_column = status_column

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == self._status_column:
            colour = STATUS_COLOURS.get(super().data(index, Qt.ItemDataRole.DisplayRole))
            return QColor(colour) if colour else None
        return super().data(index, role)


def invoicing_table(name: str, model: TableModel, stretch: int) -> QTableView:
    """A list of the window: its columns fitted to their content, column `stretch` (whom
    the piece is for) taking the width left."""
    table = read_only_table(name, model)
    table.setShowGrid(False)
    table.horizontalHeader().setResizeContentsPrecision(60)  # the first rows, not 1,000
    ColumnFitter(table, stretch)
    return table
