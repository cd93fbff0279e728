"""Alembic environment: migrations run on the connection Dossia hands over."""

from alembic import context
from sqlalchemy import create_engine

from app.storage.migrations.dialects import POSTGRES_ONLY_INDEXES
from models.all import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("Alembic needs a connection or a sqlalchemy.url to migrate.")
    options = {}
    if url.startswith("sqlite"):  # a reference schema (backup_check), a test's file
        from app.storage import driver

        options["module"] = driver.module  # the offices' own SQLite, not Python's older one
    engine = create_engine(url, **options)
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    # The search index is created by raw SQL in the migrations (SQLite: an FTS5 table;
    # PostgreSQL: a trigram index), not described by the models; so is PostgreSQL's index
    # for the abandon reason's sort (0027).
    if type_ == "table" and name.startswith("dossier_fts"):
        return False
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
