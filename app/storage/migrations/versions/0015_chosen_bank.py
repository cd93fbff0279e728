"""chosen bank

The Clients list's optional «Banque retenue» column: the bank whose offer the client
accepted, kept on the dossier (as its holder's name is) so that the list shows and sorts it
without reading the sendings. Filled from the sendings already recorded.

Revision ID: 0015_chosen_bank
Revises: 0014_bank_submissions
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_chosen_bank"
down_revision = "0014_bank_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: the dossiers table keeps its search-index triggers.
    op.add_column(
        "dossiers",
        sa.Column("chosen_bank", sa.String(length=120), nullable=False, server_default=""),
    )
    op.execute(
        """
        UPDATE dossiers SET chosen_bank = COALESCE((
            SELECT b.bank_name FROM bank_submissions AS b
            WHERE b.dossier_id = dossiers.id AND b.status = 'offer_accepted'
            ORDER BY COALESCE(b.answered_on, b.sent_on, date(b.updated_at)) DESC,
                     b.updated_at DESC, b.id DESC
            LIMIT 1
        ), '')
        """
    )
    op.create_index("ix_dossiers_bank", "dossiers", ["chosen_bank"], unique=False)
    op.create_index("ix_dossiers_status_bank", "dossiers", ["status", "chosen_bank"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossiers_status_bank", table_name="dossiers")
    op.drop_index("ix_dossiers_bank", table_name="dossiers")
    op.drop_column("dossiers", "chosen_bank")
