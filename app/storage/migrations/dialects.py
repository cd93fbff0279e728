"""What the migrations do differently on SQLite and on PostgreSQL, kept in one place.

The history was written for SQLite, which cannot alter a table's constraints: the scripts
rebuild tables (`batch_alter_table(..., recreate="always")`) and keep the search index in an
FTS5 virtual table fed by triggers. On PostgreSQL the same schema is reached by plain ALTER
TABLE statements (a rebuilt table there would lose its id sequence's position and could not
be dropped while other tables refer to it), and the search index is a trigram index on the
folded `dossiers.search_text` column (`pg_trgm`). The SQLite paths are the scripts' own,
unchanged: a SQLite office migrates exactly as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Created by raw SQL, not described by the models: env.py leaves them out of comparisons.
POSTGRES_SEARCH_INDEX = "ix_dossiers_search_trgm"
# The abandon reason's sort with its NULLs first, as SQLite has them (0027).
POSTGRES_REASON_INDEX = "ix_dossiers_status_reason_nulls_first"
# A number's start in a search (0031): the texts in byte order (their start: the number),
# and the trigram index of the texts less their first character (what lies after it).
POSTGRES_PREFIX_INDEX = "ix_dossiers_search_prefix"
POSTGRES_REST_INDEX = "ix_dossiers_search_rest_trgm"
POSTGRES_ONLY_INDEXES = frozenset(
    {POSTGRES_SEARCH_INDEX, POSTGRES_REASON_INDEX, POSTGRES_PREFIX_INDEX, POSTGRES_REST_INDEX}
)


def on_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def replace_check(table: str, name: str, condition: sa.ColumnElement[bool] | str) -> None:
    """PostgreSQL: the CHECK constraint `name` of `table` (named by the models' convention,
    ck_<table>_<name>) replaced by one with `condition`, in place."""
    drop_check(table, name)
    add_check(table, name, condition)


def drop_check(table: str, name: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")


def add_check(table: str, name: str, condition: sa.ColumnElement[bool] | str) -> None:
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def create_postgres_search_index() -> bool:
    """The dossiers' search index on PostgreSQL: a GIN trigram index on `search_text` (folded
    by Dossia: no accents, lower case), which answers `LIKE '%…%'` on it. `pg_trgm` ships with
    PostgreSQL (contrib) and is a trusted extension (the database's owner may create it); on
    a server without it the schema is complete all the same and the search reads the table.
    Returns whether the index was created."""
    connection = op.get_bind()
    available = connection.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return False
    savepoint = connection.begin_nested()
    try:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:  # not allowed to: without the index, not without the office
        savepoint.rollback()
        return False
    savepoint.commit()
    connection.execute(
        sa.text(
            f"CREATE INDEX {POSTGRES_SEARCH_INDEX} ON dossiers USING gin (search_text gin_trgm_ops)"
        )
    )
    return True
