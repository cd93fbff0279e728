"""Backups and restore, with SQLite's online backup API (never a copy of the live file).

A backup is one SQLite file, checked with `PRAGMA integrity_check` once written, plus the
documents it refers to: the documents folder is content-addressed, so a backup folder holds
one shared `documents/` folder that each new backup only completes (incremental).

Automatic backups are taken at the first start of each day and kept 7 daily, 4 weekly and 12
monthly; manual and safety backups (before a migration, before a restore) are never rotated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.errors import DatabaseOpenError, DomainError
from app.files import atomic_path, is_partial
from app.paths import DataPaths
from app.storage import sqlite

SUFFIX = ".sqlite3"
_STAMP = "%Y%m%d-%H%M%S"
PAGES_PER_STEP = 1024  # ~4 MB: progress and cancel every few tens of milliseconds

Progress = Callable[[int, int], bool]  # (done, total) -> False to cancel


class BackupKind(enum.Enum):
    AUTOMATIC = "auto"
    MANUAL = "manuel"
    BEFORE_MIGRATION = "avant-migration"
    BEFORE_RESTORE = "avant-restauration"

    @property
    def label(self) -> str:
        return {
            "auto": "Sauvegarde automatique",
            "manuel": "Sauvegarde manuelle",
            "avant-migration": "Avant mise à jour",
            "avant-restauration": "Avant restauration",
        }[self.value]


class BackupCancelled(DomainError):
    def __init__(self) -> None:
        super().__init__("Sauvegarde annulée : aucun fichier n'a été laissé à moitié écrit.")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: BackupKind | None
    taken_at: dt.datetime
    dossiers: int | None
    size_bytes: int

    @property
    def label(self) -> str:
        kind = self.kind.label if self.kind else "Sauvegarde"
        count = (
            ""
            if self.dossiers is None
            else f" — {self.dossiers:,} dossier(s)".replace(",", "\u202f")
        )
        return f"{kind} du {self.taken_at:%d/%m/%Y à %H:%M}{count}"


def backup_name(kind: BackupKind, when: dt.datetime) -> str:
    return f"dossia-{kind.value}-{when.strftime(_STAMP)}{SUFFIX}"


def _parse_name(path: Path) -> tuple[BackupKind | None, dt.datetime | None]:
    stem = path.name.removesuffix(SUFFIX)
    for kind in BackupKind:
        prefix = f"dossia-{kind.value}-"
        if stem.startswith(prefix):
            with contextlib.suppress(ValueError):
                return kind, dt.datetime.strptime(stem[len(prefix) :], _STAMP)
    return None, None


def describe(path: Path) -> BackupInfo:
    """Date, kind and dossier count of a backup file (read-only)."""
    kind, taken_at = _parse_name(path)
    stat = path.stat()
    if taken_at is None:
        taken_at = dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)
    dossiers = None
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection,
    ):
        dossiers = connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0]
    return BackupInfo(path, kind, taken_at, dossiers, stat.st_size)


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
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
        src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file


def integrity_problem(path: Path) -> str | None:
    """None if SQLite finds the file sound, else what it reports."""
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        ) as connection:
            rows = [r[0] for r in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if rows == ["ok"] else "; ".join(rows[:5])


def copy_documents(source: Path, target: Path) -> int:
    """Copy the content-addressed files missing in `target`; returns how many were copied."""
    if not source.is_dir():
        return 0
    copied = 0
    for file in source.rglob("*"):
        if not file.is_file() or is_partial(file):
            continue
        destination = target / file.relative_to(source)
        if destination.exists():
            continue  # same name, same content
        with atomic_path(destination) as partial:
            shutil.copyfile(file, partial)
        copied += 1
    return copied


def write_backup(
    database: Path,
    target: Path,
    documents: Path | None = None,
    progress: Progress | None = None,
) -> BackupInfo:
    """Back `database` up into the file `target` (and its documents beside it), atomically.

    The copy is checked before it takes its final name; a failed or cancelled backup leaves
    nothing behind. Raises DomainError with a French message.
    """
    try:
        with atomic_path(target) as partial:
            _copy_pages(database, partial, progress)
            problem = integrity_problem(partial)
            if problem is not None:
                raise DomainError(
                    f"La copie de sauvegarde est incohérente ({problem}) : elle a été supprimée."
                )
        if documents is not None:
            copy_documents(documents, target.parent / "documents")
    except OSError as error:
        raise DomainError(
            f"Impossible d'écrire la sauvegarde dans « {target.parent} » : {error.strerror or error}. "
            "Vérifiez que le dossier existe, qu'il est accessible en écriture et qu'il reste de la place."
        ) from error
    except sqlite3.Error as error:
        raise DomainError(f"La sauvegarde a échoué : {error}.") from error
    return describe(target)


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


def automatic_backup_due(paths: DataPaths, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return not any(
        b.kind is BackupKind.AUTOMATIC and b.taken_at.date() == today
        for b in list_backups(paths.backups)
    )


def run_automatic_backup(paths: DataPaths, now: dt.datetime | None = None) -> BackupInfo | None:
    """The first start of the day: back up, then thin out the old automatic backups."""
    now = now or dt.datetime.now()
    if not paths.database.exists() or not automatic_backup_due(paths, now.date()):
        return None
    info = backup_now(paths, BackupKind.AUTOMATIC, now=now)
    rotate(paths.backups, now.date())
    return info


def rotate(
    folder: Path, today: dt.date, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> list[Path]:
    """Keep the newest automatic backup of each of the last `daily` days, `weekly` ISO weeks
    and `monthly` months; delete the other automatic ones. Returns what was deleted."""
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
            removed.append(backup.path)
    return removed


def check_backup(source: Path) -> BackupInfo:
    """Refuse a file that is not a sound Dossia backup of this version or an older one."""
    if not source.is_file():
        raise DomainError(f"La sauvegarde « {source} » est introuvable.")
    try:
        state = sqlite.check_database_readonly(source)
    except DatabaseOpenError as error:
        raise DomainError(error.message) from error
    if state is not sqlite.SchemaState.CURRENT and state is not sqlite.SchemaState.OUTDATED:
        raise DomainError(f"« {source.name} » n'est pas une sauvegarde Dossia.")
    problem = integrity_problem(source)
    if problem is not None:
        raise DomainError(
            f"La sauvegarde « {source.name} » est endommagée ({problem}) : choisissez-en une autre."
        )
    return describe(source)


def set_aside_damaged(paths: DataPaths, now: dt.datetime | None = None) -> Path:
    """Move an unreadable database (and its WAL files) into backups/, never delete it."""
    stamp = (now or dt.datetime.now()).strftime(_STAMP)
    target = paths.backups / f"dossia-endommagee-{stamp}{SUFFIX}"
    paths.backups.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        extra = paths.database.with_name(paths.database.name + suffix)
        if extra.exists():
            extra.replace(target.with_name(target.name + suffix))
    paths.database.replace(target)
    return target
