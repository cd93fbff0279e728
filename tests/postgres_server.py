"""The PostgreSQL server the tests run against, when there is one.

scripts/test starts a throw-away server and hands its address to pytest in
DOSSIA_TEST_POSTGRES_URL (scripts/postgres.sh); its role may create databases, and each test
gets databases of its own, dropped afterwards. Without a server the PostgreSQL tests skip,
saying why, unless DOSSIA_TEST_POSTGRES=required (CI): then they fail.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from app.paths import ServerLocation, parse_location
from app.storage.postgres import create_server_engine

SERVER_ENV = "DOSSIA_TEST_POSTGRES_URL"
MODE_ENV = "DOSSIA_TEST_POSTGRES"


def server_url() -> str:
    """The test server's address (its maintenance database); skips the calling test when
    there is no server, or fails it when one is required."""
    url = os.environ.get(SERVER_ENV)
    if url:
        return url
    if os.environ.get(MODE_ENV) == "required":
        pytest.fail(
            f"{MODE_ENV}=required but {SERVER_ENV} is not set: run the tests through "
            "scripts/test, which starts a PostgreSQL server for them"
        )
    pytest.skip(
        f"no PostgreSQL server for the tests: {SERVER_ENV} is not set (scripts/test starts "
        "one when PostgreSQL is installed; DOSSIA_TEST_POSTGRES=required installs it)"
    )


def _admin() -> psycopg.Connection:
    return psycopg.connect(server_url(), autocommit=True)


def database_url(name: str) -> str:
    """The test server's address for the database `name`."""
    base = sa.make_url(server_url()).set(database=name)
    return base.render_as_string(hide_password=False)


def create_database(template: str | None = None) -> str:
    """A new database on the test server (a copy of `template` if given); its name."""
    name = f"dossia_t_{uuid.uuid4().hex[:16]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin() as connection:
        connection.execute(statement)
    return name


def drop_database(name: str) -> None:
    """Drop `name`, ending the test's own sessions on it first. (Not WITH (FORCE): that
    may not end an autovacuum worker, which a plain DROP DATABASE stops by itself.)"""
    with _admin() as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            (name,),
        )
        statement = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        for _attempt in range(50):  # a terminated session takes a moment to go
            try:
                connection.execute(statement)
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)
        connection.execute(statement)


def location_of(name: str) -> ServerLocation:
    """The database `name` of the test server, as Dossia would be given it."""
    location = parse_location(database_url(name))
    assert isinstance(location, ServerLocation)
    return location


@contextlib.contextmanager
def fresh_database(template: str | None = None) -> Iterator[ServerLocation]:
    """A new database on the test server (a copy of `template`); dropped afterwards."""
    name = create_database(template)
    try:
        yield location_of(name)
    finally:
        drop_database(name)


@contextlib.contextmanager
def engine_on(location: ServerLocation) -> Iterator[sa.Engine]:
    """Dossia's engine on `location`, disposed of afterwards (whatever the test did)."""
    engine = create_server_engine(location)
    try:
        yield engine
    finally:
        engine.dispose()


def terminate_session(pid: int) -> None:
    """End the server session `pid`, as a server restart or a network cut would."""
    with _admin() as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (pid,))


def copy_office(source: Path, location: ServerLocation) -> None:
    """The SQLite office `source` (plain, a test's demo office) copied into the empty
    database `location`: the schema by Alembic, then every table's rows in the order of
    their foreign keys, the id sequences moved past the copied ids. A test helper, not
    «Migrer vers le serveur» (which will verify what it copies)."""
    import models.all  # noqa: F401  (every table in the metadata)
    from app.storage.postgres import upgrade_server_schema
    from models.base import Base

    upgrade_server_schema(location)
    tables = [t for t in Base.metadata.sorted_tables if t.name != "alembic_version"]
    reader = sa.create_engine(f"sqlite:///{source}")
    try:
        with engine_on(location) as engine, engine.begin() as target, reader.connect() as read:
            names = ", ".join(f'"{t.name}"' for t in tables)
            target.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table in tables:
                rows = [dict(row._mapping) for row in read.execute(table.select())]
                if rows:
                    target.execute(table.insert(), rows)
                if "id" in table.c:
                    target.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                    )
            target.exec_driver_sql("ANALYZE")
    finally:
        reader.dispose()
