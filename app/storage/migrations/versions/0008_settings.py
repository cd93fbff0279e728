"""settings

Revision ID: 0008_settings
Revises: 0007_banks
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_settings"
down_revision = "0007_banks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )


def downgrade() -> None:
    op.drop_table("settings")
