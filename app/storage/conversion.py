"""Converting an office between plain and encrypted: the database, its backups and the
document files, so that a kill at any moment leaves either the old office or the new one.

Every file is first written anew beside the old one (`<file>.conversion`, its key file
`<file>.keys.conversion`, each document under its new name plus `.conversion` in the same
folder), fsynced; then a journal naming them is written atomically: that is the moment the
conversion is done. From then on, each start finishes it (`finish_conversion`: renames,
then the old files removed — every step can be repeated); before it, a start removes the
new files and the old office is untouched. The conversion holds the lock of
`conversion.lock` from start to end: a second Dossia started meanwhile neither undoes nor
finishes it, it says to wait (the system drops the lock of a killed conversion). The keys
themselves come from the layer above (`app.crypto`): this module is handed the target
key, the key file's bytes and the document functions.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import Cancelled, DomainError
from app.files import atomic_write, fsync_file, make_private, try_lock, unlock
from app.paths import DataPaths
from app.storage import driver, sqlite
from app.storage.backup_files import (
    COMPANION_SUFFIXES,
    DOCUMENT_NAME,
    document_hashes,
    list_backups,
)
from app.storage.sqlite_office import other_sessions

JOURNAL_NAME = "conversion.json"
STARTED_NAME = "conversion-commencee"  # new files may lie about: look for them
LOCK_NAME = "conversion.lock"  # held by the running conversion
LEFTOVERS_NAME = "conversion-restes.json"  # old files a finish could not remove yet
PART = ".conversion"
_PROGRESS_STEPS = 20_000  # SQLite virtual machine steps between two looks at the copy

Progress = Callable[[int, int], bool]  # (done, total) in per mille -> False to cancel


@dataclass(frozen=True)
class Target:
    """What the office becomes: a SQLCipher key and the key file to put beside each file
    (both None: plain), and how its documents are named and written."""

    key: str | None
    key_file: bytes | None
    document_name: Callable[[str], str]  # the stored name of a sha256, in the new office
    write_document: Callable[[Path, Path], object]  # (old file, new file): decrypt/encrypt
    # Folders of the data folder removed once the conversion is done (the clear copies
    # of PDFs an encrypted office keeps elsewhere).
    removed_folders: tuple[str, ...] = ()


@dataclass
class ConversionResult:
    files: list[Path] = field(default_factory=list)  # the office, then its backups
    documents: int = 0
    skipped_backups: list[Path] = field(default_factory=list)  # unreadable: left as they were
    # Done (its journal written), but a file could not take its new name yet (held open by
    # another program): why, in French; the next start finishes it.
    unfinished: str = ""


class ConversionRunning(DomainError):
    """Another Dossia converts this office right now: wait for it."""


class ConversionCancelled(Cancelled):
    def __init__(self) -> None:
        super().__init__("Conversion annulée : les données sont restées telles qu'elles étaient.")


def journal_path(paths: DataPaths) -> Path:
    return paths.folder / JOURNAL_NAME


def part_of(path: Path) -> Path:
    return path.with_name(path.name + PART)


def convert(paths: DataPaths, target: Target, progress: Progress | None = None) -> ConversionResult:
    """Convert the office of `paths` (every connection to it closed) and the readable
    backups of its backups folder; ConversionCancelled (nothing changed) when `progress`
    returns False. Raises DomainError in French."""
    with _conversion_lock(paths, required=True):
        _finish_locked(paths)
        result = _convert_locked(paths, target, progress)
        try:
            _finish_locked(paths)
        except OSError as error:  # on Windows, a file another program holds open
            result.unfinished = unfinished_message(error)
    return result


def unfinished_message(error: OSError) -> str:
    return (
        "Le chiffrement (ou le déchiffrement) des données est fait, mais un fichier n'a pas "
        f"encore pu prendre sa place ({error.strerror or error} : "
        f"« {Path(error.filename or '').name} », sans doute ouvert par un autre programme : "
        "antivirus, sauvegarde). Fermez ce programme : Dossia achèvera l'opération à son "
        "prochain démarrage."
    )


def _convert_locked(
    paths: DataPaths, target: Target, progress: Progress | None
) -> ConversionResult:
    started = paths.folder / STARTED_NAME
    started.touch(mode=0o600)
    result = ConversionResult()
    old_name = sqlite.document_names(paths.database) or (lambda content_hash: content_hash)
    files = [paths.database]
    for backup in list_backups(paths.backups):
        if backup.dossiers is None:
            result.skipped_backups.append(backup.path)  # damaged, another office's, locked
        else:
            files.append(backup.path)
    written: list[Path] = []
    new_documents: list[Path] = []
    try:
        _refuse_other_sessions(paths)
        documents = _documents_by_folder(paths, files)
        steps = len(files) + sum(len(hashes) for hashes in documents.values())
        done = 0

        def tell(fraction: float = 0.0) -> bool:
            return progress is None or progress(int(1000 * (done + fraction) / steps), 1000)

        for path in files:
            written += _rewrite(path, target, lambda fraction: tell(fraction))
            done += 1
        for folder, hashes in documents.items():
            for content_hash in sorted(hashes):
                new = _write_document(folder, content_hash, old_name, target)
                if new is not None:
                    written.append(new)
                    new_documents.append(new)
                    result.documents += 1
                done += 1
                if not tell():
                    raise ConversionCancelled()
        _refuse_other_sessions(paths)  # one opened meanwhile would write to the old file
        missing = [path for path in written if not path.is_file()]
        if missing:  # never a journal naming a file that is not there
            raise DomainError(
                f"La conversion n'a pas retrouvé « {missing[0].name} », qu'elle venait "
                "d'écrire : les données sont restées telles qu'elles étaient. Recommencez."
            )
        # Paths relative to the data folder: a folder moved before the next start still
        # finds its files.
        journal = {
            "files": [_stored(paths, path) for path in files],
            "plain": target.key is None,
            "new_documents": [_stored(paths, path) for path in new_documents],
            "old_documents": [
                _stored(paths, _document_path(folder, old_name(content_hash)))
                for folder, hashes in documents.items()
                for content_hash in sorted(hashes)
            ],
            "removed_folders": list(target.removed_folders),
        }
        with atomic_write(journal_path(paths)) as stream:  # the moment it is done
            json.dump(journal, stream, indent=1)
        _fsync_folder(paths.folder)
    except BaseException as error:
        # Its new files removed; the mark stays while one could not be (the next start
        # tries again).
        _remove(*written)
        _remove_unfinished(paths)
        if isinstance(error, OSError):
            raise DomainError(
                f"La conversion n'a pas pu écrire ses fichiers ({error.strerror or error}) : "
                "les données sont restées telles qu'elles étaient. Vérifiez la place libre "
                "sur le disque, puis recommencez."
            ) from error
        raise
    result.files = files
    return result


def finish_conversion(paths: DataPaths) -> bool:
    """At start (and after `convert`): a conversion whose journal was written is finished;
    one interrupted before is undone (its new files removed). True if there was one.
    DomainError while a conversion runs in another Dossia: nothing is touched then."""
    if not any(
        (paths.folder / name).exists() for name in (JOURNAL_NAME, STARTED_NAME, LEFTOVERS_NAME)
    ):
        return False  # three stats: the usual start
    with _conversion_lock(paths):
        try:
            return _finish_locked(paths)
        except OSError as error:
            raise ConversionRunning(unfinished_message(error)) from error


@contextlib.contextmanager
def _conversion_lock(paths: DataPaths, required: bool = False) -> Iterator[None]:
    """The conversion's lock held for the block. Where the file system has no locks (a
    network share), a conversion is refused (`required`); a start finishes one anyway."""
    try:
        handle = try_lock(paths.folder / LOCK_NAME)
    except OSError as error:
        if required:
            raise DomainError(
                "Le dossier des données ne permet pas de verrouiller ses fichiers "
                f"({error.strerror or error}) : la conversion ne peut pas s'y faire sans "
                "risque. Est-il sur un partage réseau ? Rien n'a été modifié."
            ) from error
        handle = -1
    if handle is None:
        raise ConversionRunning(
            "Le chiffrement (ou le déchiffrement) des données de ce poste est en cours dans "
            "une autre fenêtre de Dossia : attendez qu'il s'achève, puis recommencez."
        )
    try:
        yield
    finally:
        if handle >= 0:
            unlock(handle)


def _finish_locked(paths: DataPaths) -> bool:
    journal = journal_path(paths)
    try:
        content = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _remove_leftovers(paths, [])
        return _remove_unfinished(paths)
    except (OSError, ValueError) as error:
        raise DomainError(
            f"Le journal de conversion « {journal} » est illisible ({error}) : Dossia ne peut "
            "pas savoir si le chiffrement des données s'est achevé. Contactez le support ; "
            "rien n'a été supprimé."
        ) from error
    for name in content["files"]:
        _switch(_absolute(paths, name), plain=bool(content["plain"]))
    for name in content.get("new_documents", ()):
        part = _absolute(paths, name)
        if part.exists():  # else already in place (a start that finished before)
            part.replace(_without_part(part))
    # The old files (clear documents and PDFs after an encryption): one that cannot be
    # removed now (held open on Windows) is tried again at each start.
    _remove_leftovers(paths, [*content["old_documents"], *content.get("removed_folders", ())])
    journal.unlink(missing_ok=True)
    (paths.folder / STARTED_NAME).unlink(missing_ok=True)
    _fsync_folder(paths.folder)
    return True


def _stored(paths: DataPaths, path: Path) -> str:
    return os.path.relpath(path, paths.folder)


def _absolute(paths: DataPaths, name: str) -> Path:
    return paths.folder / name  # a journal of an earlier version holds absolute paths


def _remove_leftovers(paths: DataPaths, names: list[str]) -> None:
    """Remove `names` (files or folders) and those an earlier finish could not; the ones
    that still resist are kept in `conversion-restes.json` for the next start."""
    leftovers = paths.folder / LEFTOVERS_NAME
    with contextlib.suppress(OSError, ValueError):
        names = [*json.loads(leftovers.read_text(encoding="utf-8")), *names]
    left = []
    for name in dict.fromkeys(names):
        path = _absolute(paths, name)
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            left.append(name)
    if left:
        with contextlib.suppress(OSError), atomic_write(leftovers) as stream:
            json.dump(left, stream, indent=1)
    else:
        leftovers.unlink(missing_ok=True)


def _without_part(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(PART))


def _rewrite(path: Path, target: Target, tell: Callable[[float], bool]) -> list[Path]:
    """`path` written anew (and its key file): the files written. On any failure, none
    is left (a half-written copy may hold clear data)."""
    new, new_keys = part_of(path), part_of(sqlite.key_file_of(path))
    new.unlink(missing_ok=True)
    size = max(path.stat().st_size, 1)
    try:
        _export(path, new, target, tell, size)
        make_private(new)  # SQLite creates it after the umask: one started without ours
        fsync_file(new)
        if target.key_file is not None:
            with atomic_write(new_keys, binary=True) as stream:
                stream.write(target.key_file)
    except BaseException:
        _remove(new, new_keys)
        raise
    return [new] if target.key_file is None else [new, new_keys]


def _remove(*paths: Path) -> bool:
    """Each of `paths` removed if it is there; False if one could not be."""
    removed = True
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            removed = False
    return removed


def _export(
    path: Path, new: Path, target: Target, tell: Callable[[float], bool], size: int
) -> None:
    connection = sqlite.open_file(path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")

        def step() -> int:
            with contextlib.suppress(OSError):
                return 0 if tell(min(new.stat().st_size / size, 0.99)) else 1
            return 0

        connection.set_progress_handler(step, _PROGRESS_STEPS)
        key = target.key or ""
        try:
            connection.execute(f'ATTACH DATABASE ? AS converted KEY "{key}"', (str(new),))
            connection.execute("SELECT sqlcipher_export('converted')")
            connection.execute("DETACH DATABASE converted")
        except driver.OperationalError as error:
            text = str(error).lower()
            if "interrupt" in text:
                raise ConversionCancelled() from error
            if "full" in text or "disk i/o" in text:
                raise DomainError(
                    f"Le disque est plein ou a refusé d'écrire la copie de « {path.name} » : "
                    "la conversion s'est arrêtée et les données sont restées telles "
                    "qu'elles étaient. Libérez de la place sur le disque, puis recommencez."
                ) from error
            raise DomainError(
                f"La conversion de « {path.name} » a échoué ({error}) : les données sont "
                "restées telles qu'elles étaient."
            ) from error
    finally:
        connection.close()


def _refuse_other_sessions(paths: DataPaths) -> None:
    """Another Dossia open on this office (a second window, another user of this computer,
    a command) would go on writing to the old file: its work would be lost."""
    if other_sessions(paths):
        raise DomainError(
            "Dossia est ouvert ailleurs sur ces données (une autre fenêtre, un autre "
            "utilisateur de cet ordinateur, une commande en cours) : fermez-le, puis "
            "recommencez. Rien n'a été modifié."
        )


def _switch(path: Path, plain: bool) -> None:
    """Put the new `path` (and its key file) in place of the old one; repeatable."""
    new, new_keys, keys = part_of(path), part_of(sqlite.key_file_of(path)), sqlite.key_file_of(path)
    if not plain and new_keys.exists():
        new_keys.replace(keys)
    if new.exists():
        for suffix in COMPANION_SUFFIXES[1:]:  # the old file's WAL would apply to the new one
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        new.replace(path)
    if plain:  # also when a crash came between the two steps: the content is already plain
        keys.unlink(missing_ok=True)


def _documents_by_folder(paths: DataPaths, files: Iterable[Path]) -> dict[Path, set[str]]:
    """The documents each documents folder holds for the files: the office's own, and the
    one its backups share."""
    found: dict[Path, set[str]] = {}
    for path in files:
        folder = paths.documents if path == paths.database else path.parent / "documents"
        try:
            found.setdefault(folder, set()).update(document_hashes(path))
        except driver.Error as error:
            raise DomainError(f"« {path.name} » ne peut pas être lu : {error}.") from error
    return found


def _document_path(folder: Path, name: str) -> Path:
    return folder / name[:2] / name


def _write_document(
    folder: Path, content_hash: str, old_name: Callable[[str], str], target: Target
) -> Path | None:
    """The document written under its new name plus `.conversion` (it takes its name when
    the conversion finishes); None: already there, or no old file."""
    if not DOCUMENT_NAME.fullmatch(content_hash):
        return None
    old = _document_path(folder, old_name(content_hash))
    new = _document_path(folder, target.document_name(content_hash))
    if new.exists() or not old.is_file() or old.is_symlink():
        return None
    partial = part_of(new)
    partial.unlink(missing_ok=True)
    new.parent.mkdir(mode=0o700, exist_ok=True)
    try:
        target.write_document(old, partial)
        fsync_file(partial)
    except BaseException:
        _remove(partial)  # half a document: it may hold clear data
        raise
    return partial


def _remove_unfinished(paths: DataPaths) -> bool:
    """New files left by a conversion killed (or failed) before its journal: removed.
    Looked for only when a conversion was started (the folders of documents may hold
    millions of files); the mark stays until every one is gone. True if one was found."""
    started = paths.folder / STARTED_NAME
    if not started.exists():
        return False
    found: list[Path] = []
    for pattern, folders in (
        (f"*{PART}", (paths.folder, paths.backups)),
        (f"*/*{PART}", (paths.documents, paths.backups / "documents")),
    ):
        for folder in folders:
            with contextlib.suppress(OSError):  # a folder that is not there
                found += folder.glob(pattern)
    if _remove(*found):
        started.unlink(missing_ok=True)
    return bool(found)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


__all__ = [
    "ConversionCancelled",
    "ConversionResult",
    "ConversionRunning",
    "Target",
    "convert",
    "finish_conversion",
    "journal_path",
    "unfinished_message",
]
