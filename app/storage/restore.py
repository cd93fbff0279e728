"""Restoring a backup over the office's data (then migrating it if it is older).

The chosen file is read once, into a private copy in the data folder; the check and
everything after it use that copy only, so a file swapped on the share after the check is
never restored. The restored office is built completely beside the live database (pages,
search index, documents, schema upgrade) and replaces it in one rename at the end: a
restore that fails before that leaves the current office as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.errors import DatabaseOpenError, DomainError
from app.files import PRIVATE_FILE, make_private
from app.paths import DataPaths
from app.storage import driver, sqlite
from app.storage.backup_files import (
    COMPANION_SUFFIXES,
    copy_key_file,
    document_hashes,
    is_database_file,
    read_only,
)
from app.storage.backups import (
    PAGES_PER_STEP,
    BackupInfo,
    BackupKind,
    backup_now,
    check_backup,
    copy_documents,
    set_aside_damaged,
)
from app.storage.issued_numbers import IssuedNumbers, lost_numbers
from app.storage.schema import ensure_schema

# The full-text index is derived from the dossiers: rebuilt from the restored (checked) rows,
# so that nothing of the backup's own index pages is kept.
_REBUILD_SEARCH_INDEX = "INSERT INTO dossier_fts(dossier_fts) VALUES('rebuild')"
_WORK_PREFIX = ".restauration-"


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    safety_backup: BackupInfo | None
    # Invoices this computer issued after the backup was made, missing from it: «F-2026-0009
    # à F-2026-0012» (their numbers are never given again)
    lost_numbers: tuple[str, ...] = ()

    @property
    def lost_warning(self) -> str:
        """What the restore says of the pieces it lost («» when none)."""
        if not self.lost_numbers:
            return ""
        return (
            "Attention : des factures ou avoirs émis sur cet ordinateur après cette sauvegarde "
            f"n'y figurent pas ({', '.join(self.lost_numbers)}). Leurs numéros ne seront pas "
            "réemployés ; retrouvez-les dans ce qui a été envoyé (et, s'ils ont été imprimés "
            "depuis cet ordinateur, dans le dossier « exports » des données de Dossia)."
        )


def restore(paths: DataPaths, source: Path, damaged: bool = False) -> RestoreResult:
    """Replace the office's data by a backup, after a safety backup of the current state.

    `source` is copied once (read-only, by SQLite) into a private file of the data folder;
    that copy is checked in full (`check_backup`: the exact schema of its revision, sound
    pages, readable rows) and is the only one restored: a refused file changes nothing.
    Every other connection of this process must be closed first. The restored database is
    built beside the live one (search index rebuilt, schema migrated if the backup is older,
    the documents it refers to copied back, each checked against its hash), then replaces
    it atomically. A damaged database (`damaged=True`) cannot be backed up: it is moved
    aside into backups/ instead, just before the replacement.
    """
    if source.exists() and is_database_file(paths.database, source):
        raise DomainError(
            f"« {source.name} » est la base de données en cours, pas une sauvegarde : "
            "choisissez un fichier du dossier des sauvegardes."
        )
    if not source.is_file():
        raise DomainError(f"La sauvegarde « {source} » est introuvable.")
    key = _backup_key(source)
    if key is None and sqlite.is_encrypted(paths.database):
        raise DomainError(
            f"La sauvegarde « {source.name} » n'est pas chiffrée, alors que les données de ce "
            "poste le sont : la restaurer les remettrait en clair sur le disque. Restaurez une "
            "sauvegarde chiffrée, ou déchiffrez d'abord les données (Outils › Déchiffrer), "
            "restaurez, puis chiffrez-les à nouveau. La base actuelle n'a pas été modifiée."
        )
    paths.folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=paths.folder, prefix=_WORK_PREFIX))  # 0700
    private = work / source.name  # the same name: the check's messages name the file
    try:
        with sqlite.keyed(private, key, like=source):
            _copy_once(source, private)
            info = dataclasses.replace(check_backup(private), path=source)
            safety = None
            if paths.database.exists() and not damaged:
                safety = backup_now(paths, BackupKind.BEFORE_RESTORE)
            staged = _build(paths, private, source.parent / "documents", safety, key)
        _swap(paths, staged, damaged, safety, source if key is not None else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return RestoreResult(
        restored=info,
        safety_backup=safety,
        lost_numbers=lost_numbers(paths.database, IssuedNumbers(paths.database).highest()),
    )


def _backup_key(source: Path) -> str | None:
    """The key of an encrypted backup (None: a plain one); refused in French when no key
    unlocked here opens it."""
    try:
        return sqlite.key_of(source)
    except DatabaseOpenError as error:
        raise DomainError(
            f"La sauvegarde « {source.name} » est chiffrée avec les clés d'un autre cabinet, "
            "ou son fichier de clés est absent ou endommagé : ouvrez-la avec le mot de passe "
            "d'un de ses utilisateurs ou avec la clé de secours de ce cabinet. La base "
            f"actuelle n'a pas été modifiée. ({error.message})"
        ) from error


def _copy_once(source: Path, private: Path) -> None:
    """The only read of the user's file: SQLite's backup API from a read-only connection into
    a new file only this user can read."""
    handle = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(handle)
    try:
        with (
            read_only(source, seconds=None) as src,
            contextlib.closing(sqlite.open_file(private)) as dst,
        ):
            src.backup(dst, pages=PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except (OSError, driver.Error) as error:
        try:  # only to say why (not a database, newer version…): nothing of it is kept
            sqlite.check_database_readonly(source)
        except DatabaseOpenError as reason:
            raise DomainError(reason.message) from error
        raise DomainError(
            f"La sauvegarde « {source.name} » ne peut pas être lue ({error}) : "
            "choisissez-en une autre. La base actuelle n'a pas été modifiée."
        ) from error


def _companions(database: Path) -> list[Path]:
    return [database.with_name(database.name + s) for s in COMPANION_SUFFIXES if s]


def _build(
    paths: DataPaths, private: Path, documents: Path, safety: BackupInfo | None, key: str | None
) -> Path:
    """The restored office, complete, in a file beside the live database (removed on failure)."""
    handle, name = tempfile.mkstemp(dir=paths.folder, prefix=_WORK_PREFIX, suffix=".sqlite3")
    os.close(handle)  # 0600
    staged = Path(name)
    try:
        with sqlite.keyed(staged, key, like=private):
            with (
                contextlib.closing(sqlite.open_file(private)) as src,
                contextlib.closing(sqlite.open_file(staged)) as dst,
            ):
                src.backup(dst, pages=PAGES_PER_STEP)
                dst.execute(_REBUILD_SEARCH_INDEX)
                dst.commit()
            copy_documents(
                documents, paths.documents, document_hashes(staged), sqlite.document_names(staged)
            )
            ensure_schema(DataPaths(staged))  # its backups go to the office's backups folder
            with contextlib.closing(sqlite.open_file(staged)) as connection:
                connection.execute("PRAGMA journal_mode=DELETE")  # nothing left in a -wal file
        make_private(staged)
        with open(staged, "rb") as stream:
            os.fsync(stream.fileno())
    except (OSError, driver.Error, DomainError) as error:
        for path in (staged, *_companions(staged)):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        message = error.message if isinstance(error, DomainError) else str(error)
        raise DomainError(
            f"La restauration a échoué ({message}). La base actuelle n'a pas été modifiée"
            + (f" ; une copie de sécurité est dans « {safety.path} »." if safety else ".")
        ) from error
    return staged


def _swap(
    paths: DataPaths,
    staged: Path,
    damaged: bool,
    safety: BackupInfo | None,
    keys_of: Path | None,
) -> None:
    """Put the restored file in place of the live one (every connection is closed), with
    the key file of the backup `keys_of` (None: a plain backup, the office becomes plain)."""
    try:
        if damaged and paths.database.exists():
            set_aside_damaged(paths)
        # A -wal/-shm/-journal left beside the live file would be applied to the new one.
        for companion in _companions(paths.database):
            companion.unlink(missing_ok=True)
        if keys_of is not None:
            copy_key_file(keys_of, paths.database)  # the restored pages' own keys
        staged.replace(paths.database)
        if keys_of is None:
            sqlite.key_file_of(paths.database).unlink(missing_ok=True)
    except OSError as error:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
        raise DomainError(
            f"La restauration a échoué en remplaçant la base ({error.strerror or error}) : "
            "la base actuelle a pu être modifiée ou remplacée"
            + (f" ; une copie de sécurité est dans « {safety.path} »." if safety else ".")
        ) from error
    with contextlib.suppress(OSError):  # the rename itself, on disk
        folder = os.open(paths.folder, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
