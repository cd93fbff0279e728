"""Columns that share a list's width as a reader expects: each as wide as its content, the
names (or every column, in proportion) taking the width left. For tables and trees alike."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView
from shiboken6 import isValid


def _header(view: QAbstractItemView) -> QHeaderView:
    if isinstance(view, QTableView):
        return view.horizontalHeader()
    assert isinstance(view, QTreeView)
    return view.header()


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
            max(header.sectionSizeHint(column), table.sizeHintForColumn(column))
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
