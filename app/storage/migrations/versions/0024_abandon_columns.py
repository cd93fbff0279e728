"""abandon columns

«Abandonnés» shows each dossier's reason and date, sorted on either like every column of
the list: by an index walked in order (under the tab's status filter).

Revision ID: 0024_abandon_columns
Revises: 0023_fold_ligatures
Create Date: 2026-11-30
"""

from alembic import op

revision = "0024_abandon_columns"
down_revision = "0023_fold_ligatures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_dossiers_status_abandoned", "dossiers", ["status", "abandoned_on", "id"], unique=False
    )
    op.create_index(
        "ix_dossiers_status_reason",
        "dossiers",
        ["status", "abandon_reason", "abandoned_on", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_dossiers_status_reason", table_name="dossiers")
    op.drop_index("ix_dossiers_status_abandoned", table_name="dossiers")
