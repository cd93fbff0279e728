"""invoice credits index

The credit notes of an invoice found through an index: the «Facturation» window sums them
for every invoice it lists (without it, 11 s for 12,000 invoices).

Revision ID: 0018_invoice_credits_index
Revises: 0017_bank_identity
Create Date: 2026-11-30
"""

from alembic import op

revision = "0018_invoice_credits_index"
down_revision = "0017_bank_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_credits", "invoices", ["credits_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invoices_credits", table_name="invoices")
