"""audit actions without check

Revision ID: 0004_audit_actions_open
Revises: 0003_project_credit_assets
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import add_check, drop_check, on_sqlite

revision = "0004_audit_actions_open"
down_revision = "0003_project_credit_assets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The audit log gains new kinds of events over time: its action column keeps no CHECK
    # constraint, so adding one never requires rebuilding the log's table again.
    if not on_sqlite():
        drop_check("audit_events", "audit_action")
        return
    with op.batch_alter_table("audit_events", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_events_audit_action"), type_="check")


def downgrade() -> None:
    actions = (
        "dossier_created",
        "dossier_abandoned",
        "dossier_resumed",
        "dossier_deleted",
        "dossier_renumbered",
        "owner_changed",
        "provenance_changed",
        "status_changed",
        "user_created",
        "login_failed",
    )
    if not on_sqlite():
        add_check("audit_events", "audit_action", sa.column("action").in_(actions))
        return
    with op.batch_alter_table("audit_events", recreate="always") as batch_op:
        batch_op.create_check_constraint("audit_action", sa.column("action").in_(actions))
