"""Backup files: their names, what they hold (read safely), and writing one.

A backup is one SQLite file written with SQLite's online backup API (never a copy of the live
file), checked with `PRAGMA integrity_check` before it takes its name, plus the documents it
refers to: the documents folder is content-addressed, so a backup folder holds one shared
`documents/` folder that each new backup only completes (incremental).

A file found in a backup folder is not trusted: its metadata is read read-only, without
running its schema's functions, and with a time limit (a crafted view never hangs a listing).
The policy around these files (rotation, the check before a restore) is `app.storage.backups`;
this module is the part `app.storage.schema` needs for its pre-migration backup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from app.errors import Cancelled, DomainError
from app.files import atomic_path
from app.paths import DataPaths
from app.storage import driver, sqlite

SUFFIX = ".sqlite3"
STAMP = "%Y%m%d-%H%M%S"
PAGES_PER_STEP = 1024  # ~4 MB: progress and cancel every few tens of milliseconds
# Reading a backup's metadata (its dossier count) gives up after this long: a crafted file
# (a recursive view named `dossiers`) is then listed as unreadable instead of hanging.
READ_SECONDS = 1.0
_PROGRESS_STEPS = 1000  # SQLite virtual machine steps between two looks at the clock
# The database files of an office: the file itself and the ones SQLite keeps beside it.
COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")
DOCUMENT_NAME = re.compile(r"[0-9a-f]{64}")  # a document file: the sha256 of its bytes

Progress = Callable[[int, int], bool]  # (done, total) -> False to cancel


class BackupKind(enum.Enum):
    AUTOMATIC = "auto"
    MANUAL = "manuel"
    BEFORE_MIGRATION = "avant-migration"
    BEFORE_RESTORE = "avant-restauration"
    BEFORE_ENCRYPTION = "avant-chiffrement"
    BEFORE_DECRYPTION = "avant-dechiffrement"

    @property
    def label(self) -> str:
        return {
            "auto": "Sauvegarde automatique",
            "manuel": "Sauvegarde manuelle",
            "avant-migration": "Avant mise à jour",
            "avant-restauration": "Avant restauration",
            "avant-chiffrement": "Avant chiffrement",
            "avant-dechiffrement": "Avant déchiffrement",
        }[self.value]


class BackupCancelled(Cancelled):
    def __init__(self) -> None:
        super().__init__("Sauvegarde annulée : aucun fichier n'a été laissé à moitié écrit.")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: BackupKind | None
    taken_at: dt.datetime
    dossiers: int | None  # None: the file could not be read (damaged, not a backup, crafted)
    size_bytes: int
    # A server office's dump (pg_dump): its dossiers are not counted (None says nothing).
    server: bool = False

    @property
    def label(self) -> str:
        kind = self.kind.label if self.kind else "Sauvegarde"
        if self.server:
            size = (
                f"{max(self.size_bytes // 1000, 1)} ko"
                if self.size_bytes < 1_000_000
                else f"{self.size_bytes / 1_000_000:,.1f}".replace(",", "\u202f").replace(".", ",")
                + " Mo"
            )
            return f"{kind} du {self.taken_at:%d/%m/%Y à %H:%M} — serveur, {size}"
        count = (
            " — illisible"
            if self.dossiers is None
            else f" — {self.dossiers:,} dossier(s)".replace(",", "\u202f")
        )
        return f"{kind} du {self.taken_at:%d/%m/%Y à %H:%M}{count}"


def backup_name(kind: BackupKind, when: dt.datetime) -> str:
    return f"dossia-{kind.value}-{when.strftime(STAMP)}{SUFFIX}"


def _parse_name(path: Path) -> tuple[BackupKind | None, dt.datetime | None]:
    stem = path.name.removesuffix(SUFFIX)
    for kind in BackupKind:
        prefix = f"dossia-{kind.value}-"
        if stem.startswith(prefix):
            with contextlib.suppress(ValueError):
                return kind, dt.datetime.strptime(stem[len(prefix) :], STAMP)
    return None, None


@contextlib.contextmanager
def read_only(path: Path, seconds: float | None = READ_SECONDS) -> Iterator[driver.Connection]:
    """A read-only connection to a file Dossia did not necessarily write.

    Its schema's views and triggers may not call functions with side effects
    (`trusted_schema=OFF`); with `seconds`, a statement still running that long after the
    connection was opened is interrupted (driver.OperationalError).
    """
    connection = sqlite.open_file(path, "ro", isolation_level=None)
    try:
        if seconds is not None:
            deadline = time.monotonic() + seconds
            connection.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        connection.execute("PRAGMA trusted_schema=OFF")
        yield connection
    finally:
        connection.close()


@contextlib.contextmanager
def time_limit(connection: driver.Connection, seconds: float) -> Iterator[None]:
    """Interrupt whatever `connection` runs once `seconds` have passed, until the block ends.

    A progress handler is not enough: SQLite calls it between the steps of its virtual
    machine, and some steps never end on a crafted file (COUNT(*) is one step, and walks a
    b-tree whose pointers loop to the same page forever). `interrupt()` stops any step; it
    is repeated, as it stops only the statements running when it is called."""
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            with contextlib.suppress(driver.Error):
                connection.interrupt()
            done.wait(0.05)

    watcher = threading.Thread(target=watch, name="dossia-time-limit", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()  # never an interrupt() after the connection is closed


def count_dossiers(path: Path, seconds: float = READ_SECONDS) -> int | None:
    """The dossier count of a backup file for a listing, read within `seconds` (however the
    file was crafted), or None if it cannot be read in time."""
    try:
        if not path.is_file():
            return None
        with read_only(path, seconds) as connection, time_limit(connection, seconds):
            kind = connection.execute(
                "SELECT type FROM sqlite_master WHERE name = 'dossiers'"
            ).fetchone()
            if kind is None or kind[0] != "table":
                return None
            count = connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0]
            return count if isinstance(count, int) else None
    except (driver.Error, OSError, ValueError):
        return None


def describe(path: Path) -> BackupInfo:
    """Date, kind and dossier count of a backup file (read-only, within READ_SECONDS).

    A file that cannot be read in time, or is not a database, gets no count (None).
    """
    kind, taken_at = _parse_name(path)
    stat = path.stat()
    if taken_at is None:
        taken_at = dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)
    return BackupInfo(path, kind, taken_at, count_dossiers(path), stat.st_size)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups of a folder, newest first."""
    if not folder.is_dir():
        return []
    found = [describe(p) for p in folder.glob(f"dossia-*{SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def _copy_pages(source: Path, target: Path, progress: Progress | None) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        if progress is not None and progress(total - remaining, total) is False:
            raise BackupCancelled()

    with (
        contextlib.closing(sqlite.open_file(source)) as src,
        contextlib.closing(sqlite.open_file(target)) as dst,
    ):
        src.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
        src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file


@contextlib.contextmanager
def _stopped_when_cancelled(
    connection: driver.Connection, keep_going: Callable[[], bool] | None
) -> Iterator[None]:
    """Interrupt what `connection` runs once `keep_going()` says False (asked every 50 ms
    from a thread of its own: SQLite's long steps never call back), then raise
    BackupCancelled. Dossia quitting during the day's backup stops its check at once."""
    if keep_going is None:
        yield
        return
    if not keep_going():
        raise BackupCancelled()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if not keep_going():
                while not done.is_set():
                    with contextlib.suppress(driver.Error):
                        connection.interrupt()
                    done.wait(0.05)

    watcher = threading.Thread(target=watch, name="dossia-backup-cancel", daemon=True)
    watcher.start()
    try:
        yield
    except driver.OperationalError:
        if not keep_going():
            raise BackupCancelled() from None
        raise
    finally:
        done.set()
        watcher.join()  # never an interrupt() after the connection is closed


def _still_wanted(progress: Progress | None) -> Callable[[], bool] | None:
    """The copy is done: whether its check may go on (its progress stays full)."""
    if progress is None:
        return None
    report = progress
    return lambda: report(1, 1) is not False


def integrity_problem(path: Path, keep_going: Callable[[], bool] | None = None) -> str | None:
    """None if SQLite finds the file sound, else what it reports. `keep_going`: see
    `_stopped_when_cancelled`."""
    try:
        with (
            read_only(path, seconds=None) as connection,
            _stopped_when_cancelled(connection, keep_going),
        ):
            rows = [r[0] for r in connection.execute("PRAGMA integrity_check")]
    except driver.DatabaseError as error:
        return str(error)
    return None if rows == ["ok"] else "; ".join(rows[:5])


def document_hashes(database: Path, keep_going: Callable[[], bool] | None = None) -> set[str]:
    """The document files a database refers to (its documents and the company's logo): only
    well-formed hashes, read read-only. Raises driver.Error if they cannot be read."""
    with (
        read_only(database, seconds=None) as connection,
        _stopped_when_cancelled(connection, keep_going),
    ):
        kinds = dict(
            connection.execute(
                "SELECT name, type FROM sqlite_master WHERE name IN ('documents', 'settings')"
            ).fetchall()
        )
        found: set[object] = set()
        if kinds.get("documents") == "table":
            found.update(row[0] for row in connection.execute("SELECT content_hash FROM documents"))
        if kinds.get("settings") == "table":
            found.update(
                row[0]
                for row in connection.execute(
                    "SELECT value FROM settings WHERE key = 'company.logo_hash'"
                )
            )
    return {h for h in found if isinstance(h, str) and DOCUMENT_NAME.fullmatch(h)}


# A document file is opened without following a link and without waiting on a pipe.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_CHUNK = 1024 * 1024


class _WrongContent(Exception):
    """A document file whose content is not what its name says (its copy is dropped)."""


def copy_document_file(source: Path, destination: Path, content_hash: str | None) -> bool:
    """Copy one document file (atomically) if it is a regular file whose sha256 is
    `content_hash` (None: an encrypted file, copied as it is); returns False (nothing
    written) otherwise.

    The file is opened once, not following a link, and checked on the open descriptor: a
    file swapped after a look at its path is never what gets copied.
    """
    try:
        handle = os.open(source, _OPEN_FLAGS)
    except OSError:
        return False  # missing, a link (ELOOP), unreadable
    with os.fdopen(handle, "rb") as stream:
        if not S_ISREG(os.fstat(stream.fileno()).st_mode):
            return False
        digest = hashlib.sha256()
        with atomic_path(destination) as partial:
            with partial.open("xb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if content_hash is not None and digest.hexdigest() != content_hash:
                raise _WrongContent()
    return True


def copy_documents(
    source: Path,
    target: Path,
    hashes: Iterable[str],
    names: Callable[[str], str] | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> int:
    """Copy into `target` the document files of `hashes` it lacks; returns how many were.

    A file of `source` (a backup folder's `documents/`, not trusted when it is restored) is
    copied only if it is a regular file (not a link) whose content has the hash of its name;
    others, and hashes without a file, are skipped.

    An encrypted office's files (`names`: their stored name from the sha256) are copied as
    they are: their content cannot be hashed without decrypting it, and it needs no check
    here — a file altered on the way fails its tags when it is read, and says so.
    """
    copied = 0
    for content_hash in sorted(set(hashes)):
        if keep_going is not None and not keep_going():
            raise BackupCancelled()  # Dossia quitting: between two files
        if not DOCUMENT_NAME.fullmatch(content_hash):
            continue
        name = names(content_hash) if names is not None else content_hash
        relative = Path(name[:2]) / name
        destination = target / relative
        if destination.exists():
            continue  # same name, same content
        try:
            copied += copy_document_file(
                source / relative, destination, content_hash if names is None else None
            )
        except _WrongContent:
            continue
    return copied


def is_database_file(database: Path, path: Path) -> bool:
    """True if `path` is the database file `database` or one SQLite keeps beside it (-wal,
    -shm, -journal): the same path once resolved, or the same file (a hard link)."""
    live = database.resolve()
    resolved = path.resolve()
    for suffix in COMPANION_SUFFIXES:
        companion = live.with_name(live.name + suffix)
        if resolved == companion:
            return True
        with contextlib.suppress(OSError):
            if path.exists() and companion.exists() and os.path.samefile(path, companion):
                return True
    return False


def write_backup(
    database: Path,
    target: Path,
    documents: Path | None = None,
    progress: Progress | None = None,
) -> BackupInfo:
    """Back `database` up into the file `target` (and its documents beside it), atomically.

    The copy is checked before it takes its final name; a failed or cancelled backup leaves
    nothing behind. The live database (or its -wal/-shm files) is never a target. Raises
    DomainError with a French message.
    """
    if is_database_file(database, target):
        raise DomainError(
            f"La sauvegarde ne peut pas être écrite sur la base de données elle-même "
            f"(« {target} ») : choisissez un autre fichier."
        )
    with _written_whole(target):
        key = sqlite.key_of(database)
        with atomic_path(target) as partial, sqlite.keyed(partial, key, like=database):
            _copy_pages(database, partial, progress)
            # Checked and read as long as the backup is still wanted (Dossia quitting).
            keep_going = _still_wanted(progress)
            problem = integrity_problem(partial, keep_going)
            if problem is not None:
                raise DomainError(
                    f"La copie de sauvegarde est incohérente ({problem}) : elle a été supprimée."
                )
            # Only the documents this copy refers to leave the data folder; copied before
            # the copy takes its name (a backup never stands without its documents), as
            # long as it is still wanted.
            if documents is not None:
                hashes = document_hashes(partial, keep_going)
                names = sqlite.document_names(database)
                copy_documents(documents, target.parent / "documents", hashes, names, keep_going)
            # An encrypted backup carries the office's key file beside it (written first: a
            # backup never stands without its keys).
            if key is not None:
                copy_key_file(database, target)
    return describe(target)


@contextlib.contextmanager
def _written_whole(target: Path) -> Iterator[None]:
    """A backup's errors in French; a backup that did not take its name leaves no key
    file behind."""
    try:
        yield
    except BaseException as error:
        if not target.exists():
            with contextlib.suppress(OSError):
                sqlite.key_file_of(target).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise DomainError(
                f"Impossible d'écrire la sauvegarde dans « {target.parent} » : "
                f"{error.strerror or error}. Vérifiez que le dossier existe, qu'il est "
                "accessible en écriture et qu'il reste de la place."
            ) from error
        if isinstance(error, driver.Error):
            raise DomainError(f"La sauvegarde a échoué : {error}.") from error
        raise


def copy_key_file(database: Path, target: Path) -> None:
    """The key file of `database` copied beside `target` (atomically, private)."""
    with atomic_path(sqlite.key_file_of(target)) as partial:
        shutil.copyfile(sqlite.key_file_for(database), partial)


def backup_now(
    paths: DataPaths,
    kind: BackupKind = BackupKind.MANUAL,
    folder: Path | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> BackupInfo:
    """A backup into the data folder's backups/ (or another folder: USB key, network drive)."""
    when = (now or dt.datetime.now()).replace(microsecond=0)
    target = (folder or paths.backups) / backup_name(kind, when)
    return write_backup(paths.database, target, paths.documents, progress)
