"""The office database on a PostgreSQL server (issue 11, server mode): its engine and its
schema, by the same models and the same Alembic history as the SQLite file.

What differs in the history is kept in `app/storage/migrations/dialects.py`. Server mode is
being built in parts (docs/SERVER_MODE.md): the services do not open a server yet.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from app.errors import DatabaseOpenError
from app.paths import ServerLocation

MIGRATIONS_FOLDER = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT_S = 10


def create_server_engine(location: ServerLocation) -> Engine:
    """An engine on the server (psycopg 3); its connections say they are Dossia's."""
    return create_engine(
        location.sqlalchemy_url,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "Dossia"},
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
            config = alembic_config(location)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as error:
        raise unreachable(location, error) from error
    except DBAPIError as error:
        raise DatabaseOpenError(
            f"{location.label[0].upper()}{location.label[1:]} a refusé la mise à jour de la "
            f"base ; rien n'a été modifié ({error.orig})."
        ) from error
    finally:
        engine.dispose()


def unreachable(location: ServerLocation, error: OperationalError) -> DatabaseOpenError:
    """The server could not be reached, or refused the connection (French message)."""
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return DatabaseOpenError(
        f"Impossible de se connecter à {location.label} : {reason}. Vérifiez que le serveur "
        "est démarré et joignable, et l'utilisateur, le mot de passe et le nom de la base.",
        busy=True,  # trying again later may work
    )
