"""referrer address

An apporteur d'affaires' postal address: the self-billed invoice («autofacturation») or
the «note de ristourne» the office issues in his name states it.

Revision ID: 0019_referrer_address
Revises: 0018_invoice_credits_index
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_referrer_address"
down_revision = "0018_invoice_credits_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "referrers",
        sa.Column("address", sa.String(length=250), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("referrers", "address")
