"""The Clients list's table model: pages fetched from the service as the user scrolls."""

from __future__ import annotations

import datetime as dt
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPainterPath
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.errors import Cancelled, StorageError
from app.listing import ListColumn, ListQuery, ListRow
from app.workspace import Workspace
from models.enums import DossierStatus
from ui.workers import Background

PAGE_SIZE = 100  # rows read by id at a time, as they come into view
FIRST_PAGE_SIZE = 100  # a screenful or three: what a new search or sort must show at once
SYNC_IDS = 20_000  # a list this long or shorter is re-read at once after a change (≤ 10 ms)
UNPAINTED_MS = 50  # no view painted a new query's rows (none shown): `painted` anyway

_ALIGN_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ALIGNMENTS = tuple(
    _ALIGN_CENTER
    if c in (ListColumn.PROGRESS, ListColumn.CREATED, ListColumn.COMPLETE, ListColumn.ABANDONED_ON)
    else _ALIGN_LEFT
    for c in ListColumn
)
_COLUMN_COUNT = len(ListColumn)
_STATUS_COLUMN = int(ListColumn.STATUS)
# The status in «Tous», in the colours of the dossier's badge.
_STATUS_COLOURS = {
    DossierStatus.PROSPECT: QColor("#3b6fb6"),
    DossierStatus.CLIENT: QColor("#2e7d4f"),
    DossierStatus.ABANDONED: QColor("#7a808a"),
}


def _date(day: dt.date | None) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else ""


def _cells(row: ListRow) -> tuple[str, ...]:
    return (
        row.number,
        row.holder,
        row.owner,
        row.provenance,
        row.step,
        f"{row.percent} %",
        _date(row.created_on),
        "Oui" if row.is_complete else "",
        row.bank,
        row.status.label,
        row.abandon_reason,
        _date(row.abandoned_on),
    )


class DossierTableModel(QAbstractTableModel):
    """The list's rows, fetched as they are shown; sorting and search are done by SQL.

    A new query shows its first page at once. If there are more rows, the ids of all of
    them, in order, are fetched off the GUI thread (8 bytes each); from then on the list
    has its full length — the scroll bar, End and Ctrl+End reach the last dossier at once —
    and rows are read by id, a page at a time, when they come into view. Only the pages
    last shown are kept (`KEPT_PAGES`): memory does not grow with scrolling.

    A query with a search is read off the GUI thread (how long it takes grows with its
    matches: «2025» sorted by creation, 100 ms at 1,000,000 dossiers): the rows shown stay
    until its first page arrives, and a newer query interrupts it (its answer, if any, is
    dropped). Without a search, the first page is a walk of the sort index, a page long,
    read at once.

    Signals:
        queryChanged: the query (tab, search, filter, sort) was replaced (its rows shown).
        painted: a view has painted the new query's rows (or none did within
            `UNPAINTED_MS`): background work for it may start, without slowing that paint.
        completed: the whole list's length is known (its ids arrived).
        readFailed(str): the storage refused to read the rows (an office server that does not
            answer, for a moment): the message, in French, for the window to show; the rows
            shown stay those of before.
    """

    queryChanged = Signal()
    painted = Signal()
    completed = Signal()
    readFailed = Signal(str)

    KEPT_PAGES = 40

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace
        self._query = ListQuery()  # the query of the rows shown
        self._wanted = self._query  # the latest query asked for (being read, perhaps)
        self._pending = False  # `_wanted`'s first page is being read in the background
        self._ids: Sequence[int] = ()
        self._complete = True
        self._pages: OrderedDict[int, list[tuple[ListRow, tuple[str, ...]] | None]] = OrderedDict()
        self.page_size = PAGE_SIZE
        self._generation = 0
        # No query asked for yet: a view's sort (enabling sorting, setting the indicator)
        # only changes the query to come, the rows are read once, by the first `set_query`.
        self._started = False
        self._reader = None  # the ids' own connection, for the worker thread
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._jobs = Background(self._pool)
        # What follows a new query's rows (the rest of its ids, the tab counts) waits for
        # their first paint (see `_after_paint`).
        self._painting_for: int | None = None  # the generation whose paint is awaited
        self._paint_due = False  # a view's next call to data() schedules `_after_paint`
        self._paint_timer = QTimer(self)
        self._paint_timer.setSingleShot(True)
        self._paint_timer.setInterval(UNPAINTED_MS)
        self._paint_timer.timeout.connect(self._after_paint)

    # --- query ---

    @property
    def query(self) -> ListQuery:
        """The latest query asked for (its rows may still be on their way: `pending`)."""
        return self._wanted

    @property
    def shown_query(self) -> ListQuery:
        """The query of the rows on screen."""
        return self._query

    @property
    def complete(self) -> bool:
        """The whole list's length is known (no ids being fetched)."""
        return self._complete

    @property
    def pending(self) -> bool:
        """The latest query's first page is being read: the rows shown are the previous
        query's."""
        return self._pending

    def set_query(self, query: ListQuery) -> None:
        """Show `query`'s rows: at once without a search, else once its first page is read
        in the background (the GUI thread does not wait for it)."""
        self._started = True
        self._generation += 1
        self._stop_fetching()
        self._wanted = query
        if query.search.strip():
            self._pending = True
            self._read_first_page(self._generation, query)
            return
        self._pending = False
        first = min(FIRST_PAGE_SIZE, self.page_size)
        try:
            rows = self._workspace.list_page(query, 0, first)
        except StorageError as error:
            self.readFailed.emit(error.message)
            return
        self._show_first_page(query, rows, first)

    def _read_first_page(self, generation: int, query: ListQuery) -> None:
        first = min(FIRST_PAGE_SIZE, self.page_size)

        def work():
            if generation != self._generation:
                return generation, None  # a newer query already: nothing to read
            if self._reader is None:
                self._reader = self._workspace.open_reader()
            try:
                return generation, self._reader.fetch_page(query, 0, first)
            except Cancelled:  # interrupted by a newer query
                return generation, None

        def arrived(result) -> None:
            read_for, rows = result
            if read_for == self._generation and rows is not None:
                self._pending = False
                self._show_first_page(query, rows, first)

        def failed(error: BaseException) -> None:
            if generation == self._generation:  # the rows shown stay those of before
                self._pending = False
            self._failed(error)

        self._jobs.run(work, arrived, failed)

    def _show_first_page(self, query: ListQuery, rows: list[ListRow], first: int) -> None:
        self.beginResetModel()
        self._query = query
        self._show(rows, complete=len(rows) < first)
        self.endResetModel()
        self.queryChanged.emit()
        self._painting_for = self._generation
        self._paint_due = True
        self._paint_timer.start()

    def _after_paint(self) -> None:
        """The new query's rows are painted: now the rest of its ids are read (and
        `painted` tells the window, which counts the tabs). Read during that paint, a
        worker's Python (a tuple per row, 300,000 of them for «Tous») and the paint's
        thousand calls to `data()` take turns at the GIL, each turn up to its switch
        interval: the paint took 30–50 ms instead of 10. So the first `data()` of a new
        query schedules this for once that paint is over; with no view painting, a timer
        does."""
        self._paint_due = False
        self._paint_timer.stop()
        if self._painting_for != self._generation:  # a newer query replaced it meanwhile
            return
        self._painting_for = None
        if not self._complete:
            self._fetch_ids(self._generation, self._grow)
        self.painted.emit()

    def refresh(self, then: Callable[[], object] | None = None) -> None:
        """Read the list again (after a change). A list of up to `SYNC_IDS` dossiers is read
        at once; a longer one in the background, its rows shown until the new ones are in.
        `then` runs once the new rows are in place (to restore selection and scroll)."""
        if self._pending:  # the query being read brings the office as it is now
            self.set_query(self._wanted)
            return
        self._generation += 1
        self._stop_fetching()
        if self._complete and len(self._ids) <= SYNC_IDS:
            try:
                ids = self._workspace.list_ids(self._query)
            except StorageError as error:
                self.readFailed.emit(error.message)
                return
            self.beginResetModel()
            self._set_ids(ids)
            self.endResetModel()
            if then is not None:
                then()
            return
        self._fetch_ids(self._generation, lambda ids: self._replace(ids, then))

    def _show(self, rows: list[ListRow], complete: bool) -> None:
        self._ids = array("q", (row.id for row in rows))
        self._pages.clear()
        self._complete = complete
        for start in range(0, len(rows), self.page_size):
            chunk = rows[start : start + self.page_size]
            self._pages[start // self.page_size] = [(r, _cells(r)) for r in chunk]

    def _set_ids(self, ids: Sequence[int]) -> None:
        self._ids = ids
        self._pages.clear()
        self._complete = True

    def _fetch_ids(self, generation: int, done: Callable[[Sequence[int]], None]) -> None:
        query = self._query
        self._complete = False

        def work():
            if generation != self._generation:
                return generation, None  # a newer query already: nothing to read
            if self._reader is None:
                self._reader = self._workspace.open_reader()
            try:
                return generation, self._reader.fetch_ids(query)
            except Cancelled:  # interrupted by a newer query
                return generation, None

        def arrived(result) -> None:
            fetched_for, ids = result
            if fetched_for == self._generation and ids is not None:
                done(ids)

        self._jobs.run(work, arrived, self._failed)

    def _failed(self, error: BaseException) -> None:
        """A background read the storage refused (an office server away): said, not
        raised; anything else is raised as any failure of the GUI thread."""
        if not isinstance(error, StorageError):
            raise error
        self.readFailed.emit(error.message)

    def _stop_fetching(self) -> None:
        if self._reader is not None and self._jobs.busy:
            self._reader.interrupt()

    def _grow(self, ids: Sequence[int]) -> None:
        """The first page is on screen: the list takes its full length below it."""
        shown = len(self._ids)
        if list(ids[:shown]) != list(self._ids):  # the office changed meanwhile
            self.beginResetModel()
            self._set_ids(ids)
            self.endResetModel()
        elif len(ids) > shown:
            self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
            self._ids, self._complete = ids, True  # the first page's rows stay kept
            self.endInsertRows()
        else:
            self._complete = True
        self.completed.emit()

    def _replace(self, ids: Sequence[int], then: Callable[[], object] | None) -> None:
        self.beginResetModel()
        self._set_ids(ids)
        self.endResetModel()
        self.completed.emit()
        if then is not None:
            then()

    def close(self) -> None:
        """Stop the background reading and close its connection."""
        self._generation += 1
        self._pending = False
        self._paint_timer.stop()
        self._stop_fetching()
        self._jobs.wait(5000)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # --- rows ---

    def _entry(self, row: int) -> tuple[ListRow, tuple[str, ...]] | None:
        """The row's data and cells, reading its page if it is not kept (a dossier deleted
        since the ids were read is None until the next refresh)."""
        number = row // self.page_size
        page = self._pages.get(number)
        if page is None:
            start = number * self.page_size
            ids = self._ids[start : start + self.page_size]
            try:
                found = self._workspace.list_rows(self._query, ids)
            except StorageError as error:  # blank rows until the next refresh (not a
                self.readFailed.emit(error.message)  # read per cell painted)
                found = {}
            page = [(found[i], _cells(found[i])) if i in found else None for i in ids]
            self._pages[number] = page
            while len(self._pages) > self.KEPT_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[row - number * self.page_size]

    def row_at(self, row: int) -> ListRow:
        entry = self._entry(row)
        if entry is None:
            raise IndexError(f"row {row} is gone")
        return entry[0]

    def id_at(self, row: int) -> int:
        """The dossier id of a row (no page read)."""
        return self._ids[row]

    def row_of(self, dossier_id: int) -> int:
        try:
            return self._ids.index(dossier_id)
        except ValueError:
            return -1

    @property
    def kept_rows(self) -> int:
        """How many rows are held in memory (the pages last shown)."""
        return sum(len(page) for page in self._pages.values())

    def refresh_row(self, dossier_id: int) -> bool:
        """Redraw one dossier's row after an edit; its place in the sort order is kept until
        the next search or sort. Returns True if the rows shown changed otherwise: a row the
        list no longer shows (another broker under the broker filter, a name the search no
        longer finds) went away, or a dossier not shown now belongs (the list is re-read)."""
        index = self.row_of(dossier_id)
        try:
            row = self._workspace.list_row(self._query, dossier_id)
        except StorageError as error:
            self.readFailed.emit(error.message)
            return False
        if index < 0:
            if row is None:
                return False
            self.refresh()  # where it sorts is SQL's business: read the rows again (rare)
            return True
        if row is None:
            self.beginRemoveRows(QModelIndex(), index, index)
            ids = array("q", self._ids)
            del ids[index]
            self._ids = ids
            self._pages.clear()  # the rows below moved up
            self.endRemoveRows()
            return True
        page = self._pages.get(index // self.page_size)
        if page is not None:
            page[index % self.page_size] = (row, _cells(row))
        self.dataChanged.emit(self.index(index, 0), self.index(index, _COLUMN_COUNT - 1))
        return False

    # --- QAbstractTableModel ---

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMN_COUNT

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if self._paint_due:  # a view paints a new query's rows: what follows, once done
            self._paint_due = False
            QTimer.singleShot(0, self, self._after_paint)
        if role == Qt.ItemDataRole.DisplayRole:
            entry = self._entry(index.row())
            return "" if entry is None else entry[1][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGNMENTS[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == _STATUS_COLUMN:
            entry = self._entry(index.row())
            return None if entry is None else _STATUS_COLOURS[entry[0].status]
        if role == Qt.ItemDataRole.UserRole:
            entry = self._entry(index.row())
            return None if entry is None else entry[0]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ListColumn(section).header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        query = replace(self._wanted, sort=ListColumn(column), descending=descending)
        if not self._started:  # the window being built: its first query reads the rows
            self._wanted = query
            return
        self.set_query(query)


class ProgressDelegate(QStyledItemDelegate):
    """Draws «Avancement» as a small bar with its percentage."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        row: ListRow | None = index.data(Qt.ItemDataRole.UserRole)
        if row is None:  # deleted since the list was read: blank until the next refresh
            return
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
            )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(8, 0, -8, 0)
        bar = QRect(rect.left(), rect.center().y() - 3, max(10, rect.width() - 52), 7)
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
