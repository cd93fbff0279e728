"""server list indexes

The Clients list on a PostgreSQL server (issue 11, docs/SERVER_MODE.md): the abandon
reason's sort on «Abandonnés» puts the dossiers without a reason or a date first in
ascending order (last in descending order), as SQLite does. The models' index on
(status, abandon_reason, abandoned_on, id) keeps NULLs last, an order that serves neither
direction: PostgreSQL sorted every abandoned dossier to give a page (42–60 ms at 100,000).
The same index with its NULLs first serves both directions (ascending forwards, descending
backwards): 1–3 ms.

PostgreSQL only, like the trigram search index: SQLite sorts NULLs first by itself and its
list walks the models' index. Not described by the models (env.py leaves it out of the
comparison, as the trigram index).

Revision ID: 0028_server_list_indexes
Revises: 0026_document_contents
Create Date: 2026-12-01
"""

from alembic import op

from app.storage.migrations.dialects import POSTGRES_REASON_INDEX, on_sqlite

revision = "0028_server_list_indexes"
down_revision = "0026_document_contents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if on_sqlite():
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {POSTGRES_REASON_INDEX} ON dossiers "
        "(status, abandon_reason NULLS FIRST, abandoned_on NULLS FIRST, id)"
    )


def downgrade() -> None:
    if on_sqlite():
        return
    op.execute(f"DROP INDEX IF EXISTS {POSTGRES_REASON_INDEX}")
