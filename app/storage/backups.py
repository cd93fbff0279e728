"""Backups: the daily one and its rotation, the check before a restore, a damaged file set aside.

The files themselves (names, metadata, writing one with SQLite's online backup API, their
documents) are `app.storage.backup_files`, re-exported here for the callers; that module is
apart because `app.storage.schema` takes its pre-migration backup there, while the check
here needs the schema module. This module adds the policy around the files:

- automatic backups are taken at the first start of each day and kept 7 daily, 4 weekly and
  12 monthly; manual and safety backups (before a migration, before a restore) are never
  rotated. The backup folder's shared `documents/` keeps only the files a backup still
  refers to (and everything whenever a backup cannot be read);
- a backup is restored only after `check_backup` (`app.storage.backup_check`): the exact
  schema of its revision and rows the application can read back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
from pathlib import Path

from app.errors import DatabaseOpenError, DomainError
from app.files import is_partial, remove_abandoned_partials
from app.paths import DataPaths
from app.storage import backup_check, driver, sqlite
from app.storage.backup_files import (
    DOCUMENT_NAME,
    PAGES_PER_STEP,
    STAMP,
    SUFFIX,
    BackupCancelled,
    BackupInfo,
    BackupKind,
    Progress,
    _parse_name,
    backup_name,
    backup_now,
    copy_documents,
    describe,
    integrity_problem,
    list_backups,
    read_only,
    time_limit,
    write_backup,
)

__all__ = [
    "PAGES_PER_STEP",
    "SUFFIX",
    "BackupCancelled",
    "BackupInfo",
    "BackupKind",
    "Progress",
    "automatic_backup_due",
    "backup_name",
    "backup_now",
    "check_backup",
    "copy_documents",
    "describe",
    "integrity_problem",
    "list_backups",
    "prune_documents",
    "referenced_documents",
    "rotate",
    "run_automatic_backup",
    "set_aside_damaged",
    "write_backup",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"
# Reading the document hashes of a kept backup gives up after this long (then nothing is
# deleted): a genuine backup of 100,000 dossiers answers in a fraction of it.
HASHES_SECONDS = 10.0
# The name of a damaged database set aside in backups/ (followed by the date, STAMP).
DAMAGED_PREFIX = "dossia-endommagee-"
_DAMAGED_ENDINGS = (SUFFIX, f"{SUFFIX}-wal", f"{SUFFIX}-shm")
# A partial file this recent is a backup being written: documents are not pruned meanwhile.
WRITING_SECONDS = 3600


def automatic_backup_due(paths: DataPaths, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return not any(
        b.kind is BackupKind.AUTOMATIC and b.taken_at.date() == today
        for b in list_backups(paths.backups)
    )


def run_automatic_backup(
    paths: DataPaths,
    now: dt.datetime | None = None,
    daily: int = 7,
    weekly: int = 4,
    monthly: int = 12,
    progress: Progress | None = None,
) -> BackupInfo | None:
    """The first start of the day: back up, then thin out the old automatic backups (keeping
    the newest of the last `daily` days, `weekly` weeks and `monthly` months). `progress`
    returning False cancels (BackupCancelled: nothing written, the backup still due)."""
    now = now or dt.datetime.now()
    # A backup killed half-way (Dossia closed by force, the power gone) left its partial
    # copy, as large as the office: gone at the next start.
    remove_abandoned_partials(paths.backups, now.timestamp())
    if not paths.database.exists() or not automatic_backup_due(paths, now.date()):
        return None
    info = backup_now(paths, BackupKind.AUTOMATIC, progress=progress, now=now)
    rotate(paths.backups, now.date(), daily, weekly, monthly)
    return info


def rotate(
    folder: Path, today: dt.date, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> list[Path]:
    """Keep the newest automatic backup of each of the last `daily` days, `weekly` ISO weeks
    and `monthly` months; delete the other automatic ones, then the document files no kept
    backup refers to any more. Returns the backups deleted."""
    automatic = [b for b in list_backups(folder) if b.kind is BackupKind.AUTOMATIC]
    keep: set[Path] = set()
    for period, count in (
        (lambda d: d, daily),
        (lambda d: d.isocalendar()[:2], weekly),
        (lambda d: (d.year, d.month), monthly),
    ):
        seen: list[object] = []
        for backup in automatic:  # newest first
            key = period(backup.taken_at.date())
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(backup.path)
    removed = []
    for backup in automatic:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            sqlite.key_file_of(backup.path).unlink(missing_ok=True)  # its keys go with it
            removed.append(backup.path)
    prune_documents(folder)
    return removed


def referenced_documents(database: Path) -> set[str] | None:
    """The document files a backup refers to (its documents and the company's logo: their
    sha256, or their keyed names in an encrypted backup), read read-only; None if the file
    cannot be read as a Dossia backup, an encrypted one included while it is locked (then
    keep everything)."""
    try:
        names = sqlite.document_names(database)
    except DatabaseOpenError:
        return None
    found = _referenced_hashes(database)
    if found is None or names is None:
        return found
    return {names(content_hash) for content_hash in found if DOCUMENT_NAME.fullmatch(content_hash)}


def _referenced_hashes(database: Path) -> set[str] | None:
    with (
        contextlib.suppress(driver.Error, OSError, ValueError),
        read_only(database, seconds=HASHES_SECONDS) as connection,
        time_limit(connection, HASHES_SECONDS),
    ):
        kinds = dict(
            connection.execute(
                "SELECT name, type FROM sqlite_master WHERE name IN ('documents', 'settings')"
            ).fetchall()
        )
        if kinds.get("documents") != "table" or kinds.get("settings", "table") != "table":
            return None
        found = {str(row[0]) for row in connection.execute("SELECT content_hash FROM documents")}
        if "settings" in kinds:
            found.update(
                str(row[0])
                for row in connection.execute(
                    "SELECT value FROM settings WHERE key = 'company.logo_hash'"
                )
            )
        return found
    return None


def _backup_databases(folder: Path) -> list[tuple[Path, int, int]] | None:
    """Every backup of the folder, with its modification time and size: each file named like
    a Dossia backup (`dossia-<kind>-<date>.sqlite3`), and each other SQLite file (`backup
    --out` lets the user choose a name), but not the damaged databases Dossia set aside
    there (`dossia-endommagee-*`, unreadable by nature: they hold no backup's documents);
    None while a backup is being written there."""
    found = []
    for path in sorted(folder.iterdir()):
        if is_partial(path):
            if time.time() - path.stat().st_mtime < WRITING_SECONDS:
                return None  # a backup is being written here: decide next time
            continue  # left by an interrupted backup long ago
        if not path.is_file() or _set_aside(path):
            continue
        if (
            _parse_name(path)[0] is None or not path.name.endswith(SUFFIX)
        ) and not sqlite.is_encrypted(path):
            with path.open("rb") as handle:
                if handle.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                    continue  # neither named like a backup nor a SQLite file
        stat = path.stat()
        found.append((path, stat.st_mtime_ns, stat.st_size))
    return found


def prune_documents(folder: Path) -> list[Path]:
    """Delete from `folder/documents` the files no backup database of `folder` refers to.

    Every backup of the folder is read (read-only); if one of them cannot be, or a backup
    appears or is being written meanwhile, nothing is deleted. Returns what was deleted.
    """
    store = folder / "documents"
    try:
        candidates = [
            file
            for file in store.glob("*/*")
            if DOCUMENT_NAME.fullmatch(file.name)
            and file.parent.name == file.name[:2]
            and file.is_file()
        ]
        if not candidates:
            return []
        databases = _backup_databases(folder)
        if databases is None:
            return []
        referenced: set[str] = set()
        for path, _mtime, _size in databases:
            hashes = referenced_documents(path)
            if hashes is None:
                return []  # never delete on doubt
            referenced |= hashes
        if _backup_databases(folder) != databases:
            return []  # a backup was added or changed while we read: next time
        removed = []
        for file in candidates:
            if file.name not in referenced:
                file.unlink(missing_ok=True)
                removed.append(file)
    except OSError:
        return []
    return removed


def check_backup(source: Path) -> BackupInfo:
    """Refuse (DomainError, in French) a file that is not a sound Dossia backup of this
    version or an older one, exactly as Dossia wrote it: see `app.storage.backup_check`."""
    if not source.is_file():
        raise DomainError(f"La sauvegarde « {source} » est introuvable.")
    backup_check.verify(source)
    return describe(source)


def _set_aside(path: Path) -> bool:
    """True for a damaged database `set_aside_damaged` moved there (or its -wal, -shm)."""
    stem = path.name.split(SUFFIX, 1)[0]
    if not stem.startswith(DAMAGED_PREFIX) or path.name[len(stem) :] not in _DAMAGED_ENDINGS:
        return False
    try:
        dt.datetime.strptime(stem.removeprefix(DAMAGED_PREFIX), STAMP)
    except ValueError:
        return False
    return True


def set_aside_damaged(paths: DataPaths, now: dt.datetime | None = None) -> Path:
    """Move an unreadable database (and its WAL files) into backups/, never delete it."""
    stamp = (now or dt.datetime.now()).strftime(STAMP)
    target = paths.backups / f"{DAMAGED_PREFIX}{stamp}{SUFFIX}"
    paths.backups.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        extra = paths.database.with_name(paths.database.name + suffix)
        if extra.exists():
            extra.replace(target.with_name(target.name + suffix))
    keys = sqlite.key_file_of(paths.database)
    if keys.exists():  # an encrypted one keeps its keys beside it (the restore brings its own)
        shutil.copyfile(keys, sqlite.key_file_of(target))
    paths.database.replace(target)
    return target
