"""An office's SQLite file, opened: the start-up connection (login, the Clients list), the
helpers that watch the file, and the SQLAlchemy `Database` created on first use.

This is the SQLite adapter of the storage door; a PostgreSQL one will offer the same
methods. Nothing outside `app.storage` sees a sqlite3 connection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import StorageError
from app.files import (
    atomic_write,
    lock_holder,
    make_private,
    private_folder,
    try_lock,
    unlock,
)
from app.paths import DataPaths
from app.storage import driver, sqlite
from app.storage.sqlite_accounts import SqliteAccounts
from app.storage.sqlite_listing import SqliteListing

if TYPE_CHECKING:
    from app.storage.database import Database


_OWN_COMMITS_KEPT = 1000
_MARK_GRACE_S = 5  # between a session's mark and its lock


def _private_paths(paths: DataPaths) -> list[Path]:
    database = paths.database
    companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]
    return [paths.folder, database, *companions, paths.backups, paths.documents, paths.logs]


class SessionMarks:
    """When to run the whole-file integrity check: once a day, and after a session that did
    not end normally (Dossia killed, power cut) — not at every start: at 300,000 dossiers it
    reads 1 GB for 4 s.

    Each open office leaves a small mark in the data folder's `sessions` folder, locked
    while it is open, and takes it away when it closes; a mark nobody holds tells of a
    crash (the system drops a killed process's locks; a process id could be reused). The
    day of the last check is kept beside them."""

    def __init__(self, paths: DataPaths) -> None:
        self.folder = paths.folder / "sessions"
        self._mark: Path | None = None
        self._handle: int | None = None  # the mark's lock, held while the office is open

    def open(self) -> None:
        with contextlib.suppress(OSError):
            private_folder(self.folder)
            self._mark = self.folder / f"{os.getpid()}-{secrets.token_hex(4)}.open"
            for _attempt in range(20):  # held only by another's look at it, for an instant
                self._handle = try_lock(self._mark)
                if self._handle is not None:
                    break
                time.sleep(0.01)

    @property
    def mark(self) -> Path | None:
        """This session's own mark (None when it could not be made)."""
        return self._mark

    def close(self) -> None:
        if self._handle is not None:
            unlock(self._handle)  # before the unlink: Windows removes no open file
            self._handle = None
        if self._mark is not None:
            with contextlib.suppress(OSError):
                self._mark.unlink()
            self._mark = None

    def check_due(self, today: dt.date) -> bool:
        if self._crashed():
            return True
        try:
            checked = dt.date.fromisoformat((self.folder / "checked").read_text().strip())
        except (OSError, ValueError):
            return True
        return checked != today

    def checked(self, today: dt.date) -> None:
        """The check found the file sound: the marks of crashed sessions are done with."""
        with contextlib.suppress(OSError):
            for mark in self.folder.glob("*.open"):
                if mark != self._mark and not _alive(mark):
                    mark.unlink()
            with atomic_write(self.folder / "checked") as stream:
                stream.write(today.isoformat())

    def _crashed(self) -> bool:
        with contextlib.suppress(OSError):
            return any(
                mark != self._mark and not _alive(mark) for mark in self.folder.glob("*.open")
            )
        return False


@contextlib.contextmanager
def open_session(paths: DataPaths) -> Iterator[None]:
    """A session mark held for the block, by a command that works on the office without
    opening it as the window does (a backup, a restore): a conversion waits for it."""
    if not paths.database.exists():  # nothing to convert: nothing to tell
        yield
        return
    marks = SessionMarks(paths)
    marks.open()
    try:
        yield
    finally:
        marks.close()


def other_sessions(paths: DataPaths) -> list[Path]:
    """The marks of the offices open on `paths` right now (call once this process closed
    its own): another window, another user of this computer, a command."""
    with contextlib.suppress(OSError):
        return [mark for mark in (paths.folder / "sessions").glob("*.open") if _alive(mark)]
    return []


def _alive(mark: Path) -> bool:
    """Whether the session that left `mark` may still be open: its lock is held (by
    another process, or by another office opened in this one), or that cannot be known
    (then it is taken as open). A mark seconds old may not be locked yet."""
    if lock_holder(mark) is not False:
        return True
    with contextlib.suppress(OSError):
        return 0 <= time.time() - mark.stat().st_mtime < _MARK_GRACE_S
    return False


class SqliteOffice:
    def __init__(
        self, paths: DataPaths, after_dossier_change: tuple[Callable[..., None], ...] = ()
    ) -> None:
        self.paths = paths
        self._after_dossier_change = after_dossier_change
        make_private(*_private_paths(paths))  # an office made by an older Dossia: 0644 files
        self.sessions = SessionMarks(paths)
        self.sessions.open()
        self.listing = SqliteListing(sqlite.connect(paths.database))
        self.accounts = SqliteAccounts(self.listing.connection)
        self._database_lock = threading.RLock()
        # The quick check's own connection while it runs, to stop it when Dossia quits.
        self._checking: driver.Connection | None = None
        self._checking_lock = threading.Lock()
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
                self._database.after_dossier_change = self._after_dossier_change
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

    def watch_changes(self, callback: Callable[[str], None]) -> bool:
        """A file tells no one of its commits: False (the window polls `data_version`)."""
        return False

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """The office's write lock held for the block, on the start-up connection: what
        must not interleave with another process's writes (the key file beside it)."""
        with self.accounts.write_lock():
            yield

    def reader(self) -> SqliteListing:
        """A listing on a connection of its own, for a worker thread (close it after use)."""
        return SqliteListing(sqlite.connect(self.paths.database), owns_connection=True)

    def data_version(self) -> int:
        """Changes whenever another connection (or process) commits: time to refresh."""
        with self.listing.lock:
            return self.listing.connection.execute("PRAGMA data_version").fetchone()[0]

    def quick_check(self, force: bool = False) -> str | None:
        """None if SQLite's quick check finds the file sound, or if it is not due (see
        `SessionMarks`; `force` runs it anyway). Call from a worker thread."""
        today = dt.date.today()
        if not force and not self.sessions.check_due(today):
            return None
        connection = sqlite.connect(self.paths.database)
        with self._checking_lock:
            self._checking = connection
        try:
            rows = [row[0] for row in connection.execute("PRAGMA quick_check")]
        except driver.OperationalError as error:
            if "interrupt" in str(error).lower():
                return None  # stopped on purpose (Dossia quitting): still due next time
            return str(error)
        except driver.DatabaseError as error:
            return str(error)
        finally:
            with self._checking_lock:
                self._checking = None
                connection.close()
        if rows != ["ok"]:
            return "; ".join(rows[:5])
        self.sessions.checked(today)
        return None

    def interrupt_quick_check(self) -> None:
        """Stop a quick check that is running (Dossia quitting: at 1,000,000 dossiers it
        reads 4 GB); it stays due, and runs at the next start."""
        with self._checking_lock:
            if self._checking is not None:
                with contextlib.suppress(driver.Error):
                    self._checking.interrupt()

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
                target = sqlite.open_file(self.paths.database)
                try:
                    self.listing.connection.backup(target)
                finally:
                    target.close()
            except (OSError, driver.Error) as error:
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
            with contextlib.suppress(driver.Error):
                sqlite.optimize(self.listing.connection)
                # Nothing deleted stays in the WAL once Dossia is closed.
                self.listing.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.listing.connection.close()
            if self._database is not None:
                self._database.commit_observer = None  # the list's connection is gone
                self._database.dispose()
        self.sessions.close()
