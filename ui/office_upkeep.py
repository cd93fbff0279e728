"""What the main window does for the office once it is on screen, in the background.

- The start checks: abandoned dossiers kept past their retention, shown as a reminder in the
  status bar that opens the purge proposal (nothing is erased without a confirmation).
- The day's whole-file integrity check and automatic backup, once the office is quiet (no
  search, no dossier opened or saved for `quiet_ms`), at the latest `AUTOMATIC_BACKUP_LATEST_S`
  after the start checks. A damaged file is not backed up: the latest good backup is offered.
  Quitting or a restore cancels them (nothing left behind; due again at the next start).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QMessageBox, QPushButton

from app.errors import Cancelled, DomainError
from models.enums import Right
from ui.common import message_box
from ui.workers import Background

if TYPE_CHECKING:
    from ui.main_window import MainWindow

# The day's automatic backup (a whole copy of the office, then its check: 13 s at 100,000
# dossiers, about 80 s at 1,000,000) begins once the office has been quiet this long, and at
# the latest this long after the start checks.
AUTOMATIC_BACKUP_QUIET_MS = 60_000
AUTOMATIC_BACKUP_LATEST_S = 600.0


class OfficeUpkeep(QObject):
    """The start checks, the purge reminder and the day's check and backup of one main
    window's office."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.quiet_ms = AUTOMATIC_BACKUP_QUIET_MS
        self.purge_reminder: QPushButton | None = None
        self._closing = False  # stopped: nothing more is shown or started
        self._start_checks = Background(QThreadPool(self))
        self._backup = Background(QThreadPool(self))
        self._cancel = threading.Event()  # quitting or restoring: the backup stops
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_backup)
        self._latest = 0.0  # monotonic time after which quiet is no longer awaited

    def start(self) -> None:
        """The window is on screen: the start checks, then the wait for a quiet office."""
        self._start_checks.run(self._start_checks_work, self._start_checks_done, self._failed)

    def office_busy(self) -> None:
        """The user is working: the day's check and backup wait for a quiet moment (up to
        `AUTOMATIC_BACKUP_LATEST_S` after the start checks)."""
        if self._timer.isActive() and time.monotonic() < self._latest:
            self._timer.start(self.quiet_ms)

    @property
    def pending(self) -> bool:
        """The day's automatic backup is awaited or being written."""
        return self._timer.isActive() or self._backup.busy

    def remove_purge_reminder(self) -> None:
        """The purge proposal was opened: the reminder has done its work."""
        if self.purge_reminder is not None:
            self._window.statusBar().removeWidget(self.purge_reminder)
            self.purge_reminder.deleteLater()
            self.purge_reminder = None

    def stop(self, start_checks_ms: int) -> None:
        """Quitting or restoring: the start checks finished (up to `start_checks_ms`), the
        automatic backup stopped where it is (its partial copy removed) rather than holding
        the office open until it ends. Nothing more is shown or started afterwards."""
        self._closing = True
        self._start_checks.wait(start_checks_ms)
        self._timer.stop()
        self._cancel.set()
        self._window.workspace.interrupt_quick_check()  # the whole-file read: due next start
        self._backup.wait(30000)

    # --- the start checks ---

    def _start_checks_work(self) -> int:
        # The purge imports its services: after the warm-up, which the first dossier
        # opened waits for, not at the same time.
        workspace = self._window.workspace
        self._window.warm_up.wait_done()
        if not workspace.user.can(Right.PERSONAL_DATA):
            return 0
        return len(workspace.privacy.purge_candidates())

    def _start_checks_done(self, due: int) -> None:
        self._show_purge_reminder(due)
        if not self._closing:
            self._latest = time.monotonic() + AUTOMATIC_BACKUP_LATEST_S
            self._timer.start(self.quiet_ms)

    def _show_purge_reminder(self, due: int) -> None:
        if not due:
            return
        plural = "s" if due > 1 else ""
        self.purge_reminder = QPushButton(
            f"{due} dossier{plural} abandonné{plural} à effacer (RGPD)…"
        )
        self.purge_reminder.setObjectName("purgeReminderButton")
        self.purge_reminder.setFlat(True)
        self.purge_reminder.clicked.connect(self._window.open_purge)
        self._window.statusBar().addPermanentWidget(self.purge_reminder)

    # --- the day's integrity check and automatic backup ---

    def _run_backup(self) -> None:
        """The office is quiet: the whole-file integrity check if due (once a day, and after
        a session that did not end normally), then the day's backup of a sound file. Not at
        start: at 1,000,000 dossiers the check reads 4 GB, and right after start the first
        dossier's opening needs the machine (the check on a second core, the disk)."""
        if self._closing:
            return
        cancel = self._cancel
        workspace = self._window.workspace

        def progress(_done: int, _total: int) -> bool:
            return not cancel.is_set()

        def work():
            problem = workspace.quick_check()
            if cancel.is_set():  # interrupted by quitting or a restore: still due
                raise Cancelled(
                    "Vérification interrompue : elle sera refaite au prochain démarrage."
                )
            if problem is not None:  # a damaged office is not backed up
                return problem, None
            return None, workspace.backups.run_automatic(progress)

        self._backup.run(work, self._backup_done, self._backup_failed)

    def _backup_done(self, result) -> None:
        problem, backup = result
        if self._closing:
            return
        if problem is not None:
            self._show_damage(problem)
        elif backup is not None:
            self._window.statusBar().showMessage(f"{backup.label} effectuée.", 10000)

    def _backup_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled) or self._closing:
            return  # Dossia is closing: taken at the next start
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error
        self._window.statusBar().showMessage(
            f"Sauvegarde automatique impossible : {error.message}", 30000
        )

    def _show_damage(self, problem: str) -> None:
        """The day's integrity check found the file damaged: offer the latest good backup."""
        window = self._window
        found = f"La vérification de la base a trouvé un problème ({problem})."
        if window.workspace.user.can(Right.BACKUP_RESTORE):
            window.backups.open_restore(f"{found} Restaurez la dernière bonne sauvegarde.")
        else:
            box = message_box(
                QMessageBox.Icon.Warning,
                "Base de données",
                f"{found} Demandez à un administrateur ou au responsable d'agence de "
                "restaurer la dernière bonne sauvegarde.",
                parent=window,
            )
            box.setObjectName("damagedNoticeDialog")
            box.open()
