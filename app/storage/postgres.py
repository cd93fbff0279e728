"""The office database on a PostgreSQL server (issue 11, server mode): its engine, its
schema (the same models and Alembic history as the SQLite file), its transactions and the
login check's data.

What differs in the history is kept in `app/storage/migrations/dialects.py`. Server mode is
built in parts (docs/SERVER_MODE.md): the application and the commands open an office on a
server (`check_server`, `upgrade_server_schema`, `app.storage.server_office.ServerOffice`).
"""

from __future__ import annotations

import contextlib
import enum
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from app.errors import DatabaseOpenError, NewerDatabaseError, StorageError
from app.paths import DB_PASSWORD_ENV_VAR, DataPaths, ServerLocation
from app.storage.database import Database, storage_error
from app.storage.sqlite import HEAD_REVISION, KNOWN_REVISIONS
from app.text import fold
from models.dossier import Dossier

MIGRATIONS_FOLDER = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT_S = 10
# How long a writer waits for the one before it (SQLite's busy timeout is 5 s too).
WRITERS_WAIT_MS = 5000
# The transaction-level advisory lock every writer takes first: «Dossia» in ASCII.
WRITERS_LOCK = 0x446F73736961
_LOCK_NOT_AVAILABLE = "55P03"
# Every write transaction notifies it at its commit (app.storage.postgres_changes).
CHANGES_CHANNEL = "dossia_changes"
BUSY = (
    "La base de données est occupée par un autre utilisateur : la modification n'a pas été "
    "enregistrée. Réessayez dans un instant."
)
UNREACHABLE = (
    "Le serveur de la base de données ne répond pas : la modification n'a pas été "
    "enregistrée. Vérifiez le réseau du cabinet puis réessayez ; Dossia se reconnecte de "
    "lui-même."
)
UNREACHABLE_READ = (
    "Le serveur de la base de données ne répond pas : les données n'ont pas pu être lues. "
    "Vérifiez le réseau du cabinet puis réessayez ; Dossia se reconnecte de lui-même."
)


def create_server_engine(location: ServerLocation) -> Engine:
    """An engine on the server (psycopg 3); its connections say they are Dossia's."""
    return create_engine(
        location.sqlalchemy_url,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "Dossia",
            **location.connect_args,
        },
        pool_pre_ping=True,  # a server restarted meanwhile: a fresh connection, not an error
    )


def alembic_config(location: ServerLocation) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    # The option is interpolated by configparser: a «%» of the address is written «%%».
    config.set_main_option("sqlalchemy.url", location.sqlalchemy_url.replace("%", "%%"))
    return config


def stored_revision(connection: Connection) -> str | None:
    """The schema revision the database holds (None: no Dossia schema yet)."""
    if connection.execute(text("SELECT to_regclass('alembic_version')")).scalar() is None:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_server_schema(location: ServerLocation, revision: str = "head") -> None:
    """Create the schema on an empty database, or bring an older one to `revision`, in one
    transaction: PostgreSQL's DDL is transactional, so a failed migration leaves the
    database as it was. Raises DatabaseOpenError (French) when the server cannot be
    reached or refuses."""
    engine = create_server_engine(location)
    try:
        with engine.begin() as connection:
            # Two computers starting at once: the second waits, then finds the schema done.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
            upgrade_schema_on(connection, location, revision)
    except OperationalError as error:
        raise unreachable(location, error) from error
    except DBAPIError as error:
        raise DatabaseOpenError(
            f"{location.label[0].upper()}{location.label[1:]} a refusé la mise à jour de la "
            f"base ; rien n'a été modifié ({error.orig})."
        ) from error
    finally:
        engine.dispose()


def upgrade_schema_on(
    connection: Connection, location: ServerLocation, revision: str = "head"
) -> None:
    """Alembic's upgrade to `revision` inside the caller's transaction on `connection`
    (which holds the writers' lock): nothing is committed here."""
    config = alembic_config(location)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


class ServerRefusal(DatabaseOpenError):
    """The server could not be reached, or refused the connection. `reason` says which:
    "unreachable", "password" (missing or wrong: asking for it may help), "database"
    (no such database), "tls" (encryption required but not offered, a certificate not
    verified), "other"."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, busy=reason == "unreachable")  # later may work
        self.reason = reason


# What libpq and the server say (in English, or in French when the server's lc_messages is
# French): the messages carry no SQLSTATE when the connection itself fails.
_PASSWORD_REFUSED = (
    "password authentication failed",
    "authentification par mot de passe",
)
_PASSWORD_MISSING = ("no password supplied", "aucun mot de passe")
# «database "x" does not exist», «la base de données « x » n'existe pas» (not a role's).
_NO_DATABASE = re.compile(r'database "[^"]*" does not exist|base de donn\S* « .* » n\'existe pas')


# The server there but not taking sessions for now: starting, stopping or restarting
# (57P03), or the database closed to new ones for a moment (maintenance).
_NOT_READY = (
    "the database system is",  # … starting up / shutting down / in recovery mode
    "not currently accepting connections",
    "server closed the connection unexpectedly",  # stopping while the session began
    "le serveur a fermé la connexion de façon inattendue",
    "le système de bases de données",  # … se lance / s'arrête / est en cours de restauration
    "n'accepte pas de connexions",
    "n'accepte pas actuellement",
)


def unreachable(location: ServerLocation, error: Exception) -> ServerRefusal:
    """Why the connection to the server failed, in French, with what to do."""
    orig = getattr(error, "orig", None) or error
    reason = str(orig).strip()
    said = reason.lower()
    where = location.label
    if any(text in said for text in _PASSWORD_MISSING):
        return ServerRefusal(
            f"{where[0].upper()}{where[1:]} demande un mot de passe pour l'utilisateur "
            f"« {location.user or '(par défaut)'} » : donnez-le dans ${DB_PASSWORD_ENV_VAR} "
            "(ou dans le fichier .pgpass de PostgreSQL).",
            "password",
        )
    if any(text in said for text in _PASSWORD_REFUSED):
        return ServerRefusal(
            f"Mot de passe refusé par {where} pour l'utilisateur « {location.user} » : "
            f"vérifiez le mot de passe (${DB_PASSWORD_ENV_VAR}) ; rien n'a été modifié.",
            "password",
        )
    if _NO_DATABASE.search(said):
        return ServerRefusal(
            f"Le serveur répond, mais {where} n'existe pas : vérifiez son nom dans "
            "l'adresse, ou demandez au prestataire informatique du cabinet de la créer "
            "(vide, appartenant à l'utilisateur de Dossia) ; rien n'a été créé.",
            "database",
        )
    if "ssl" in said and ("does not support" in said or "ne supporte pas" in said):
        return ServerRefusal(
            f"{where[0].upper()}{where[1:]} ne propose pas le chiffrement (TLS), que les "
            "réglages de connexion de ce poste exigent : demandez au prestataire informatique "
            "du cabinet de l'activer sur le serveur ; rien n'a été modifié.",
            "tls",
        )
    if "certificate" in said or "certificat" in said or "root cert" in said:
        return ServerRefusal(
            f"Le certificat de {where} n'a pas pu être vérifié avec celui de l'autorité du "
            f"cabinet ({reason.splitlines()[0].strip()}) : vérifiez le fichier de certificat "
            "choisi et le nom du serveur ; rien n'a été modifié.",
            "tls",
        )
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    detail = lines[0].removeprefix("connection failed: ") if lines else reason
    if (
        "timeout" in said
        or "refused" in said
        or "could not" in said
        or "translate host" in said
        or any(text in said for text in _NOT_READY)
    ):
        return ServerRefusal(
            f"Impossible de joindre {where} ({detail}). Vérifiez que le serveur est démarré "
            "et que ce poste est sur le réseau du cabinet, puis réessayez ; rien n'a été "
            "modifié.",
            "unreachable",
        )
    return ServerRefusal(
        f"Impossible de se connecter à {where} : {detail}. Vérifiez l'adresse, "
        "l'utilisateur et le mot de passe ; rien n'a été modifié.",
        "other",
    )


class ServerState(enum.Enum):
    EMPTY = "empty"  # no table at all: create the office
    OUTDATED = "outdated"  # an older Dossia schema: upgrade it
    CURRENT = "current"


@dataclass(frozen=True)
class ServerFacts:
    """What a connection to the server found: the state of its database, the server's
    PostgreSQL version, whether the connection is encrypted (TLS)."""

    state: ServerState
    version: str
    encrypted: bool


def check_server(location: ServerLocation) -> ServerState:
    """Whether `location` can be opened by this version of Dossia, without changing it:
    reachable, the password accepted, the database there, empty or a Dossia schema this
    version knows. Raises ServerRefusal or DatabaseOpenError (NewerDatabaseError) in
    French otherwise."""
    return describe_server(location).state


def connection_encrypted(connection: Connection) -> bool:
    """Whether this connection to the server is encrypted (TLS)."""
    return bool(
        connection.execute(
            text("SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_backend_pid()")
        ).scalar()
    )


def describe_server(location: ServerLocation) -> ServerFacts:
    """`check_server`, with the server's version and the connection's encryption (for
    «Tester la connexion»)."""
    engine = create_server_engine(location)
    try:
        with engine.connect() as connection:
            revision = stored_revision(connection)
            tables = connection.execute(
                text(
                    "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
                )
            ).scalar()
            version = str(connection.exec_driver_sql("SHOW server_version").scalar())
            encrypted = connection_encrypted(connection)
    except OperationalError as error:
        raise unreachable(location, error) from error
    except DBAPIError as error:
        raise DatabaseOpenError(f"{location.label} : {error.orig}") from error
    finally:
        engine.dispose()
    if revision is None:
        if tables:
            raise DatabaseOpenError(
                f"{location.label[0].upper()}{location.label[1:]} contient déjà des tables "
                "qui ne sont pas celles de Dossia : Dossia n'y touche pas. Donnez-lui une base "
                "vide, ou celle du cabinet."
            )
        return ServerFacts(ServerState.EMPTY, version, encrypted)
    if revision == HEAD_REVISION:
        return ServerFacts(ServerState.CURRENT, version, encrypted)
    if revision in KNOWN_REVISIONS:
        return ServerFacts(ServerState.OUTDATED, version, encrypted)
    raise NewerDatabaseError(
        f"{location.label[0].upper()}{location.label[1:]} a été mise à jour par une version "
        "plus récente de Dossia : installez la dernière version de Dossia sur ce poste ; "
        "la base n'a pas été modifiée."
    )


class ServerDatabase(Database):
    """The office database on a PostgreSQL server, with the file's `read()` and `write()`.

    Writers are serialised as on SQLite (whose writers begin with BEGIN IMMEDIATE): each
    write transaction first takes one advisory lock, held until it ends, waiting at most
    WRITERS_WAIT_MS for the writer before it. A use case that reads, checks a rule, then
    writes (a version number, a counter) thus sees what the previous writer committed and
    nothing changes under it; its statements run in READ COMMITTED, each seeing every commit
    made before it. A read transaction sees one snapshot of the office (REPEATABLE READ), as
    a SQLite read transaction does.

    `paths` is this computer's data folder (logs, copies of documents opened for viewing);
    the documents' bytes are in the database (`transfer`, `app.storage.server_documents`).
    """

    def __init__(self, location: ServerLocation, paths: DataPaths) -> None:
        self.location = location
        # This opened office's name in its commits' notifications (LISTEN/NOTIFY): its own
        # listener ignores them (`app.storage.postgres_changes`).
        self.change_token = secrets.token_hex(8)
        super().__init__(paths)

    def _create_engine(self) -> Engine:
        engine = create_server_engine(self.location)
        event.listen(engine, "begin", self._on_begin)
        return engine

    def _on_begin(self, connection) -> None:
        if getattr(self._writing, "transfer", False):
            return  # documents' bytes: READ COMMITTED, no writers' lock (see `transfer`)
        if not getattr(self._writing, "flag", False):
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {WRITERS_WAIT_MS}")
        try:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise StorageError(BUSY) from error
            raise
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with _server_errors(UNREACHABLE_READ), super().read() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """`Database.write()`, ended by a notification the server delivers to the other
        computers' listeners at the commit (none if the transaction rolls back)."""
        with _server_errors(), super().write() as session:
            yield session
            session.connection().exec_driver_sql(
                "SELECT pg_notify(%s, %s)", (CHANGES_CHANNEL, self.change_token)
            )

    @contextlib.contextmanager
    def transfer(self) -> Iterator[Connection]:
        """A transaction for documents' bytes (`app.storage.server_documents`), in READ
        COMMITTED and without the writers' lock: a 50 MB upload does not hold up the other
        brokers' changes. What must not overlap (two uploads of the same bytes, an upload and
        their removal) is serialised by a lock on the hash, taken by the caller."""
        self._writing.transfer = True
        try:
            with _server_errors():
                try:
                    with self.engine.begin() as connection:
                        self._writing.transfer = False
                        yield connection
                except DBAPIError as error:
                    raise storage_error(error) from error
        finally:
            self._writing.transfer = False

    def dossiers_naming(self, session: Session, *names: str) -> list[int]:
        """The dossiers whose folded search text holds each word of `names` (accents and
        case aside), found by the trigram index: a superset of the file's answer (a word
        anywhere, not only at a word's start); the caller checks the exact rule."""
        words = re.findall(r"\w+", fold(" ".join(names)))
        if not words:
            return []
        found = select(Dossier.id).where(
            *(Dossier.search_text.contains(word, autoescape=True) for word in words)
        )
        return list(session.scalars(found))

    def scrub_deleted(self) -> None:
        """After an erasure: VACUUM the tables, so that the dead row versions holding the
        deleted data are removed from them (PostgreSQL keeps them until a vacuum passes).
        Outside any transaction, as VACUUM requires."""
        pooled = self.engine.raw_connection()  # no SQLAlchemy transaction around it
        try:
            connection = pooled.driver_connection
            assert connection is not None
            connection.autocommit = True
            try:
                connection.execute("VACUUM")
            finally:
                connection.autocommit = False
        finally:
            pooled.close()

    def refresh_statistics(self) -> None:
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


@contextlib.contextmanager
def _server_errors(unreachable_message: str = UNREACHABLE) -> Iterator[None]:
    """The file's refusals (`app.storage.database.storage_error`) said for a server: a lost
    connection (server stopped, network down: the pool opens a new one next time) or a lock
    waited for too long."""
    try:
        yield
    except StorageError as error:
        cause = error.__cause__
        if getattr(getattr(cause, "orig", None), "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise StorageError(BUSY) from cause
        if isinstance(cause, DBAPIError) and _connection_lost(cause):
            raise StorageError(unreachable_message) from cause
        raise


# The server's own words for «this session is over»: a connection exception (08…), the
# server shutting down or restarting (57P01–57P03).
_SESSION_ENDED = ("08", "57P01", "57P02", "57P03")


def _connection_lost(error: DBAPIError) -> bool:
    """Whether `error` is the server gone: a connection lost in the middle of a use case,
    or none to be had (the server stopped, restarting, the network down — libpq's failure
    to connect carries no SQLSTATE)."""
    if error.connection_invalidated:
        return True
    original = error.orig
    if not isinstance(original, psycopg.OperationalError):
        return False
    state = original.sqlstate
    return state is None or state.startswith(_SESSION_ENDED)
