"""bank submissions

The «Pipeline» tab: each time a dossier is sent to a bank — the bank and its contact (kept
as they were), the simulation sent, the dates sent and answered, where the bank stands, the
amount and rate it proposes, a comment.

Revision ID: 0014_bank_submissions
Revises: 0013_documents
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_bank_submissions"
down_revision = "0013_documents"
branch_labels = None
depends_on = None

STATUSES = (
    "prepared",
    "sent",
    "studying",
    "agreement",
    "refused",
    "offer_issued",
    "offer_accepted",
)


def upgrade() -> None:
    op.create_table(
        "bank_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=True),
        sa.Column("bank_name", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.String(length=350), nullable=False),
        sa.Column("simulation_id", sa.Integer(), nullable=True),
        sa.Column("simulation_name", sa.String(length=150), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="submission_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("rate_mpct", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name=op.f("fk_bank_submissions_bank_id_banks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_bank_submissions_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["simulation_id"],
            ["simulations.id"],
            name=op.f("fk_bank_submissions_simulation_id_simulations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_submissions")),
    )
    op.create_index(
        op.f("ix_bank_submissions_dossier_id"), "bank_submissions", ["dossier_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_submissions_dossier_id"), table_name="bank_submissions")
    op.drop_table("bank_submissions")
