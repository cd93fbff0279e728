"""Columns that share a list's width as a reader expects: each as wide as its content, the
names (or every column, in proportion) taking the width left. For tables and trees alike."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView
from shiboken6 import isValid


def _header(view: QAbstractItemView) -> QHeaderView:
    if isinstance(view, QTableView):
        return view.horizontalHeader()
    assert isinstance(view, QTreeView)
    return view.header()


def read_only_table(name: str, model: QAbstractItemModel) -> QTableView:
    """A list the user reads and picks from: whole rows selected one at a time, nothing
    edited in place, no row numbers, rows in alternate shades. Its columns are the caller's
    to size (`ColumnFitter`)."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    return table


MEASURED_ROWS = 300  # a long list is measured on its first rows (its widths are alike)
_PADDING = 14  # the item's margins and a little air


def _content_width(view: QAbstractItemView, column: int) -> int:
    """The widest text of `column` among the first rows (children of a tree included), as
    the view's font draws it. Not the view's sizeHintForColumn: a table measures only the
    rows it has laid out, none right after its model changed."""
    model = view.model()
    metrics = QFontMetrics(view.font())
    widest, seen = 0, 0
    pending = [QModelIndex()]
    while pending and seen < MEASURED_ROWS:
        parent = pending.pop()
        for row in range(min(model.rowCount(parent), MEASURED_ROWS - seen)):
            seen += 1
            index = model.index(row, column, parent)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if text:
                depth = _depth(index) if isinstance(view, QTreeView) and column == 0 else 0
                width = metrics.horizontalAdvance(str(text)) + depth
                widest = max(widest, width)
            if isinstance(view, QTreeView) and model.hasChildren(model.index(row, 0, parent)):
                pending.append(model.index(row, 0, parent))
    return widest + _PADDING if widest else 0


def _depth(index: QModelIndex) -> int:
    levels = 1  # a tree indents even its top level (its expand arrow)
    parent = index.parent()
    while parent.isValid():
        levels += 1
        parent = parent.parent()
    return levels * 20


class ColumnFitter(QObject):
    """A list's columns as wide as their content, column `stretch` taking the width left
    (no `stretch`: the width left shared by all the columns, in proportion to their content).

    When the list is too narrow for every column's content, the stretched column (the names)
    keeps at least a third of the width and the widest of the others give way first (their
    text shortened with «…»). The user may still drag a column's edge; the next resize of the
    list fits them again."""

    def __init__(self, table: QAbstractItemView, stretch: int | None) -> None:
        super().__init__(table)
        self._table = table
        self._stretch = stretch
        self._content: list[int] = []
        header = _header(table)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        model = table.model()
        for signal in (
            model.modelReset,
            model.rowsInserted,
            model.rowsRemoved,
            model.dataChanged,
            model.headerDataChanged,
        ):
            signal.connect(self.measure)
        table.viewport().installEventFilter(self)
        self.measure()

    def measure(self, *_args: object) -> None:
        """Each column's content width (header included), then the columns fitted."""
        if not isValid(self._table):  # a tree empties its model as it is destroyed
            return
        table, header = self._table, _header(self._table)
        self._content = [
            max(header.sectionSizeHint(column), _content_width(table, column))
            for column in range(header.count())
        ]
        self.fit()

    def fit(self) -> None:
        content = self._content
        if not content:
            return
        if not isValid(self._table):
            return
        header = _header(self._table)
        least = header.minimumSectionSize()
        available = self._table.viewport().width()
        stretch = self._stretch
        if stretch is None:  # the width left shared by all, as much as their content
            total = sum(content)
            if total <= available:
                widths = [width + (available - total) * width // total for width in content]
            else:
                cap = _water_level(content, available)
                widths = [max(min(width, cap), least) for width in content]
        else:
            others = [width for column, width in enumerate(content) if column != stretch]
            floor = min(content[stretch], max(available // 3, least))
            cap = _water_level(others, available - floor)
            widths = [max(min(width, cap), least) for width in content]
            widths[stretch] = max(available - (sum(widths) - widths[stretch]), floor)
        for column, width in enumerate(widths):
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        elif event.type() == QEvent.Type.Show:
            self.measure()
        return False


def _water_level(widths: list[int], budget: int) -> int:
    """The widest a column may be so that `widths`, each capped at it, fit in `budget`
    (the widest of all when they fit uncapped)."""
    remaining, count = budget, len(widths)
    for index, width in enumerate(sorted(widths)):
        share = remaining // (count - index)
        if width > share:
            return max(share, 0)
        remaining -= width
    return max(widths, default=0)
