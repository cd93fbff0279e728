"""An office's SQLite file, opened: the start-up connection (login, the Clients list), the
helpers that watch the file, and the SQLAlchemy `Database` created on first use.

This is the SQLite adapter of the storage door; a PostgreSQL one will offer the same
methods. Nothing outside `app.storage` sees a sqlite3 connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import StorageError
from app.files import make_private, private_folder
from app.paths import DataPaths
from app.storage import sqlite
from app.storage.sqlite_accounts import SqliteAccounts
from app.storage.sqlite_listing import SqliteListing

if TYPE_CHECKING:
    from app.storage.database import Database


_OWN_COMMITS_KEPT = 1000


def _private_paths(paths: DataPaths) -> list[Path]:
    database = paths.database
    companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]
    return [paths.folder, database, *companions, paths.backups, paths.documents, paths.logs]


class SqliteOffice:
    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        make_private(*_private_paths(paths))  # an office made by an older Dossia: 0644 files
        self.listing = SqliteListing(sqlite.connect(paths.database))
        self.accounts = SqliteAccounts(self.listing.connection)
        self._database_lock = threading.RLock()
        self._database: Database | None = None
        # data_version before → after each of our own commits (see settled_version).
        self._own_commits: dict[int, int] = {}

    @property
    def database(self) -> Database:
        """The SQLAlchemy side, imported and created on first use (after the first paint)."""
        with self._database_lock:
            if self._database is None:
                from app.storage.database import Database  # 0.4 s: kept off the start path

                self._database = Database(self.paths)
                self._database.commit_observer = self
            return self._database

    # --- telling our own commits from other connections' ---

    def before_write(self) -> int:
        return self.data_version()

    def committed(self, before: int) -> None:
        after = self.data_version()
        if after != before:
            self._own_commits[before] = after
            while len(self._own_commits) > _OWN_COMMITS_KEPT:  # never settled: forget the oldest
                del self._own_commits[next(iter(self._own_commits))]

    def settled_version(self, seen: int) -> int:
        """The data version reached from `seen` through this process's own commits only.

        The list has shown our own changes already; a commit of another connection (another
        Dossia, a colleague on the same file) in between stops the walk, so it is not missed.
        A foreign commit landing during one of ours (milliseconds) would be taken for ours.
        """
        version = seen
        while version in self._own_commits:
            version = self._own_commits.pop(version)
        return version

    def reader(self) -> SqliteListing:
        """A listing on a connection of its own, for a worker thread (close it after use)."""
        return SqliteListing(sqlite.connect(self.paths.database), owns_connection=True)

    def data_version(self) -> int:
        """Changes whenever another connection (or process) commits: time to refresh."""
        with self.listing.lock:
            return self.listing.connection.execute("PRAGMA data_version").fetchone()[0]

    def quick_check(self) -> str | None:
        """None if SQLite's quick check finds the file sound (call from a worker thread)."""
        connection = sqlite.connect(self.paths.database)
        try:
            rows = [row[0] for row in connection.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as error:
            return str(error)
        finally:
            connection.close()
        return None if rows == ["ok"] else "; ".join(rows[:5])

    def recover_missing_file(self) -> bool:
        """The file was deleted or moved under our feet: our connection still reads it, so
        write it back where it was and reconnect everything to the new file.

        Returns True if it had to. Raises StorageError if the copy cannot be written.
        """
        if self.paths.database.exists():
            return False
        with self.listing.lock, self._database_lock:
            try:
                private_folder(self.paths.folder)
                target = sqlite3.connect(self.paths.database)
                try:
                    self.listing.connection.backup(target)
                finally:
                    target.close()
            except (OSError, sqlite3.Error) as error:
                raise StorageError(
                    f"Le fichier de la base « {self.paths.database} » a disparu et Dossia n'a pas "
                    f"pu le réécrire ({error}). Ne fermez pas Dossia : utilisez « Sauvegarder vers "
                    "un dossier… »."
                ) from error
            self.listing.connection.close()
            self.listing.connection = sqlite.connect(self.paths.database)
            self.accounts = SqliteAccounts(self.listing.connection)
            if self._database is not None:
                self._database.engine.dispose()  # pooled connections point at the old file
        return True

    def close(self) -> None:
        with self.listing.lock, self._database_lock:
            with contextlib.suppress(sqlite3.Error):
                sqlite.optimize(self.listing.connection)
                # Nothing deleted stays in the WAL once Dossia is closed.
                self.listing.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.listing.connection.close()
            if self._database is not None:
                self._database.commit_observer = None  # the list's connection is gone
                self._database.dispose()
