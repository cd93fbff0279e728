"""self billing

A rebate to a company is the apporteur's own invoice, issued by the office under his
billing mandate: it states his VAT (exempt as an intermediary in credit, «franchise en
base», or charged), his VAT number and the mandate's date. The apporteur keeps them; each
rebate keeps them as issued.

Revision ID: 0022_self_billing
Revises: 0021_invoice_balances
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_self_billing"
down_revision = "0021_invoice_balances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "referrers",
        sa.Column("vat_regime", sa.String(length=20), nullable=False, server_default=""),
    )
    op.add_column(
        "referrers",
        sa.Column("vat_number", sa.String(length=14), nullable=False, server_default=""),
    )
    op.add_column("referrers", sa.Column("billing_mandate_on", sa.Date(), nullable=True))
    op.add_column(
        "invoices",
        sa.Column("recipient_vat_number", sa.String(length=14), nullable=False, server_default=""),
    )
    op.add_column(
        "invoices",
        sa.Column("vat_mention", sa.String(length=200), nullable=False, server_default=""),
    )
    op.add_column("invoices", sa.Column("billing_mandate_on", sa.Date(), nullable=True))


def downgrade() -> None:
    for name in ("billing_mandate_on", "vat_mention", "recipient_vat_number"):
        op.drop_column("invoices", name)
    for name in ("billing_mandate_on", "vat_number", "vat_regime"):
        op.drop_column("referrers", name)
