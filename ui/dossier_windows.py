"""The dossier windows the main window opened, and the spare one it prepares.

Opening a dossier only fills a window when a spare one was built while the GUI was idle
(its widgets ≈ 70 ms, filling ≈ 10 ms). Right after start, a window waits for the warm-up
(`ui.warm_up`) to import and read what it needs instead of doing the same work on the GUI
thread, and the warm-up's remaining steps wait until that window is painted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from ui.common import FirstPaint
from ui.operations import attempt

if TYPE_CHECKING:
    from ui.dossier_window import DossierWindow
    from ui.main_window import MainWindow

GIVE_WAY_MAX_MS = 1000  # the warm-up paused for a dossier window that does not paint
SPARE_AFTER_MS = 300  # the spare window built this long after an opening, not right after

_Waited = TypeVar("_Waited")


class DossierWindows(QObject):
    """One window per open dossier (opened again: brought to the front), built from the
    spare window when there is one."""

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self._main = main
        self.opened: dict[int, DossierWindow] = {}
        self._spare: DossierWindow | None = None
        self._spare_timer = QTimer(self)  # restarted by each opening: never right after one
        self._spare_timer.setSingleShot(True)
        self._spare_timer.timeout.connect(self._build_spare)

    def open(self, dossier_id: int) -> DossierWindow:
        """Show the dossier's window (or bring it to the front if already open)."""
        main = self._main
        window = self.opened.get(dossier_id)
        if window is None:
            # The warm-up's remaining steps wait until this window is painted (or, unpainted,
            # a second later): they would take the GIL back at each of Qt's calls that lets it
            # go while the window is built and shown (ui.warm_up).
            release = self.wait_for_warm_up(main.warm_up.give_way)
            QTimer.singleShot(GIVE_WAY_MAX_MS, self, release)
            from ui.dossier_window import DossierWindow

            window = self._spare or DossierWindow(main.workspace, complete=False)
            self._spare = None
            window.load(dossier_id)
            window.changed.connect(main.dossier_changed)
            window.closed.connect(self._closed)
            window.invoicing_requested.connect(main.open_invoicing)
            self.opened[dossier_id] = window
            FirstPaint(window.view, release)
        window.show()
        window.raise_()
        window.activateWindow()
        self.prepare_spare()
        return window

    def wait_for_warm_up(self, wait: Callable[[], _Waited]) -> _Waited:
        """Right after start, a dossier window about to be built before the warm-up has
        imported and read what it needs waits for it (`wait`: the GIL left to its thread)
        rather than doing the same work at the same time on the GUI thread."""
        if self._main.warm_up.ready:
            return wait()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return wait()
        finally:
            QApplication.restoreOverrideCursor()

    def refresh_from_elsewhere(self) -> None:
        """The open windows follow what was saved elsewhere: one query for their versions,
        then only those whose dossier changed reload (issue 11)."""
        windows = list(self.opened.items())
        if not windows:
            return
        dossiers = self._main.workspace.dossiers
        outcome = attempt(lambda: dossiers.versions(d for d, _w in windows))
        if outcome.value is None:  # the database away: said by the list's refresh already
            return
        for dossier_id, window in windows:
            window.view.refresh_from_elsewhere(outcome.value.get(dossier_id))

    def close_all(self) -> None:
        """Every open window closed (each saves what it holds), the spare let go."""
        for window in list(self.opened.values()):
            window.close()
        self._spare_timer.stop()
        if self._spare is not None:
            self._spare.deleteLater()
            self._spare = None

    # --- the spare window ---

    def prepare_spare(self) -> None:
        """Build the next dossier window when the GUI is idle, so opening one only fills it.
        Right after start, it is built once the warm-up has imported its modules."""
        if self._spare is None:
            self._spare_timer.start(SPARE_AFTER_MS)

    @property
    def spare_ready(self) -> bool:
        """A dossier window is prepared in full: opening one only fills it."""
        return self._spare is not None and self._spare.view.tabs_complete

    def _build_spare(self) -> None:
        if not self._main.warm_up.ready:  # its modules are being imported: not on this thread
            self._spare_timer.start(50)
            return
        from ui.dossier_window import DossierWindow

        if self._spare is None and self._main.isVisible():
            # «Général» first, then a tab per pass of the event loop (≈ 20 ms each, ≈ 200
            # ms in all): a click meanwhile is served after one tab, with what is built.
            self._spare = DossierWindow(self._main.workspace, complete=False)
            QTimer.singleShot(0, self, lambda spare=self._spare: self._grow_spare(spare))

    def _grow_spare(self, spare: DossierWindow) -> None:
        if spare is self._spare and spare.view.build_next_tab():
            QTimer.singleShot(0, self, lambda: self._grow_spare(spare))

    def _closed(self, dossier_id: int) -> None:
        self.opened.pop(dossier_id, None)
        self._main.back_to_list(dossier_id)
