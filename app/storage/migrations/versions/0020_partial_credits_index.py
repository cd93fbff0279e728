"""partial credits index

The index of the credit notes on the invoices they cancel holds the credit notes only.
Over every invoice (nearly all with no credits_id), its statistics told SQLite that a
lookup returns the whole table, and the «Facturation» window's sums went back to scanning
every invoice for each one listed (85 s for 17,000 invoices at 100,000 dossiers).

Revision ID: 0020_partial_credits_index
Revises: 0019_referrer_address
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_partial_credits_index"
down_revision = "0019_referrer_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_invoices_credits", table_name="invoices")
    op.create_index(
        "ix_invoices_credits",
        "invoices",
        ["credits_id"],
        unique=False,
        sqlite_where=sa.text("credits_id IS NOT NULL"),
        postgresql_where=sa.text("credits_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_credits", table_name="invoices")
    op.create_index("ix_invoices_credits", "invoices", ["credits_id"], unique=False)
