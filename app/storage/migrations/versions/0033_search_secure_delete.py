"""search index secure delete

An erased dossier, person or name must leave no trace in the file. The search index
(`dossier_fts`, FTS5) used to keep a deleted row's words in its segments under a delete
marker, so each erasure ended by rewriting the whole index (`optimize`): 0.37 s for one
dossier deleted at 300,000 dossiers, about 1.2 s at 1,000,000, the window waiting. With
FTS5's `secure-delete` option (SQLite 3.42), a delete takes the row's words out of the
index at once (≈ 2 ms); the index is rewritten once here, so that nothing deleted before
this revision lingers either. A changed name (a borrower's typo corrected) no longer leaves
the old one in the index either. PostgreSQL: nothing (its index is the table's own; the
erasures end with a VACUUM).

Revision ID: 0033_search_secure_delete
Revises: 0032_submission_simulation_index
Create Date: 2026-12-01
"""

from alembic import op

from app.storage.migrations.dialects import on_sqlite

revision = "0033_search_secure_delete"
down_revision = "0032_submission_simulation_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not on_sqlite():
        return
    # The old segments' pages zeroed as the rewrite frees them, whatever connection runs
    # this (the office's own has it on: `app.storage.sqlite.apply_pragmas`).
    op.execute("PRAGMA secure_delete=ON")
    op.execute("INSERT INTO dossier_fts(dossier_fts, rank) VALUES('secure-delete', 1)")
    op.execute("INSERT INTO dossier_fts(dossier_fts) VALUES('optimize')")


def downgrade() -> None:
    if on_sqlite():
        op.execute("INSERT INTO dossier_fts(dossier_fts, rank) VALUES('secure-delete', 0)")
