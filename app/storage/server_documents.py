"""The documents of an office on a PostgreSQL server (issue 11): their bytes in the office's
database, stored once by their sha256 as a file office stores them once in its folder.

`document_contents` holds one row per sha256 (size, number of chunks), `document_chunks`
the bytes cut into chunks of `CHUNK` (1 MB): a document goes in and out chunk by chunk,
with progress and «Annuler», never held whole but by a preview (which needs it whole).

Attaching copies the bytes first (off the screen's thread, in a transaction of their own
that does not take the office's writers' lock), then the service writes the rows. So that
nothing is lost or left behind:

- the copy is one transaction: cancelled or failed, it leaves nothing on the server;
- with `hold`, a `document_holds` row is committed with the bytes and protects them from
  any removal until `release` (the rows committed, or never to be): a failed attach then
  frees them (`discard`), another broker deleting the last row using the same bytes meanwhile
  does not;
- the copy and the removal of one hash are serialised by a lock on the hash (a transaction
  advisory lock): two brokers attaching the same file at once store it once, the second
  waiting for the first and finding it there; a removal sees every hold and row committed
  before it;
- `discard` removes bytes only when no document row, no company logo and no hold (younger
  than a day: a computer stopped in the middle of an attach) refers to them; `sweep`, at
  each opening, removes those only an expired hold kept.

The server's offices are not encrypted by Dossia (`ServerEncryptionService` refuses): the
bytes are stored as they are, their hash checked whenever they are read.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.errors import Cancelled, DomainError, StorageError
from app.storage.documents import (
    CHUNK,
    LOGO_KEY,
    MAX_DOCUMENT_BYTES,
    DocumentStore,
    _megabytes,
    _not_this_document,
    check_hash,
    checked_size,
)
from app.storage.postgres import ServerDatabase

log = logging.getLogger(__name__)
# The lock on one hash: PostgreSQL's two-key advisory locks (a space apart from the
# writers' one-key lock), «Docs» in ASCII and the hash's first 32 bits.
_HASH_LOCK_CLASS = 0x446F6373
# How long a copy waits for another copy of the same bytes (50 MB on a slow network).
HASH_WAIT = "120s"
# A hold older than this is a computer's that stopped in the middle of an attach.
HOLD_EXPIRY = "1 day"
# The holds this process took, by hash (a hash attached twice at once: two holds).
_HELD: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
_HELD_LOCK = threading.Lock()


class ServerDocumentStore(DocumentStore):
    """The document store of an office on a server: the interface of `DocumentStore`,
    the bytes in the database (`ServerDatabase.transfer` transactions)."""

    def __init__(self, database: ServerDatabase, chunk: int = CHUNK) -> None:
        super().__init__(database.paths.documents)  # never written: the bytes are the server's
        self._db = database
        self.chunk = chunk

    def path_for(self, content_hash: str) -> Path:
        raise DomainError("Les documents d'un cabinet sur serveur sont dans sa base.")

    # --- reading ---------------------------------------------------------------------

    def exists(self, content_hash: str) -> bool:
        check_hash(content_hash)
        with self._db.transfer() as connection:
            return _stored(connection, content_hash) is not None

    def read(self, content_hash: str) -> bytearray:
        """The document's bytes, held once (a bytearray the size of the document, filled
        chunk by chunk); FileNotFoundError if the server has none, DamagedDocument if they
        are not those of the hash."""
        check_hash(content_hash)
        with self._db.transfer() as connection:
            size, _count = _existing(connection, content_hash)
            content = bytearray(size)
            view = memoryview(content)
            done = 0
            for data in _chunks(connection, content_hash):
                if done + len(data) > size:
                    raise _not_this_document()
                view[done : done + len(data)] = data
                done += len(data)
            view.release()
        if done != size or hashlib.sha256(content).hexdigest() != content_hash:
            raise _not_this_document()
        return content

    def head(self, content_hash: str, count: int = 16) -> bytes:
        check_hash(content_hash)
        with self._db.transfer() as connection:
            first = connection.execute(
                text(
                    "SELECT substring(data FROM 1 FOR :count) FROM document_chunks "
                    "WHERE content_hash = :hash AND chunk = 0"
                ),
                {"count": count, "hash": content_hash},
            ).scalar()
            if first is None:
                _existing(connection, content_hash)  # gone; else an empty file
                return b""
        return bytes(first)

    def export(self, content_hash: str, target: Path) -> None:
        """The document into the new file `target` (0600), chunk by chunk; its hash checked
        before it is handed out."""
        check_hash(content_hash)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        digest = hashlib.sha256()
        with self._db.transfer() as connection:
            _existing(connection, content_hash)
            handle = os.open(target, flags | getattr(os, "O_BINARY", 0), 0o600)
            try:
                with os.fdopen(handle, "wb") as writer:
                    for data in _chunks(connection, content_hash):
                        digest.update(data)
                        writer.write(data)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
        if digest.hexdigest() != content_hash:
            target.unlink(missing_ok=True)
            raise _not_this_document()

    @property
    def files_in_clear(self) -> bool:
        """The bytes are in the database: `plain_path` gives a private exported copy."""
        return False

    # --- writing ---------------------------------------------------------------------

    def put(
        self,
        source: Path,
        limit: int = MAX_DOCUMENT_BYTES,
        progress: Callable[[int, int], bool] | None = None,
        check_head: Callable[[bytes], None] | None = None,
        hold: bool = False,
    ) -> tuple[str, int]:
        """Copy a file onto the server; returns its hash and size.

        Read twice, by chunks: once to hash it (bytes already on the server are not sent
        again), then to send it, hashed again (a file changed in between is refused). The
        whole send is one transaction: `progress(done, total)` returning False stops it
        (Cancelled) and the server keeps nothing. With `hold`, the bytes stay protected
        from `discard` until `release`."""
        size = checked_size(source, limit)
        total = max(size, 1)

        def step(done: int) -> None:
            if progress is not None and not progress(min(done, size), total):
                raise Cancelled("Ajout annulé : aucun document n'a été joint.")

        def hashed(report: Callable[[int], None]) -> tuple[str, int]:
            digest = hashlib.sha256()
            done = 0
            for data in _read(source, limit, self.chunk, check_head):
                digest.update(data)
                done += len(data)
                report(done)
            return digest.hexdigest(), done

        # Hashing reads a local file (fast): the first tenth of the bar; sending, the rest.
        content_hash, done = hashed(lambda read: step(read // 10))
        with self._db.transfer() as connection:
            _lock(connection, content_hash)
            if _stored(connection, content_hash) is None:
                connection.execute(
                    text(
                        "INSERT INTO document_contents (content_hash, size_bytes, chunks, "
                        "stored_at) VALUES (:hash, 0, 0, LOCALTIMESTAMP)"
                    ),
                    {"hash": content_hash},
                )
                digest = hashlib.sha256()
                sent = count = 0
                for data in _read(source, limit, self.chunk, check_head):
                    connection.execute(
                        text(
                            "INSERT INTO document_chunks (content_hash, chunk, data) "
                            "VALUES (:hash, :chunk, :data)"
                        ),
                        {"hash": content_hash, "chunk": count, "data": data},
                    )
                    digest.update(data)
                    sent += len(data)
                    count += 1
                    step(size // 10 + (sent * 9) // 10)
                if digest.hexdigest() != content_hash:
                    raise DomainError(
                        f"« {source.name} » a changé pendant qu'il était joint : "
                        "réessayez ; rien n'a été joint."
                    )
                connection.execute(
                    text(
                        "UPDATE document_contents SET size_bytes = :size, chunks = :count "
                        "WHERE content_hash = :hash"
                    ),
                    {"size": sent, "count": count, "hash": content_hash},
                )
                done = sent
            held = (
                connection.execute(
                    text(
                        "INSERT INTO document_holds (content_hash, held_at) "
                        "VALUES (:hash, LOCALTIMESTAMP) RETURNING id"
                    ),
                    {"hash": content_hash},
                ).scalar_one()
                if hold
                else None
            )
        if held is not None:
            with _HELD_LOCK:
                _HELD[content_hash].append(held)
        step(size)
        return content_hash, done

    def release(self, content_hashes: Iterable[str]) -> None:
        """The rows of bytes copied with `hold` are committed (or will never be): their
        holds go. The server unreachable, they stay (and expire after a day)."""
        ids = []
        with _HELD_LOCK:
            for content_hash in content_hashes:
                held = _HELD.get(content_hash)
                if held:
                    ids.append(held.pop())
                    if not held:
                        del _HELD[content_hash]
        if not ids:
            return
        try:
            with self._db.transfer() as connection:
                connection.execute(
                    text("DELETE FROM document_holds WHERE id = ANY(:ids)"), {"ids": ids}
                )
        except StorageError:
            log.warning("%d document hold(s) left on the server: they expire", len(ids))

    def discard(self, content_hashes: Iterable[str]) -> None:
        """Remove the bytes of these hashes that nothing refers to any more (no document
        row, no company logo, no hold), each under its lock: what was committed before is
        seen. Every hash is checked first: one that is not one refuses them all. The server
        unreachable, the bytes stay (the next discard of the hash removes them)."""
        hashes = sorted({check_hash(content_hash) for content_hash in content_hashes})
        if not hashes:
            return
        try:
            with self._db.transfer() as connection:
                for content_hash in hashes:
                    _lock(connection, content_hash)
                    connection.execute(
                        text(
                            "DELETE FROM document_holds WHERE content_hash = :hash "
                            f"AND held_at < LOCALTIMESTAMP - interval '{HOLD_EXPIRY}'"
                        ),
                        {"hash": content_hash},
                    )
                    connection.execute(
                        text(
                            "DELETE FROM document_contents c WHERE c.content_hash = :hash "
                            "AND NOT EXISTS (SELECT 1 FROM documents d "
                            "WHERE d.content_hash = :hash) "
                            "AND NOT EXISTS (SELECT 1 FROM document_holds h "
                            "WHERE h.content_hash = :hash) "
                            "AND NOT EXISTS (SELECT 1 FROM settings s "
                            "WHERE s.key = :logo AND s.value = :hash)"
                        ),
                        {"hash": content_hash, "logo": LOGO_KEY},
                    )
        except StorageError:
            log.warning("document bytes of %d hash(es) kept on the server", len(hashes))

    def sweep(self) -> None:
        """Remove the bytes nothing refers to any more but a hold older than a day: a
        computer stopped between sending a file and writing its row (each put holds its
        bytes, so bytes with neither row nor live hold are no one's). Each goes under its
        hash's lock, as `discard` does. Run once per opening, after the first paint."""
        try:
            with self._db.transfer() as connection:
                orphans = list(
                    connection.execute(
                        text(
                            "SELECT c.content_hash FROM document_contents c "
                            "WHERE NOT EXISTS (SELECT 1 FROM documents d "
                            "WHERE d.content_hash = c.content_hash) "
                            "AND NOT EXISTS (SELECT 1 FROM document_holds h "
                            "WHERE h.content_hash = c.content_hash "
                            f"AND h.held_at >= LOCALTIMESTAMP - interval '{HOLD_EXPIRY}')"
                        )
                    ).scalars()
                )
        except StorageError:
            return
        if orphans:
            self.discard(orphans)


def _lock(connection: Connection, content_hash: str) -> None:
    """This transaction's lock on `content_hash` (waits for the one holding it)."""
    key = int(content_hash[:8], 16) - 2**31  # PostgreSQL's int4
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{HASH_WAIT}'")
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:cls, :key)"),
        {"cls": _HASH_LOCK_CLASS, "key": key},
    )
    connection.exec_driver_sql("SET LOCAL lock_timeout = 0")


def _stored(connection: Connection, content_hash: str) -> tuple[int, int] | None:
    """(size, chunks) of the bytes stored under `content_hash`, or None."""
    row = connection.execute(
        text("SELECT size_bytes, chunks FROM document_contents WHERE content_hash = :hash"),
        {"hash": content_hash},
    ).first()
    return None if row is None else (row[0], row[1])


def _existing(connection: Connection, content_hash: str) -> tuple[int, int]:
    stored = _stored(connection, content_hash)
    if stored is None:
        raise FileNotFoundError(content_hash)
    return stored


def _chunks(connection: Connection, content_hash: str) -> Iterator[bytes]:
    """The stored chunks in order, one query each (one chunk in memory at a time)."""
    _size, count = _existing(connection, content_hash)
    for number in range(count):
        data = connection.execute(
            text("SELECT data FROM document_chunks WHERE content_hash = :hash AND chunk = :chunk"),
            {"hash": content_hash, "chunk": number},
        ).scalar()
        if data is None:
            raise _not_this_document()
        yield bytes(data) if not isinstance(data, bytes) else data


def _read(
    source: Path, limit: int, chunk: int, check_head: Callable[[bytes], None] | None
) -> Iterator[bytes]:
    """The file by chunks: its first bytes checked, its size held to `limit` (it may grow
    while read)."""
    done = 0
    try:
        with source.open("rb") as reader:
            while data := reader.read(chunk):
                if done == 0 and check_head is not None:
                    check_head(data[:16])
                done += len(data)
                if done > limit:
                    raise DomainError(
                        f"« {source.name} » dépasse la limite de {_megabytes(limit)}."
                    )
                yield data
    except OSError as error:
        raise DomainError(f"Impossible de joindre « {source.name} » : {error.strerror}.") from error
