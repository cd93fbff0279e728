"""project credit assets

Revision ID: 0003_project_credit_assets
Revises: 0002_borrowers_children_comments
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_project_credit_assets"
down_revision = "0002_borrowers_children_comments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("lender", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "mortgage",
                "consumer",
                "car",
                "revolving",
                "student",
                "other",
                name="loan_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("monthly_payment_cents", sa.Integer(), nullable=False),
        sa.Column("remaining_capital_cents", sa.Integer(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("to_buy_back", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_current_loans_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_current_loans")),
    )
    with op.batch_alter_table("current_loans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_current_loans_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "monthly_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rent",
                "alimony",
                "other",
                name="charge_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=150), nullable=False),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_monthly_charges_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_charges")),
    )
    with op.batch_alter_table("monthly_charges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monthly_charges_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column(
            "nature",
            sa.Enum(
                "existing",
                "new_build",
                "construction",
                "land",
                "works",
                "buyback",
                name="project_nature",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "use",
            sa.Enum(
                "main_home",
                "second_home",
                "rental",
                name="project_use",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("address", sa.String(length=250), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("notary_fees_cents", sa.Integer(), nullable=True),
        sa.Column("works_cents", sa.Integer(), nullable=True),
        sa.Column("agency_fees_cents", sa.Integer(), nullable=True),
        sa.Column("other_costs_cents", sa.Integer(), nullable=True),
        sa.Column("contribution_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_projects_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_projects_dossier_id")),
    )
    op.create_table(
        "real_estate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("value_cents", sa.Integer(), nullable=False),
        sa.Column("remaining_loan_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_real_estate_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_real_estate")),
    )
    with op.batch_alter_table("real_estate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_real_estate_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "savings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "livret",
                "pel",
                "life_insurance",
                "pea",
                "securities",
                "other",
                name="savings_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_savings_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings")),
    )
    with op.batch_alter_table("savings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_savings_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("savings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_savings_dossier_id"))

    op.drop_table("savings")
    with op.batch_alter_table("real_estate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_real_estate_dossier_id"))

    op.drop_table("real_estate")
    op.drop_table("projects")
    with op.batch_alter_table("monthly_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monthly_charges_dossier_id"))

    op.drop_table("monthly_charges")
    with op.batch_alter_table("current_loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_current_loans_dossier_id"))

    op.drop_table("current_loans")
