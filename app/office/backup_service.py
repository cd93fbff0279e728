"""Backups and restore as the logged-in user asks for them (menus of the main window).

The copying itself is the storage's (`app.storage.backups`, `app.storage.opening`); this
service is the screens' door to it.
"""

from __future__ import annotations

from pathlib import Path

from app.paths import DataPaths
from app.storage import backups
from app.storage.backups import BackupInfo, Progress
from app.storage.restore import RestoreResult, restore

__all__ = ["BackupInfo", "BackupService", "RestoreResult"]


class BackupService:
    def __init__(self, paths: DataPaths) -> None:
        self._paths = paths

    def list(self) -> list[BackupInfo]:
        """The backups of the data folder, newest first."""
        return backups.list_backups(self._paths.backups)

    def describe(self, path: Path) -> BackupInfo:
        return backups.describe(path)

    def check(self, path: Path) -> BackupInfo:
        """Refuse (DomainError) a file that is not a sound Dossia backup."""
        return backups.check_backup(path)

    def back_up(self, folder: Path | None = None, progress: Progress | None = None) -> BackupInfo:
        """A manual backup into the data folder's backups, or another folder (USB key…)."""
        return backups.backup_now(self._paths, folder=folder, progress=progress)

    def run_automatic(self) -> BackupInfo | None:
        """The first start of the day: back up and thin out the old automatic backups."""
        return backups.run_automatic_backup(self._paths)

    def restore(self, source: Path) -> RestoreResult:
        """Replace the office's data by a backup (every connection must be closed first)."""
        return restore(self._paths, source)
