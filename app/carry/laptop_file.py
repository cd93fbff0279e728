"""A laptop's file of dossiers taken away (issue 11): built beside its place and moved
there only once complete, encrypted with the broker's password; once they are back, marked,
set aside read-only, and forgotten after KEPT_DAYS."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from app.carry.laptop import CARRY_KEY, SERVER_KEY
from app.carry.readmodels import Progress
from app.errors import Cancelled, DomainError, NotFound
from app.files import atomic_write
from app.paths import CARRY_RETURNED, DataPaths
from app.storage import carry_rows
from app.storage.carry_rows import TREE_TABLES, Rows
from app.storage.database import Database
from app.storage.documents import DocumentStore
from models.carry import CarryBaseline
from models.enums import Right
from models.office import Setting

# Not given on a laptop: what changes the whole office, or numbers and deletions that the
# office could not take back without a collision.
OFFLINE_WITHHELD = frozenset(
    {
        Right.MANAGE_SETTINGS,
        Right.MANAGE_USERS,
        Right.RENUMBER_DOSSIER,
        Right.DELETE_DOSSIER,
        Right.EXPORT_C1,
        Right.PERSONAL_DATA,
    }
)


@contextlib.contextmanager
def building(target: DataPaths) -> Iterator[DataPaths]:
    """A new folder beside the target's, renamed into place only if everything succeeds
    (the caller's server transaction commits after): nothing half-built is ever opened."""
    target.folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.folder.parent.glob(".emportes-*"):  # a departure killed midway
        shutil.rmtree(stale, ignore_errors=True)
    _forget_old_returns(target.folder.parent)
    scratch = Path(tempfile.mkdtemp(prefix=".emportes-", dir=target.folder.parent))
    paths = DataPaths(scratch / target.database.name)
    try:
        yield paths
        if target.folder.exists():
            shutil.rmtree(target.folder)  # an empty or abandoned folder (no database in it)
        scratch.rename(target.folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def build_laptop_file(
    paths: DataPaths,
    login: str,
    user_id: int | None,
    password: str,
    tree: Rows,
    referentials: Mapping[str, list[dict[str, Any]]],
    carry_row: Mapping[int, dict[str, Any]],
    server: str,
    documents: DocumentStore,
    progress: Progress | None,
) -> tuple[int, int, int]:
    from app.crypto.unlocked import document_cipher, start_encrypted_office
    from app.storage.schema import ensure_schema

    hashes = sorted({row["content_hash"] for row in tree["documents"].values()})
    total = len(hashes) + 1

    def tell(done: int) -> None:
        if progress is not None and not progress(done, total):
            raise Cancelled("Départ annulé : aucun dossier n'a été emporté.")

    tell(0)
    # Encrypted with the broker's password: a laptop can be lost.
    start_encrypted_office(paths.database, [(login, password)])
    ensure_schema(paths)
    laptop = Database(paths)
    try:
        with laptop.engine.begin() as connection:
            for name in reversed(carry_rows.REFERENTIALS):
                connection.execute(delete(carry_rows.table(name)))
            for name in carry_rows.REFERENTIALS:
                kept = [_offline(name, row, user_id) for row in referentials[name]]
                rows = [row for row in kept if row is not None]
                if rows:
                    connection.execute(insert(carry_rows.table(name)), rows)
            connection.execute(insert(carry_rows.table("carries")), list(carry_row.values()))
            for name in TREE_TABLES:
                rows = list(tree[name].values())
                if rows:
                    connection.execute(insert(carry_rows.table(name)), rows)
                    connection.execute(
                        insert(CarryBaseline.__table__),
                        [
                            {"table_name": name, "row_id": row["id"], "data": carry_rows.dumps(row)}
                            for row in rows
                        ],
                    )
            connection.execute(
                insert(Setting.__table__),
                [
                    {"key": SERVER_KEY, "value": server[:500]},
                    {"key": CARRY_KEY, "value": str(next(iter(carry_row)))},
                ],
            )
        store = DocumentStore(paths.documents, document_cipher(paths.database))
        size = missing = 0
        # Each document passes through the new folder (0700, removed whole if anything
        # fails), never the system's temporary folder: a laptop can be lost.
        with tempfile.TemporaryDirectory(prefix=".transit-", dir=paths.folder) as scratch:
            for done, content_hash in enumerate(hashes, start=1):
                copy = Path(scratch) / "document"
                try:
                    documents.export(content_hash, copy)
                except (FileNotFoundError, NotFound):
                    missing += 1  # missing at the office too: the row says so on the laptop
                    continue
                stored, copied = store.put(copy)
                if stored != content_hash:
                    raise DomainError(
                        "Un document du serveur ne correspond pas à son empreinte : le départ "
                        "est arrêté, aucun dossier n'a été emporté."
                    )
                size += copied
                copy.unlink()
                tell(done)
        tell(total)
        return len(hashes) - missing, size, missing
    finally:
        laptop.dispose()


def _offline(name: str, row: dict[str, Any], user_id: int | None) -> dict[str, Any] | None:
    """A referential row as a laptop keeps it: the other users without their password
    hashes and unable to log in; the profiles without the rights withheld offline."""
    if name == "users" and row["id"] != user_id:
        return {**row, "password_hash": "", "is_active": False, "failed_logins": 0}
    if name == "role_rights" and Right(row["right"]) in OFFLINE_WITHHELD:
        return None
    return row


# How long a laptop keeps the file of dossiers brought back (encrypted, read-only): long
# enough to look something up, not for ever (those dossiers live at the office).
KEPT_DAYS = 30


def _forget_old_returns(folder: Path) -> None:
    limit = dt.datetime.now().timestamp() - KEPT_DAYS * 86400
    for kept in folder.glob("rapportes-*"):
        with contextlib.suppress(OSError):
            if kept.stat().st_mtime < limit:
                for path in kept.rglob("*"):
                    path.chmod(stat.S_IRWXU)
                shutil.rmtree(kept)


def set_aside(paths: DataPaths) -> Path | None:
    """The laptop's file, once brought back, kept read-only beside where it was (its
    folder renamed) for KEPT_DAYS: this computer opens the server again. Marked first: where
    the open file cannot be renamed (Windows), the mark alone keeps it from being opened
    again, and the next departure sets it aside."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = paths.folder.with_name(f"rapportes-{stamp}")
    try:
        with atomic_write(paths.folder / CARRY_RETURNED) as stream:
            json.dump({"rapportes_le": stamp}, stream)
    except OSError:
        pass  # the rename below does the same, if it can
    try:
        paths.folder.rename(kept)
        database = kept / paths.database.name
        database.chmod(stat.S_IRUSR)
    except OSError:
        return None
    return database
