"""Backups and restore as the logged-in user asks for them (menus of the main window).

Copying a whole office out of its private folder, or replacing it by a backup, needs the
«Sauvegarder et restaurer» right, checked here and again in the database (the account may
have been deactivated meanwhile), and both are audited. A backup into the office's own
backups folder («Sauvegarder maintenant», the automatic one) stays in the private data
folder: everyone may take one. The copying itself is the storage's.
"""

from __future__ import annotations

from pathlib import Path

from app import audit
from app.auth import CurrentUser
from app.crypto.unlocked import is_encrypted, office_key_of, unlock, unlock_with_recovery
from app.errors import DomainError
from app.office.office import BackupRetention
from app.office.permissions import write_as
from app.office.settings_service import load_retention
from app.paths import DataPaths, ServerLocation
from app.storage import backups, server_backups
from app.storage.backups import BackupInfo, Progress
from app.storage.database import Database
from app.storage.restore import RestoreResult, restore
from models.enums import AuditAction, Right

__all__ = ["BackupInfo", "BackupService", "RestoreResult"]


class BackupService:
    server = False  # an office on a PostgreSQL server (ServerBackupService)

    def __init__(self, paths: DataPaths, user: CurrentUser, database: Database) -> None:
        self._paths = paths
        self._user = user
        self._db = database

    @property
    def folder(self) -> Path:
        """Where the office's backups are written (to show it to the user)."""
        return self._paths.backups

    def list(self) -> list[BackupInfo]:
        """The backups of the data folder, newest first (to choose one to restore)."""
        self._user.require(Right.BACKUP_RESTORE)
        return backups.list_backups(self._paths.backups)

    def describe(self, path: Path) -> BackupInfo:
        self._user.require(Right.BACKUP_RESTORE)
        return backups.describe(path)

    def locked(self, path: Path) -> bool:
        """An encrypted backup whose keys nobody opened here (another office's, or keys
        older than the users who could open them): ask a password or the recovery key."""
        self._user.require(Right.BACKUP_RESTORE)
        if not is_encrypted(path):
            return False
        try:
            return office_key_of(path) is None
        except DomainError:
            return True  # its key file is damaged: the check will say so

    def unlock(self, path: Path, login: str, password: str) -> None:
        """Open an encrypted backup's keys with one of its users' password."""
        self._user.require(Right.BACKUP_RESTORE)
        unlock(path, login, password)

    def unlock_with_recovery(self, path: Path, typed: str) -> None:
        """Open an encrypted backup's keys with its office's recovery key."""
        self._user.require(Right.BACKUP_RESTORE)
        unlock_with_recovery(path, typed)

    def check(self, path: Path) -> BackupInfo:
        """Refuse (DomainError) a file that is not a sound Dossia backup."""
        self._user.require(Right.BACKUP_RESTORE)
        return backups.check_backup(path)

    def back_up(self, folder: Path | None = None, progress: Progress | None = None) -> BackupInfo:
        """A backup into the data folder's backups, or — with the right, audited — into
        another folder (USB key, network drive)."""
        if folder is not None:
            with write_as(self._db, self._user, Right.BACKUP_RESTORE) as session:
                # Written before the copy, so that the copy carries it too.
                audit.record(
                    session, self._user, AuditAction.BACKUP_EXPORTED, details=f"Vers « {folder} »"
                )
        return backups.backup_now(self._paths, folder=folder, progress=progress)

    def retention(self) -> BackupRetention:
        """How long automatic backups keep what they hold (said before a deletion)."""
        with self._db.read() as session:
            return load_retention(session)

    def run_automatic(self, progress: Progress | None = None) -> BackupInfo | None:
        """The day's backup, if not taken yet, and the old automatic backups thinned out, as
        long as the office's retention says. `progress` returning False cancels it
        (BackupCancelled: nothing left behind, still due)."""
        kept = self.retention()
        return backups.run_automatic_backup(
            self._paths,
            daily=kept.daily,
            weekly=kept.weekly,
            monthly=kept.monthly,
            progress=progress,
        )

    def restore(self, source: Path) -> RestoreResult:
        """Replace the office's data by a backup. The database is closed meanwhile; the
        restore is audited before (in the safety backup of the current state) and after (in
        the restored data: the trace survives the restore)."""
        details = f"Restauration de « {source.name} »"
        with write_as(self._db, self._user, Right.BACKUP_RESTORE) as session:
            audit.record(session, self._user, AuditAction.BACKUP_RESTORED, details=details)
        self._db.dispose()  # no connection of ours may stay open on the file it replaces
        result = restore(self._paths, source)
        restored = Database(self._paths)
        try:
            with restored.write() as session:
                lost = result.lost_numbers
                # The restored office may not know this user (or give the id to someone
                # else): the login is kept, the id is not.
                audit.record(
                    session,
                    self._user,
                    AuditAction.BACKUP_RESTORED,
                    details=f"{details} (effectuée)"
                    + (
                        f" — pièces émises depuis cette sauvegarde, absentes : {', '.join(lost)}"
                        if lost
                        else ""
                    ),
                    known_user=False,
                )
        finally:
            restored.dispose()
        return result


class ServerBackupService(BackupService):
    """An office on a server (issue 11): a backup is a `pg_dump` of the database into this
    computer's folder for that server (or a chosen one); a restore goes into an empty
    database only (`app.storage.server_backups`), so the open office — never empty —
    refuses one, untouched: a restore is made at the first start on an empty database.
    The day's automatic backup is not taken from each computer: the server's own schedule
    (the IT provider's, docs/SERVER_MODE.md) keeps the office."""

    server = True

    def __init__(self, paths: DataPaths, user: CurrentUser, database: Database) -> None:
        super().__init__(paths, user, database)
        location = getattr(database, "location", None)
        assert isinstance(location, ServerLocation)
        self._location = location

    def list(self) -> list[BackupInfo]:
        self._user.require(Right.BACKUP_RESTORE)
        return server_backups.list_dumps(self._paths.backups)

    def describe(self, path: Path) -> BackupInfo:
        self._user.require(Right.BACKUP_RESTORE)
        return server_backups.describe_dump(path)

    def locked(self, path: Path) -> bool:
        return False  # a dump is never encrypted by Dossia

    def check(self, path: Path) -> BackupInfo:
        """The open office's database is not empty: refused before anything is closed."""
        self._user.require(Right.BACKUP_RESTORE)
        server_backups.refuse_unless_empty(self._location)
        return server_backups.describe_dump(path)

    def back_up(self, folder: Path | None = None, progress: Progress | None = None) -> BackupInfo:
        if folder is not None:
            with write_as(self._db, self._user, Right.BACKUP_RESTORE) as session:
                audit.record(
                    session, self._user, AuditAction.BACKUP_EXPORTED, details=f"Vers « {folder} »"
                )
        return server_backups.back_up_server(self._location, folder=folder, progress=progress)

    def run_automatic(self, progress: Progress | None = None) -> BackupInfo | None:
        return None  # the server's own schedule, not each computer's (docs/SERVER_MODE.md)

    def restore(self, source: Path) -> RestoreResult:
        self._user.require(Right.BACKUP_RESTORE)
        server_backups.refuse_unless_empty(self._location)  # always refuses: the office is open
        return RestoreResult(server_backups.restore_server(self._location, source), None)
