"""rental loans

A current loan can be «Prêt immobilier locatif»: the loan of a let property, whose payments
the «différentiel» method nets against the rents (the «classique» one counts them as
charges). The kind column keeps its CHECK constraint: SQLite cannot alter one, so the table
is rebuilt (batch mode) with the new list.

Revision ID: 0012_rental_loans
Revises: 0011_simulation_plans
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import on_sqlite, replace_check

revision = "0012_rental_loans"
down_revision = "0011_simulation_plans"
branch_labels = None
depends_on = None

OLD_KINDS = ("mortgage", "consumer", "car", "revolving", "student", "other")
NEW_KINDS = ("mortgage", "rental_mortgage", "consumer", "car", "revolving", "student", "other")


def _kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="loan_kind", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    if not on_sqlite():  # the constraint altered in place
        replace_check("current_loans", "loan_kind", sa.column("kind").in_(NEW_KINDS))
        return
    with op.batch_alter_table("current_loans", recreate="always") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_kind(*OLD_KINDS),
            type_=_kind(*NEW_KINDS),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute("UPDATE current_loans SET kind = 'mortgage' WHERE kind = 'rental_mortgage'")
    if not on_sqlite():
        replace_check("current_loans", "loan_kind", sa.column("kind").in_(OLD_KINDS))
        return
    with op.batch_alter_table("current_loans", recreate="always") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_kind(*NEW_KINDS),
            type_=_kind(*OLD_KINDS),
            existing_nullable=False,
        )
