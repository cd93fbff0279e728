"""banks

Revision ID: 0007_banks
Revises: 0006_referrer_details
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_banks"
down_revision = "0006_referrer_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("agency", sa.String(length=150), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
    )


def downgrade() -> None:
    op.drop_table("banks")
