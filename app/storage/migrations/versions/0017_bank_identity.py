"""bank identity

A bank's postal address and SIREN: a commission invoice goes to a business, which the
invoice names with its address and SIREN.

Revision ID: 0017_bank_identity
Revises: 0016_invoicing
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_bank_identity"
down_revision = "0016_invoicing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "banks", sa.Column("address", sa.String(length=250), nullable=False, server_default="")
    )
    op.add_column(
        "banks", sa.Column("siren", sa.String(length=14), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("banks", "siren")
    op.drop_column("banks", "address")
