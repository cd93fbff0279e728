"""«Migrer vers le serveur», the storage part: an office's file copied into an empty database
of a PostgreSQL server in one transaction — the schema (the same Alembic history), every
table's rows in the order of their foreign keys, the id sequences moved past the copied
ids — then verified before the commit: each table's row count and a checksum of its rows,
read back from the server, must equal the file's. A difference, an error or «Annuler»
rolls everything back: the server's database is left empty, as it was.

The checksum of a table is the sum (modulo 2²⁵⁶) of the SHA-256 of each row written in a
canonical form (the column names and typed values as the models read them): it does not
depend on the order the rows come in, which differs between the engines for text keys.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

import models.all  # noqa: F401  (every table in the metadata)
from app.errors import Cancelled, DatabaseOpenError, DomainError
from app.paths import ServerLocation
from app.storage.documents import CHUNK, LOGO_KEY, DocumentStore
from app.storage.postgres import (
    WRITERS_LOCK,
    create_server_engine,
    stored_revision,
    unreachable,
    upgrade_schema_on,
)
from models.base import Base

# Rows read from the file and written to the server at a time.
BATCH = 2000

# (rows copied so far, rows in all) → False to stop: the copy is rolled back.
Progress = Callable[[int, int], bool]

# What runs on the server's connection once the rows are verified, before the commit
# (the audit log's entry of the migration, the documents' bytes).
Finishing = Callable[[Connection], None]


class MigrationCancelled(Cancelled):
    def __init__(self) -> None:
        super().__init__("Migration annulée : rien n'a été écrit sur le serveur.")


class DocumentSource(Protocol):
    """The file office's documents as the migration reads them: by their hash, their
    size on disk (for the progress) and their bytes by pieces, decrypted if need be
    (FileNotFoundError when the file is gone)."""

    def size(self, content_hash: str) -> int | None: ...

    def pieces(self, content_hash: str) -> Iterator[bytes]: ...


class FileDocuments:
    """A file office's documents as the copy reads them (decrypted in an encrypted
    office: AES-GCM authenticates a file whole, so it is decrypted whole, one at a time)."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def size(self, content_hash: str) -> int | None:
        try:
            return self._store.path_for(content_hash).stat().st_size
        except (OSError, DomainError):
            return None

    def pieces(self, content_hash: str) -> Iterator[bytes]:
        path = self._store.path_for(content_hash)
        if path.is_symlink() or not path.is_file():
            raise FileNotFoundError(path)
        if self._store.cipher is not None:
            content = self._store.cipher.decrypt_bytes(path)
            view = memoryview(content)
            for start in range(0, len(view), CHUNK):
                yield bytes(view[start : start + CHUNK])
            return
        with path.open("rb") as reader:
            while piece := reader.read(CHUNK):
                yield piece


@dataclass(frozen=True)
class DocumentsCopied:
    count: int  # distinct contents copied (a file named by several rows counts once)
    size: int  # bytes
    missing: tuple[str, ...] = ()  # hashes whose file is not on this computer


@dataclass(frozen=True)
class TableCheck:
    """One table on both sides: rows and checksums (hexadecimal)."""

    name: str
    rows: int
    checksum: str
    server_rows: int
    server_checksum: str

    @property
    def same(self) -> bool:
        return self.rows == self.server_rows and self.checksum == self.server_checksum


@dataclass(frozen=True)
class CopyResult:
    tables: tuple[TableCheck, ...]
    seconds: float
    documents: DocumentsCopied = DocumentsCopied(0, 0)

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


class CopyRefused(Exception):
    """The server refused a row of `table` (a value out of its column's range…)."""

    def __init__(self, table: str, column: str) -> None:
        super().__init__(table, column)
        self.table, self.column = table, column


class VerificationFailed(DomainError):
    """The rows read back from the server differ from the file's: nothing was committed."""

    def __init__(self, tables: Sequence[TableCheck]) -> None:
        names = ", ".join(table.name for table in tables)
        super().__init__(
            f"La vérification a trouvé des différences entre le fichier et le serveur "
            f"(tables : {names}) : rien n'a été écrit sur le serveur, le fichier du cabinet "
            "n'a pas été modifié."
        )
        self.tables = tuple(tables)


def copied_tables() -> list[Table]:
    """The tables a migration copies, parents before children (alembic_version is the
    server's own, written by its schema's creation)."""
    return [table for table in Base.metadata.sorted_tables if table.name != "alembic_version"]


def copy_to_server(
    source: Connection,
    location: ServerLocation,
    progress: Progress | None = None,
    finishing: Finishing | None = None,
    documents: DocumentSource | None = None,
) -> CopyResult:
    """Copy the office read on `source` (a connection to the file, inside a read
    transaction: one snapshot) into the empty database `location`, verify, run
    `finishing`, commit. Raises DomainError (French) when the database is not empty or
    the rows differ, MigrationCancelled when `progress` says stop, DatabaseOpenError when
    the server cannot be reached; in every case the server's database is left as it was."""
    started = time.perf_counter()
    tables = copied_tables()
    counts = {
        table.name: source.execute(select(func.count()).select_from(table)).scalar_one()
        for table in tables
    }
    total = 2 * sum(counts.values())  # written, then read back
    done = 0
    if documents is not None:  # the bytes of the documents and the logo, by megabyte
        wanted = _document_hashes(source)
        sizes = {content_hash: documents.size(content_hash) for content_hash in wanted}
        total += sum(-(-(size or 0) // CHUNK) for size in sizes.values())

    def tell(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None and not progress(done, total):
            raise MigrationCancelled()

    engine = create_server_engine(location)
    try:
        with engine.begin() as target:
            target.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
            _require_empty(target, location)
            upgrade_schema_on(target, location)
            # What the schema's history seeds (default steps, pieces…) gives way to the
            # file's own rows.
            names = ", ".join(f'"{table.name}"' for table in tables)
            target.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            sums: dict[str, tuple[int, str]] = {}
            for table in tables:
                sums[table.name] = _copy_table(source, target, table, tell)
            _move_sequences(target, tables)
            checks = []
            for table in tables:
                server_rows, server_sum = _checksum(_server_rows(target, table), tell)
                rows, checksum = sums[table.name]
                checks.append(TableCheck(table.name, rows, checksum, server_rows, server_sum))
            different = [check for check in checks if not check.same]
            if different:
                raise VerificationFailed(different)
            copied = DocumentsCopied(0, 0)
            if documents is not None:
                copied = copy_documents(target, documents, sorted(sizes), tell)
            if finishing is not None:
                finishing(target)
            target.exec_driver_sql("ANALYZE")
    except OperationalError as error:
        raise unreachable(location, error) from error
    except psycopg.OperationalError as error:  # the connection lost during a COPY
        raise unreachable(location, error) from error
    except CopyRefused as refused:
        raise DatabaseOpenError(
            f"{location.label[0].upper()}{location.label[1:]} a refusé une valeur de la table "
            f"« {refused.table} » ({refused.column}) : rien n'a été écrit sur le serveur, le "
            "fichier du cabinet n'a pas été modifié."
        ) from None  # the server's own message holds the value: a borrower's data, kept out
    except DBAPIError as error:
        raise DatabaseOpenError(
            f"{location.label[0].upper()}{location.label[1:]} a refusé la copie ; rien n'a "
            f"été écrit sur le serveur ({error.orig})."
        ) from error
    finally:
        engine.dispose()
    return CopyResult(tuple(checks), time.perf_counter() - started, copied)


def _column_of(error: psycopg.Error) -> str:
    """Which column a refused COPY row names («colonne price_cents»), never its value."""
    where = error.diag.context or ""
    marker = "column "
    if marker in where:
        return "colonne " + where.split(marker, 1)[1].split(":", 1)[0].strip()
    return error.diag.message_primary or type(error).__name__


def _require_empty(target: Connection, location: ServerLocation) -> None:
    """The database must hold nothing: a migration never mixes two offices."""
    tables = target.execute(
        text("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
    ).scalar()
    if stored_revision(target) is not None or tables:
        where = f"{location.label[0].upper()}{location.label[1:]}"
        raise DomainError(
            f"{where} n'est pas vide : la migration ne se fait que vers une base vide, pour ne "
            "jamais mélanger deux cabinets. Demandez une base vide au prestataire "
            "informatique du cabinet. Rien n'a été modifié."
        )


def _copy_table(
    source: Connection, target: Connection, table: Table, tell: Callable[[int], None]
) -> tuple[int, str]:
    """The rows of `table` written to the server by COPY (each value through its column's
    type, as an INSERT would send it); their count and checksum on the file."""
    digest = _Digest()
    columns = list(table.columns)
    processors = [
        column.type.dialect_impl(target.dialect).bind_processor(target.dialect)
        for column in columns
    ]
    names = ", ".join(f'"{column.name}"' for column in columns)
    driver = target.connection.driver_connection
    assert driver is not None  # a connection in use
    # (Options on the statement: a Connection's own would stay for what follows.)
    result = source.execute(table.select().execution_options(yield_per=BATCH))
    try:
        cursor = driver.cursor()
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for rows in result.partitions():
                for row in rows:
                    digest.add(row)
                    copy.write_row(
                        [
                            value if process is None or value is None else process(value)
                            for process, value in zip(processors, row, strict=True)
                        ]
                    )
                tell(len(rows))
    except psycopg.OperationalError:
        raise
    except psycopg.Error as error:  # a value the server refuses (SQLAlchemy sees none of it)
        raise CopyRefused(table.name, _column_of(error)) from None  # no value in the message
    return digest.rows, digest.hex()


def _server_rows(target: Connection, table: Table) -> Iterator[Sequence[Any]]:
    result = target.execute(table.select().execution_options(yield_per=BATCH))
    yield from result.partitions()


def _checksum(batches: Iterable[Sequence[Any]], tell: Callable[[int], None]) -> tuple[int, str]:
    digest = _Digest()
    for batch in batches:
        for row in batch:
            digest.add(row)
        tell(len(batch))
    return digest.rows, digest.hex()


def _document_hashes(source: Connection) -> set[str]:
    """The contents the file's rows name: its documents' and the office's logo."""
    hashes = set(source.execute(text("SELECT DISTINCT content_hash FROM documents")).scalars())
    hashes.update(
        source.execute(
            text("SELECT value FROM settings WHERE key = :key AND value <> ''"),
            {"key": LOGO_KEY},
        ).scalars()
    )
    return hashes


def copy_documents(
    target: Connection,
    source: DocumentSource,
    hashes: Sequence[str],
    tell: Callable[[int], None],
) -> DocumentsCopied:
    """Each content's bytes into `document_contents` / `document_chunks`, by chunks of a
    megabyte, its SHA-256 checked on the way: a file altered on this computer stops the
    migration (nothing written); a file missing is reported, its rows copied as they are
    (the document says it is missing there as it did here)."""
    count = size = 0
    missing: list[str] = []
    insert_chunk = text(
        "INSERT INTO document_chunks (content_hash, chunk, data) VALUES (:hash, :chunk, :data)"
    )
    for content_hash in hashes:
        try:
            pieces = source.pieces(content_hash)
            first = next(pieces, b"")
        except (FileNotFoundError, NotADirectoryError):
            missing.append(content_hash)
            continue
        except OSError as error:  # there, but not readable (rights, a disk error)
            raise _unreadable(content_hash, error) from error
        target.execute(
            text(
                "INSERT INTO document_contents (content_hash, size_bytes, chunks, stored_at) "
                "VALUES (:hash, 0, 0, LOCALTIMESTAMP(0))"
            ),
            {"hash": content_hash},
        )
        digest = hashlib.sha256()
        sent = chunks = 0
        try:
            for piece in _rechunked(first, pieces):
                digest.update(piece)
                target.execute(insert_chunk, {"hash": content_hash, "chunk": chunks, "data": piece})
                sent += len(piece)
                chunks += 1
                tell(1)
        except OSError as error:
            raise _unreadable(content_hash, error) from error
        if digest.hexdigest() != content_hash:
            raise DomainError(
                f"Le fichier du document {content_hash[:12]}… n'est pas celui que sa ligne "
                "nomme (remplacé ou endommagé sur ce poste) : la migration est arrêtée, rien "
                "n'a été écrit sur le serveur. Restaurez une sauvegarde, ou supprimez ce "
                "document, puis recommencez."
            )
        target.execute(
            text(
                "UPDATE document_contents SET size_bytes = :size, chunks = :chunks "
                "WHERE content_hash = :hash"
            ),
            {"size": sent, "chunks": chunks, "hash": content_hash},
        )
        count += 1
        size += sent
    return DocumentsCopied(count, size, tuple(missing))


def _unreadable(content_hash: str, error: OSError) -> DomainError:
    return DomainError(
        f"Le fichier du document {content_hash[:12]}… ne peut pas être lu sur ce poste "
        f"({error.strerror or error}) : la migration est arrêtée, rien n'a été écrit sur le "
        "serveur. Vérifiez les droits du dossier des documents, puis recommencez."
    )


def _rechunked(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """The pieces cut again into chunks of CHUNK bytes (the last one shorter)."""
    buffer = bytearray(first)
    for piece in rest:
        buffer += piece
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    while len(buffer) >= CHUNK:
        yield bytes(buffer[:CHUNK])
        del buffer[:CHUNK]
    if buffer:
        yield bytes(buffer)


def _move_sequences(target: Connection, tables: Iterable[Table]) -> None:
    """Each id sequence past the copied ids: the next dossier created on the server gets a
    new id, never one the file had."""
    for table in tables:
        if "id" not in table.c:
            continue
        target.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
        )


class _Digest:
    """Order-independent checksum of rows: the sum of each row's SHA-256, the row written
    as the `repr` of its values in the table's column order. Both engines give a column's
    values back as the same Python types through the models' types (int, str, bool,
    date, datetime, the enums), whose `repr` is exact."""

    _MODULO = 1 << 256

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def add(self, row: Sequence[Any]) -> None:
        canonical = repr(tuple(row)).encode("utf-8", "surrogatepass")
        self._sum += int.from_bytes(hashlib.sha256(canonical).digest(), "big")
        self.rows += 1

    def hex(self) -> str:
        return f"{self._sum % self._MODULO:064x}"
