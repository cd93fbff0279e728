"""Restoring a backup over the office's data (then migrating it if it is older)."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.errors import DomainError
from app.paths import DataPaths
from app.storage import sqlite
from app.storage.backup_files import is_database_file
from app.storage.backups import (
    PAGES_PER_STEP,
    BackupInfo,
    BackupKind,
    backup_now,
    check_backup,
    copy_documents,
    set_aside_damaged,
)
from app.storage.schema import ensure_schema

# The full-text index is derived from the dossiers: rebuilt from the restored (checked) rows,
# so that nothing of the backup's own index pages is kept.
_REBUILD_SEARCH_INDEX = "INSERT INTO dossier_fts(dossier_fts) VALUES('rebuild')"


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    safety_backup: BackupInfo | None


def restore(paths: DataPaths, source: Path, damaged: bool = False) -> RestoreResult:
    """Replace the office's data by a backup, after a safety backup of the current state.

    The backup is checked in full first (`check_backup`: the exact schema of its revision,
    sound pages, readable rows); a refused file changes nothing. Every other connection of
    this process must be closed first. The documents of the backup folder are copied back;
    the search index is rebuilt; the schema is migrated if the backup is older. A damaged
    database (`damaged=True`) cannot be backed up: it is moved aside into backups/ instead.
    """
    if source.exists() and is_database_file(paths.database, source):
        raise DomainError(
            f"« {source.name} » est la base de données en cours, pas une sauvegarde : "
            "choisissez un fichier du dossier des sauvegardes."
        )
    info = check_backup(source)
    safety = None
    if paths.database.exists():
        if damaged:
            set_aside_damaged(paths)
        else:
            safety = backup_now(paths, BackupKind.BEFORE_RESTORE)
    try:
        paths.folder.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(paths.database)) as dst,
        ):
            dst.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
            src.backup(dst, pages=PAGES_PER_STEP)
            dst.execute(_REBUILD_SEARCH_INDEX)
            dst.commit()
        copy_documents(source.parent / "documents", paths.documents)
    except (OSError, sqlite3.Error) as error:
        raise DomainError(
            f"La restauration a échoué ({error}). La base actuelle n'a pas été modifiée"
            + (f" ; une copie de sécurité est dans « {safety.path} »." if safety else ".")
        ) from error
    ensure_schema(paths)
    return RestoreResult(restored=info, safety_backup=safety)
