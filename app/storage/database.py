"""SQLAlchemy engine and transactions (imported after the first paint), and bulk loading."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

# Every mapped table known before the first flush, whichever service comes first: a flush
# orders the tables by their foreign keys (a simulation's line names a bank).
import models.all  # noqa: F401
from app.errors import StorageError
from app.paths import DataPaths
from app.storage import driver, sqlite
from app.storage.sqlite_listing import match_expression


class CommitObserver(Protocol):
    def before_write(self) -> Any: ...

    def committed(self, before: Any) -> None: ...


_UNDO = "dossia.undo"


def on_failure(session: Session, undo: Callable[[], object]) -> None:
    """`undo` runs if the write transaction of `session` fails, before its rollback frees
    the write lock: a file changed with the transaction (a key file) is put back while no
    other process can change it. Each undo is tried, the last registered first."""
    session.info.setdefault(_UNDO, []).append(undo)


def _undo(session: Session) -> None:
    for undo in reversed(session.info.pop(_UNDO, [])):
        with contextlib.suppress(Exception):  # best effort: the next one is tried too
            undo()


class Database:
    """One engine per process; `read()` and `write()` give short, serialised transactions."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self._writing = threading.local()
        self.engine: Engine = self._create_engine()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Told of this process's own commits (the Clients list tells them from others').
        self.commit_observer: CommitObserver | None = None
        # Run inside every change of a dossier, after it (session, dossier): what the wings
        # above keep in step with a dossier (see `OfficeDatabase`).
        self.after_dossier_change: tuple[Callable[[Session, Any], None], ...] = ()

    def _create_engine(self) -> Engine:
        """The office file's engine (a server's: `app.storage.postgres.ServerDatabase`)."""
        # The office's driver (`app.storage.driver`), each connection keyed first when the
        # office is encrypted: SQLAlchemy's own statements come after `PRAGMA key`.
        database = self.paths.database
        engine = create_engine(
            f"sqlite:///{database}",
            module=driver.module,
            creator=lambda: sqlite.open_file(database, check_same_thread=False),
        )
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", self._on_begin)
        return engine

    def _on_begin(self, connection) -> None:
        # A read-then-write transaction in WAL mode gets SQLITE_BUSY at once whatever the
        # timeout: writers take the write lock up front, so they queue instead.
        writing = getattr(self._writing, "flag", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        except DBAPIError as error:
            raise storage_error(error) from error
        finally:
            session.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One use case, one transaction: commits whole, or rolls back and changes nothing."""
        self._writing.flag = True
        session = self._sessions()
        try:
            before = self.commit_observer.before_write() if self.commit_observer else None
            yield session
            session.commit()
            if self.commit_observer is not None:
                self.commit_observer.committed(before)
        except DBAPIError as error:
            _undo(session)
            session.rollback()
            raise storage_error(error) from error
        except BaseException:
            _undo(session)
            session.rollback()
            raise
        finally:
            self._writing.flag = False
            session.close()

    def scrub_deleted(self) -> None:
        """After an erasure, leave no trace of the deleted rows in the file: the search index
        is rewritten (its old segments still hold the folded names; 0.2 s at 100,000
        dossiers), and the WAL is checkpointed and emptied (it holds the old pages)."""
        with self.write() as session:
            session.connection().exec_driver_sql(
                "INSERT INTO dossier_fts(dossier_fts) VALUES('optimize')"
            )
        with self.engine.connect() as connection:
            raw = connection.connection.driver_connection  # autocommit: no transaction
            assert isinstance(raw, driver.Connection)
            # A reader busy elsewhere would make the user wait: try briefly now; the
            # office's closing checkpoint (SqliteOffice.close) empties the WAL for sure.
            raw.execute("PRAGMA busy_timeout=200")
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")

    def dossiers_naming(self, session: Session, *names: str) -> list[int]:
        """The dossiers whose borrowers' names contain words starting like each word of
        `names` (accents and case aside), by the search index: a handful among 300,000, in
        a millisecond. A superset: the caller checks the exact rule."""
        expression = match_expression(" ".join(names))
        if expression is None:
            return []
        rows = session.connection().exec_driver_sql(
            "SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ?", (expression,)
        )
        return [row[0] for row in rows]

    def dispose(self) -> None:
        self.engine.dispose()

    def refresh_statistics(self) -> None:
        """Let the query planner know the table sizes (after a bulk load). Committed: a
        plain `connect()` would roll the statistics back when it closes."""
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
            sqlite.optimize(_sqlite_connection(connection))


def _sqlite_connection(connection: Connection) -> driver.Connection:
    """The driver's own connection under SQLAlchemy's (pysqlite hands a driver.Connection)."""
    driver_connection = connection.connection.driver_connection
    if not isinstance(driver_connection, driver.Connection):
        raise TypeError(f"not a SQLite connection: {driver_connection!r}")
    return driver_connection


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
    sqlite.apply_pragmas(dbapi_connection)


def storage_error(error: DBAPIError) -> StorageError:
    text = str(error.orig).lower()
    if "readonly" in text or "read-only" in text:
        return StorageError(
            "La base de données est en lecture seule : la modification n'a pas été enregistrée."
        )
    if "full" in text:
        return StorageError(
            "Le disque est plein : la modification n'a pas été enregistrée. Libérez de la "
            "place puis réessayez ; rien de ce qui était déjà enregistré n'est perdu."
        )
    if "locked" in text or "busy" in text:
        return StorageError(
            "La base de données est occupée par un autre programme : la modification n'a pas "
            "été enregistrée. Réessayez dans un instant."
        )
    return StorageError(
        f"Erreur de la base de données : la modification n'a pas été enregistrée ({error.orig})."
    )


def storage_value(value):
    """A value as SQLAlchemy stores it on SQLite: enums by value, dates as ISO text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def storage_rows(rows: list[dict]) -> tuple[list[str], list[tuple]]:
    """Dict rows → (columns, tuples of stored values), ready for `insert_rows`."""
    if not rows:
        return [], []
    columns = list(rows[0])
    return columns, [tuple(storage_value(row[c]) for c in columns) for row in rows]


def insert_rows(connection, table_name: str, columns: list[str], values: list[tuple]) -> None:
    """Bulk insert through the driver's executemany (the demo office: 650,000 rows)."""
    if not values:
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    markers = ", ".join([marker] * len(columns))
    connection.exec_driver_sql(
        f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({markers})", values
    )


@contextlib.contextmanager
def search_index_filled_afterwards(connection, first_id: int) -> Iterator[None]:
    """For bulk loads: index the new dossiers in one statement at the end rather than one
    trigger call per row (3× faster). Runs inside the caller's transaction: on failure the
    rollback restores the trigger too (SQLite DDL is transactional)."""
    trigger = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'dossiers_fts_insert'"
    ).scalar_one()
    connection.exec_driver_sql("DROP TRIGGER dossiers_fts_insert")
    yield
    connection.exec_driver_sql(
        "INSERT INTO dossier_fts(rowid, search_text) SELECT id, search_text FROM dossiers WHERE id >= ?",
        (first_id,),
    )
    connection.exec_driver_sql(trigger)


@contextlib.contextmanager
def secondary_indexes_built_afterwards(
    connection: Connection, tables: Iterable[Table]
) -> Iterator[None]:
    """Bulk-load trick: drop the secondary indexes of `tables`, insert, then build each
    index in one sorted pass (much faster than updating 15 indexes row by row). Runs inside
    the caller's transaction."""
    indexes = [index for table in tables for index in table.indexes if not index.unique]
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
