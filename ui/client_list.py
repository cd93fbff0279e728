"""The Clients list's table model: pages fetched from the service as the user scrolls."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPainterPath
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.listing import ListColumn, ListQuery, ListRow
from app.workspace import Workspace

PAGE_SIZE = 200  # rows fetched each time the user scrolls to the bottom
FIRST_PAGE_SIZE = 100  # a screenful or three: what a new search or sort must show at once

_ALIGN_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ALIGNMENTS = tuple(
    _ALIGN_CENTER
    if c in (ListColumn.PROGRESS, ListColumn.CREATED, ListColumn.COMPLETE)
    else _ALIGN_LEFT
    for c in ListColumn
)
_COLUMN_COUNT = len(ListColumn)
# data() runs ~2,000 times per repaint: compare plain ints, not enum members.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_USER = int(Qt.ItemDataRole.UserRole)


def _cells(row: ListRow) -> tuple[str, ...]:
    return (
        row.number,
        row.holder,
        row.owner,
        row.provenance,
        row.step,
        f"{row.percent} %",
        f"{row.created_on.day:02d}/{row.created_on.month:02d}/{row.created_on.year}",
        "Oui" if row.is_complete else "",
    )


class DossierTableModel(QAbstractTableModel):
    """Holds only the pages already shown; sorting and search are done by the service.

    Signals:
        queryChanged: the query (tab, search, filter, sort) was replaced.
    """

    queryChanged = Signal()

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace
        self._query = ListQuery()
        self._rows: list[ListRow] = []
        self._cells: list[tuple[str, ...]] = []
        self._exhausted = True
        self.page_size = PAGE_SIZE

    # --- query ---

    @property
    def query(self) -> ListQuery:
        return self._query

    def set_query(self, query: ListQuery) -> None:
        self.beginResetModel()
        self._query = query
        self._rows, self._cells = [], []
        first = min(FIRST_PAGE_SIZE, self.page_size)
        self._append(self._workspace.list_page(query, 0, first), first)
        self.endResetModel()
        self.queryChanged.emit()

    def refresh(self) -> None:
        """Reload what is shown (after a change), keeping as many rows as were loaded."""
        wanted = max(self.page_size, len(self._rows))
        self.beginResetModel()
        self._rows, self._cells = [], []
        self._append(self._workspace.list_page(self._query, 0, wanted), wanted)
        self.endResetModel()

    def refresh_row(self, dossier_id: int) -> bool:
        """Redraw one dossier's row after an edit; its place in the sort order is kept until
        the next search or sort. Returns True if the rows shown changed otherwise: a row the
        list no longer shows (another broker under the broker filter, a name the search no
        longer finds) went away, or a dossier not shown now belongs (the list is re-read)."""
        index = self.row_of(dossier_id)
        row = self._workspace.list_row(self._query, dossier_id)
        if index < 0:
            if row is None:
                return False
            self.refresh()  # where it sorts is SQL's business: read the rows again (rare)
            return True
        if row is None:
            self.beginRemoveRows(QModelIndex(), index, index)
            del self._rows[index], self._cells[index]
            self.endRemoveRows()
            return True
        self._rows[index], self._cells[index] = row, _cells(row)
        self.dataChanged.emit(self.index(index, 0), self.index(index, _COLUMN_COUNT - 1))
        return False

    def _append(self, rows: list[ListRow], asked: int) -> None:
        self._rows.extend(rows)
        self._cells.extend(_cells(r) for r in rows)
        self._exhausted = len(rows) < asked

    def row_at(self, row: int) -> ListRow:
        return self._rows[row]

    def row_of(self, dossier_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == dossier_id), -1)

    # --- QAbstractTableModel ---

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMN_COUNT

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid() or self._exhausted:
            return
        rows = self._workspace.list_page(self._query, len(self._rows), self.page_size)
        if not rows:
            self._exhausted = True
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._append(rows, self.page_size)
        self.endInsertRows()

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            column = index.column()
            return (
                _ALIGN_CENTER
                if column in (ListColumn.PROGRESS, ListColumn.COMPLETE, ListColumn.CREATED)
                else _ALIGN_LEFT
            )
        if role == Qt.ItemDataRole.UserRole:
            return self._rows[index.row()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ListColumn(section).header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self._query, sort=ListColumn(column), descending=descending))


class ProgressDelegate(QStyledItemDelegate):
    """Draws «Avancement» as a small bar with its percentage."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        row: ListRow = index.data(Qt.ItemDataRole.UserRole)
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
            )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(8, 0, -8, 0)
        bar = QRect(rect.left(), rect.center().y() - 3, max(10, rect.width() - 44), 7)
        track = QPainterPath()
        track.addRoundedRect(bar, 3.5, 3.5)
        painter.fillPath(track, QColor("#e3e8ef"))
        if row.percent:
            filled = QRect(
                bar.left(), bar.top(), max(7, bar.width() * row.percent // 100), bar.height()
            )
            path = QPainterPath()
            path.addRoundedRect(filled, 3.5, 3.5)
            painter.fillPath(path, QColor("#2e7d4f" if row.percent >= 100 else "#1f5fbf"))
        painter.setPen(QColor("#33445a"))
        text_rect = QRect(
            bar.right() + 6, rect.top(), rect.right() - bar.right() - 6, rect.height()
        )
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            f"{row.percent} %",
        )
        painter.restore()
