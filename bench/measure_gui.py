"""In-process measurements on a big office: keystrokes, sorting, opening dossiers, memory.

Run by bench/run_bench.py in its own process: python bench/measure_gui.py DB_PATH
Prints one JSON object.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from app import startup
from app.listing import ListColumn
from app.paths import DataPaths
from app.workspace import OfficeDatabase
from ui.launcher import create_application
from ui.main_window import MainWindow

SEARCHES = ("dupont", "martin marie", "2025-000", "2025", "m", "lefevre", "eloise", "zzq", "b")


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


PAINTS = PaintCounter()


class InsidePaints(QObject):
    """Whether a widget inside `container` (created later, such as a chart) was painted."""

    def __init__(self, container) -> None:
        super().__init__()
        self.container = container
        self.painted = False

    def eventFilter(self, watched, event) -> bool:
        if (
            event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and self.container.isAncestorOf(watched)
        ):
            self.painted = True
        return False


def settle(app: QApplication, window: MainWindow) -> None:
    """Process events until the list has been repainted (what the user then sees)."""
    before = PAINTS.paints
    for _ in range(20):
        app.processEvents()
        if PAINTS.paints > before:
            return
    window.table.viewport().repaint()


def shown(app: QApplication, window: MainWindow) -> None:
    """Until the list shows the latest query's rows (a search is read in the background),
    and has been repainted."""
    deadline = time.perf_counter() + 60
    pending = getattr(window.model, "pending", False)  # before 2026-12-01: read at once
    while pending and window.model.pending and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)  # idle, as the event loop is: the list's worker needs the GIL
    if pending and window.model.pending:
        raise SystemExit("a search's first page never arrived")
    settle(app, window)


def type_key(widget, char: str) -> None:
    """One keystroke, delivered like the keyboard does (key press then release)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def wait_for_spare(app: QApplication, window: MainWindow) -> None:
    deadline = time.perf_counter() + 5
    while not window.spare_ready and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)


def wait_complete(app: QApplication, window: MainWindow) -> None:
    """Until the list knows its whole length (its ids are read in the background)."""
    deadline = time.perf_counter() + 60
    while not window.model.complete and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.002)
    if not window.model.complete:
        raise SystemExit("the list's ids never arrived")


def rss_mb() -> float:
    """The memory the process holds now (not its peak)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1e6, 1)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    app = create_application()
    from app.storage.schema import ensure_schema

    paths = DataPaths(Path(sys.argv[1]))
    if startup.is_encrypted(paths.database):  # its keys first, as the login does
        startup.unlock_office(paths, "admin", os.environ.get("DOSSIA_PASSWORD", "demo"))
    ensure_schema(paths)  # as the application does at start
    office = OfficeDatabase(DataPaths(Path(sys.argv[1])))
    workspace = office.workspace_for(
        office.authenticate("admin", os.environ.get("DOSSIA_PASSWORD", "demo"))
    )
    window = MainWindow(workspace)
    window.table.viewport().installEventFilter(PAINTS)
    window.show()
    window.tabs.setCurrentIndex(3)  # «Tous»: the biggest list
    settle(app, window)

    # The first dossier opened right after start: bench/measure_first_open.py (a process
    # of its own for each opening, started as main.py does). Here, everything is warmed.
    workspace.warm_up()
    wait_complete(app, window)

    steps = {"started": rss_mb()}  # the memory held after each part of the run
    keystrokes = []
    blocked = []  # how long the keystroke itself held the GUI thread (the search's read aside)
    counts = []
    for text in SEARCHES:
        window.search.clear()
        shown(app, window)
        for char in text:
            start = time.perf_counter()
            type_key(window.search, char)
            blocked.append(time.perf_counter() - start)
            shown(app, window)
            keystrokes.append(time.perf_counter() - start)
            while window.counts_pending:
                app.processEvents()
            counts.append(time.perf_counter() - start)
    window.search.clear()
    settle(app, window)
    steps["searches"] = rss_mb()

    sorts = {}
    for column in ListColumn:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            for tab in (3, 1):
                window.tabs.setCurrentIndex(tab)
                settle(app, window)
                start = time.perf_counter()
                window.table.sortByColumn(column, order)
                settle(app, window)
                sorts.setdefault(column.header, []).append(time.perf_counter() - start)

    steps["sorts"] = rss_mb()
    window.tabs.setCurrentIndex(3)
    window.table.sortByColumn(ListColumn.CREATED, Qt.SortOrder.DescendingOrder)
    settle(app, window)
    start = time.perf_counter()
    wait_complete(app, window)
    ids_ready = time.perf_counter() - start
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(0, 0))  # the broker clicked the list
    start = time.perf_counter()
    end = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QApplication.sendEvent(window.table, end)
    settle(app, window)
    to_the_end = time.perf_counter() - start
    at_the_end = window.table.currentIndex().row() == window.model.rowCount() - 1
    bar = window.table.verticalScrollBar()
    depths = []
    for step in range(1, 21):  # pages anywhere in the list, as a dragged scroll bar shows
        start = time.perf_counter()
        bar.setValue(bar.maximum() * ((step * 7) % 20) // 20)
        settle(app, window)
        depths.append(time.perf_counter() - start)
    for value in range(0, bar.maximum(), max(1, bar.maximum() // 200)):
        bar.setValue(value)  # through the whole list, top to bottom
        app.processEvents()
    memory_after_scroll = rss_mb()
    steps["scrolled"] = memory_after_scroll
    kept = window.model.kept_rows
    total = window.model.rowCount()

    opens = []
    for row in range(0, 40, 2):
        wait_for_spare(app, window)  # as when a broker spends a second on the list
        dossier_id = window.model.row_at(row).id
        start = time.perf_counter()
        dossier_window = window.open_dossier(dossier_id)
        dossier_window.view.installEventFilter(PAINTS)
        before = PAINTS.paints
        while PAINTS.paints == before:
            app.processEvents()
        opens.append(time.perf_counter() - start)
        dossier_window.close()
        app.processEvents()

    back_to_back = []  # no time for a window to be prepared in between
    for row in range(40, 60):
        dossier_id = window.model.id_at(row)
        start = time.perf_counter()
        dossier_window = window.open_dossier(dossier_id)
        dossier_window.view.installEventFilter(PAINTS)
        before = PAINTS.paints
        while PAINTS.paints == before:
            app.processEvents()
        back_to_back.append(time.perf_counter() - start)
        dossier_window.close()

    steps["opened"] = rss_mb()

    # The «Simulations» tab of dossiers that have some, warm (the window prepared).
    simulation_tabs = []
    charts = []
    for row in range(60, 200):
        dossier_id = window.model.id_at(row)
        if not workspace.simulations.list(dossier_id).simulations:
            continue
        wait_for_spare(app, window)
        dossier_window = window.open_dossier(dossier_id)
        settle(app, window)
        tab_page = dossier_window.view
        tab_page.installEventFilter(PAINTS)
        start = time.perf_counter()
        dossier_window.view.show_simulations()
        before = PAINTS.paints
        while PAINTS.paints == before:
            app.processEvents()
        simulation_tabs.append(time.perf_counter() - start)
        # Its chart (the first one of the run imports QtCharts).
        simulations = dossier_window.view.simulations_tab
        area = simulations.parent()  # the editor scrolls: bring the chart's place on screen
        while area is not None and not hasattr(area, "ensureWidgetVisible"):
            area = area.parent()
        if area is not None:
            area.ensureWidgetVisible(simulations.schedule_tabs)
            app.processEvents()
        chart_paints = InsidePaints(simulations.chart)  # the chart's own paint (a child's)
        app.installEventFilter(chart_paints)
        start = time.perf_counter()
        simulations.schedule_tabs.setCurrentWidget(simulations.chart)
        while not chart_paints.painted:
            app.processEvents()
        app.removeEventFilter(chart_paints)
        charts.append(time.perf_counter() - start)
        dossier_window.close()
        app.processEvents()
        if len(simulation_tabs) == 10:
            break

    steps["simulations"] = rss_mb()

    # The «Documents» tab of a dossier holding 200 files, shown for the first time.
    document_tabs = []
    heavy = window.model.id_at(5)
    held = len(workspace.documents.list(heavy).documents)
    if held < 200:
        import tempfile

        folder = Path(tempfile.mkdtemp())
        files = []
        for index in range(200 - held):
            path = folder / f"piece-{index:03d}.pdf"
            path.write_bytes(b"%PDF-1.4 piece " + str(index).encode())
            files.append(path)
        version = workspace.documents.list(heavy).version
        workspace.documents.attach(heavy, version, files)
    for _ in range(5):
        wait_for_spare(app, window)
        dossier_window = window.open_dossier(heavy)
        settle(app, window)
        tab_paints = InsidePaints(dossier_window.view)
        app.installEventFilter(tab_paints)
        start = time.perf_counter()
        tab = dossier_window.view.show_documents()
        while not (tab_paints.painted and tab.info is not None):
            app.processEvents()
        document_tabs.append(time.perf_counter() - start)
        app.removeEventFilter(tab_paints)
        assert len(tab.info.documents) >= 200
        dossier_window.close()
        app.processEvents()

    steps["documents"] = rss_mb()
    peak_before_attach = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # A 50 MB scan attached: copied off the GUI thread; the longest the window goes without
    # handling its events meanwhile (a 10 ms timer's largest gap).
    import tempfile

    from models.enums import DocumentFolder

    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "scan-50-mo.pdf"
        with big.open("wb") as stream:
            stream.write(b"%PDF-1.4\n")
            for _ in range(50):  # just under the default limit of 50 MB
                stream.write(os.urandom(1024 * 1024 - 64) + b"\n")
        wait_for_spare(app, window)
        dossier_window = window.open_dossier(window.model.id_at(7))
        settle(app, window)
        tab = dossier_window.view.show_documents()
        before = len(tab.info.documents)
        ticks = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        start = time.perf_counter()
        tab.attach([big], DocumentFolder.MISC)
        error = dossier_window.view.findChild(QWidget, "documentsError")
        while (tab.info is None or len(tab.info.documents) == before) and not (
            error is not None and error.isVisible()
        ):
            app.processEvents()
        if error is not None and error.isVisible():
            raise SystemExit(f"the 50 MB file was refused: {error.text()}")
        attach_seconds = time.perf_counter() - start
        # Then its preview (the new file is selected): read aside, parsed by Qt; a tick of
        # the timer after it, so that a stall at the very end is measured too.
        settled = time.perf_counter() + 0.1
        while time.perf_counter() < settled or tab.preview.message.text().startswith("Aperçu"):
            app.processEvents()
        timer.stop()
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        stall = max(gaps) if gaps else attach_seconds
        dossier_window.close()
        app.processEvents()

    steps["attached"] = rss_mb()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "keystroke_ms_median": ms(statistics.median(keystrokes)),
        "keystroke_ms_p90": ms(sorted(keystrokes)[int(len(keystrokes) * 0.9)]),
        "keystroke_ms_max": ms(max(keystrokes)),
        "keystrokes": len(keystrokes),
        "keystroke_gui_held_ms_median": ms(statistics.median(blocked)),
        "keystroke_gui_held_ms_max": ms(max(blocked)),
        "tab_counts_ms_median": ms(statistics.median(counts)),
        "sort_ms_median_by_column": {name: ms(statistics.median(v)) for name, v in sorts.items()},
        "sort_ms_max": ms(max(max(v) for v in sorts.values())),
        "list_ids_ready_ms": ms(ids_ready),
        "ctrl_end_ms": ms(to_the_end),
        "ctrl_end_reaches_last_row": at_the_end,
        "page_at_any_depth_ms_median": ms(statistics.median(depths)),
        "page_at_any_depth_ms_max": ms(max(depths)),
        "rows_in_list": total,
        "rows_kept_after_scrolling_everything": kept,
        "memory_after_scrolling_everything_mb": memory_after_scroll,
        "open_dossier_ms_median": ms(statistics.median(opens)),
        "open_dossier_ms_max": ms(max(opens)),
        "open_back_to_back_ms_median": ms(statistics.median(back_to_back)),
        "open_back_to_back_ms_max": ms(max(back_to_back)),
        "simulations_tab_ms_median": ms(statistics.median(simulation_tabs)),
        "chart_first_shown_ms": ms(charts[0]),
        "chart_shown_ms_median": ms(statistics.median(charts[1:])),
        "documents_tab_200_files_ms_median": ms(statistics.median(document_tabs)),
        "attach_50mb_ms": ms(attach_seconds),
        "gui_longest_stall_during_attach_ms": ms(stall),
        "peak_memory_mb": round(peak_mb, 1),
        "peak_memory_before_attach_mb": round(peak_before_attach, 1),
        "memory_mb_by_step": steps,
    }
    window.close()
    workspace.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
