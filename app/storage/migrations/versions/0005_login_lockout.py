"""login lockout

Revision ID: 0005_login_lockout
Revises: 0004_audit_actions_open
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_login_lockout"
down_revision = "0004_audit_actions_open"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
