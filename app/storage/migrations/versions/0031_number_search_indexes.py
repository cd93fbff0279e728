"""number search indexes

The Clients list on a PostgreSQL server (issue 11, docs/SERVER_MODE.md): a search for a
number's start whose dossiers lie deep in the list's order («2025-0», «2024» newest first:
after 77,000–87,000 dossiers) walked the sort index through every dossier before them,
46–54 ms. Its matches are gathered instead (`app.storage.postgres_listing._gather_number`):

- at the start of `search_text` (where each dossier's number is) by ranges of
  `ix_dossiers_search_prefix`, the text in byte order (`COLLATE "C"`: a prefix is a range
  whatever the database's collation), holding what the list's default sort and its tabs
  read (creation date, status, broker, id): the list reads it without the table's rows;
- further in the text (the number's sequence, a name) by `ix_dossiers_search_rest_trgm`,
  the trigram index of the text less its first character, where a year's digits are rare
  (in the whole text, every dossier of that year holds them: the search index cannot tell).

PostgreSQL only, like the trigram search index (the second one needs `pg_trgm` too: without
it, neither is created and the list walks as before). Not described by the models (env.py
leaves them out of the comparison).

Revision ID: 0031_number_search_indexes
Revises: 0030_money_bigint
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import (
    POSTGRES_PREFIX_INDEX,
    POSTGRES_REST_INDEX,
    on_sqlite,
)

revision = "0031_number_search_indexes"
down_revision = "0030_money_bigint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if on_sqlite():
        return
    trigrams = (
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        .first()
    )
    if trigrams is None:  # no search index either (dialects.create_postgres_search_index)
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {POSTGRES_PREFIX_INDEX} ON dossiers "
        '(search_text COLLATE "C") INCLUDE (created_on, status, owner_id, id)'
    )
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {POSTGRES_REST_INDEX} ON dossiers "
        "USING gin (substr(search_text, 2) gin_trgm_ops)"
    )


def downgrade() -> None:
    if on_sqlite():
        return
    op.execute(f"DROP INDEX IF EXISTS {POSTGRES_REST_INDEX}")
    op.execute(f"DROP INDEX IF EXISTS {POSTGRES_PREFIX_INDEX}")
