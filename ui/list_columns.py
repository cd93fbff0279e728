"""The Clients list's columns: where each stands, its width (a wide window shares its
extra width among the names and labels), those the tab shows, and the optional ones the
user shows or hides from the header's context menu («Colonnes», kept on this computer)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMenu, QTableView

from app.listing import ListColumn, ListTab
from app.office.machine import MachineSettings
from ui.operations import attempt

# Each column's width at 1366 px; a wider window shares its extra width among the columns
# of names and labels, up to `_MOST` each (a name never takes half of a wide screen).
_COLUMN_WIDTHS = {
    ListColumn.NUMBER: 105,
    ListColumn.HOLDER: 220,
    ListColumn.STATUS: 95,
    ListColumn.OWNER: 145,
    ListColumn.PROVENANCE: 160,
    ListColumn.STEP: 150,
    ListColumn.PROGRESS: 125,
    ListColumn.CREATED: 95,
    ListColumn.ABANDONED_ON: 115,
    ListColumn.ABANDON_REASON: 140,
    ListColumn.COMPLETE: 75,
    ListColumn.BANK: 150,
}
_GROWING = (
    ListColumn.HOLDER,
    ListColumn.OWNER,
    ListColumn.PROVENANCE,
    ListColumn.STEP,
    ListColumn.ABANDON_REASON,
    ListColumn.BANK,
)
_MOST = 340
# Where each column stands on screen (the model's order is the storage's).
_VISUAL_ORDER = tuple(_COLUMN_WIDTHS)
# Columns the user shows or hides (the header's context menu), by their name: this
# computer's choice (hidden at first).
OPTIONAL_COLUMNS = (ListColumn.BANK,)


class ListColumns(QObject):
    """The columns of the list `table`, as `machine` (this computer) keeps the optional ones."""

    def __init__(self, table: QTableView, machine: MachineSettings, tab: ListTab) -> None:
        super().__init__(table)
        self._table = table
        self._machine = machine
        header = table.horizontalHeader()
        for position, column in enumerate(_VISUAL_ORDER):
            header.moveSection(header.visualIndex(column), position)
        self._optional_shown = machine.shown_columns()
        self.show_tab(tab)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(
            lambda position: self.menu().popup(header.mapToGlobal(position))
        )

    def menu(self) -> QMenu:
        """«Colonnes»: show or hide the optional columns (kept on this computer)."""
        menu = QMenu(self._table)
        menu.setObjectName("columnsMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for column in OPTIONAL_COLUMNS:
            action = menu.addAction(column.header)
            action.setObjectName(f"showColumn_{column.name.lower()}")
            action.setCheckable(True)
            action.setChecked(not self._table.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))
        return menu

    def show_column(self, column: ListColumn, shown: bool) -> None:
        table = self._table
        table.setColumnHidden(column, not shown)
        names = frozenset(c.name.lower() for c in OPTIONAL_COLUMNS if not table.isColumnHidden(c))
        self._optional_shown = names
        attempt(lambda: self._machine.set_shown_columns(names))
        self.fit()

    def show_tab(self, tab: ListTab) -> None:
        """The columns of this tab: «Statut» on «Tous», the reason and date of abandon on
        «Abandonnés», the optional ones as this computer chose."""
        for column in ListColumn:
            if column in OPTIONAL_COLUMNS:
                hidden = column.name.lower() not in self._optional_shown
            else:
                hidden = not column.shown_in(tab)
            self._table.setColumnHidden(column, hidden)
        self.fit()

    def fit(self) -> None:
        """Each column at its width; the extra width of a wide window shared among the
        columns of names and labels (up to `_MOST` each), the rest left to the last one."""
        table = self._table
        shown = [c for c in _VISUAL_ORDER if not table.isColumnHidden(c)]
        if not shown:
            return
        widths = {c: _COLUMN_WIDTHS[c] for c in shown}
        extra = table.viewport().width() - sum(widths.values())
        growing = [c for c in shown if c in _GROWING]
        if extra < 0:  # more columns than room: the names and labels give up to a fifth
            for column in growing:
                taken = min(-extra, widths[column] // 5)
                widths[column] -= taken
                extra += taken
        while extra > 0 and growing:
            share = max(1, extra // len(growing))
            for column in list(growing):
                added = min(share, _MOST - widths[column], extra)
                widths[column] += added
                extra -= added
                if widths[column] >= _MOST:
                    growing.remove(column)
                if extra <= 0:
                    break
        if extra > 0:
            widths[shown[-1]] += extra
        for column, width in widths.items():
            table.setColumnWidth(column, width)
