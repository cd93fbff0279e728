"""referrer details

Revision ID: 0006_referrer_details
Revises: 0005_login_lockout
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_referrer_details"
down_revision = "0005_login_lockout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("siren", sa.String(length=9), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("rebate_rate_mpct", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rebate_fixed_cents", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referrers", schema=None) as batch_op:
        batch_op.drop_column("rebate_fixed_cents")
        batch_op.drop_column("rebate_rate_mpct")
        batch_op.drop_column("siren")
