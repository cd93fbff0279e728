"""invoicing

«Facturation»: the office's invoices and credit notes (fees to the client, commissions to a
bank, rebates to an apporteur d'affaires), numbered without gaps at issue, kept ten years
whatever becomes of their dossier; their payments. The dossier gets its date of release of
the funds (no fees paid by the client before it: article L519-6 of the Code monétaire et
financier), a bank its commission (a rate of the amount lent, or a fixed amount).

Revision ID: 0016_invoicing
Revises: 0015_chosen_bank
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_invoicing"
down_revision = "0015_chosen_bank"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("funds_released_on", sa.Date(), nullable=True))
    op.add_column("banks", sa.Column("commission_rate_mpct", sa.Integer(), nullable=True))
    op.add_column("banks", sa.Column("commission_fixed_cents", sa.Integer(), nullable=True))
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("dossier_number", sa.String(length=40), nullable=False),
        sa.Column(
            "kind", _enum("invoice_kind", "fees", "bank_commission", "rebate"), nullable=False
        ),
        sa.Column("state", _enum("invoice_state", "draft", "issued", "cancelled"), nullable=False),
        sa.Column("credits_id", sa.Integer(), nullable=True),
        sa.Column("series", sa.String(length=40), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("payment_days", sa.Integer(), nullable=False),
        sa.Column("service_on", sa.Date(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_address", sa.String(length=400), nullable=False),
        sa.Column("recipient_siren", sa.String(length=14), nullable=False),
        sa.Column("recipient_is_business", sa.Boolean(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=True),
        sa.Column("referrer_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("seller", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name=op.f("fk_invoices_bank_id_banks"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["broker_id"],
            ["users.id"],
            name=op.f("fk_invoices_broker_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_invoices_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["credits_id"], ["invoices.id"], name=op.f("fk_invoices_credits_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_invoices_dossier_id_dossiers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["referrers.id"],
            name=op.f("fk_invoices_referrer_id_referrers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name="invoice_number"),
        sa.UniqueConstraint("series", "sequence", name="invoice_sequence"),
    )
    op.create_index("ix_invoices_dossier", "invoices", ["dossier_id"], unique=False)
    op.create_index("ix_invoices_issued_on", "invoices", ["issued_on"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column(
            "means",
            _enum("payment_means", "transfer", "cheque", "direct_debit", "card", "cash"),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_payments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"], unique=False)


def downgrade() -> None:
    issued = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM invoices WHERE state <> 'draft'"))
        .scalar()
    )
    if issued:
        raise RuntimeError(
            f"{issued} facture(s) ou avoir(s) émis : ce sont des pièces comptables, la base "
            "ne revient pas à une version sans facturation."
        )
    op.execute("DELETE FROM counters WHERE name LIKE 'facture:%'")
    op.drop_index(op.f("ix_payments_invoice_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_invoices_issued_on", table_name="invoices")
    op.drop_index("ix_invoices_dossier", table_name="invoices")
    op.drop_table("invoices")
    op.drop_column("banks", "commission_fixed_cents")
    op.drop_column("banks", "commission_rate_mpct")
    op.drop_column("dossiers", "funds_released_on")
