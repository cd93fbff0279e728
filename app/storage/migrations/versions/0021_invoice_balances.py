"""invoice balances

Each invoice keeps what was paid of it and what its credit notes took off (all taxes
included, the latter negative), kept up to date by the same transaction as the payment or
the credit note: the «Facturation» window sums and filters a year of 45,000 invoices on
them instead of summing their payments and credit notes one invoice at a time.

Revision ID: 0021_invoice_balances
Revises: 0020_partial_credits_index
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_invoice_balances"
down_revision = "0020_partial_credits_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name in ("paid_cents", "credited_cents"):
        op.add_column("invoices", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE invoices SET paid_cents = COALESCE((SELECT SUM(p.amount_cents) FROM payments "
        "AS p WHERE p.invoice_id = invoices.id), 0), credited_cents = COALESCE((SELECT "
        "SUM(n.total_cents) FROM invoices AS n WHERE n.credits_id = invoices.id), 0)"
    )


def downgrade() -> None:
    op.drop_column("invoices", "credited_cents")
    op.drop_column("invoices", "paid_cents")
