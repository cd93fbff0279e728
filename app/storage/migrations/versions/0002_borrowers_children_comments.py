"""borrowers details children comments

Revision ID: 0002_borrowers_children_comments
Revises: 0001_initial
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_borrowers_children_comments"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("dependent", sa.Boolean(), nullable=False),
        sa.Column("alternating_custody", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_children_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_children_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column(
            "tab",
            sa.Enum(
                "general",
                "borrowers",
                "children",
                "project",
                "credit",
                "assets",
                name="dossier_tab",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("in_synthesis", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("rule_key", sa.String(length=60), nullable=True),
        sa.Column("fact_key", sa.String(length=120), nullable=True),
        sa.Column("dismissed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_comments_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_dossier_created", ["dossier_id", "created_at"], unique=False
        )

    with op.batch_alter_table("borrowers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("birth_name", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("birth_place", sa.String(length=150), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("nationality", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "marital_status",
                sa.Enum(
                    "single",
                    "married",
                    "pacs",
                    "cohabiting",
                    "divorced",
                    "separated",
                    "widowed",
                    name="marital_status",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "matrimonial_regime",
                sa.Enum(
                    "community",
                    "separation",
                    "universal",
                    "participation",
                    name="matrimonial_regime",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("address", sa.String(length=250), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("postal_code", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("city", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("phone", sa.String(length=30), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("email", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("profession", sa.String(length=150), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("employer", sa.String(length=150), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "contract",
                sa.Enum(
                    "cdi",
                    "cdi_trial",
                    "cdd",
                    "interim",
                    "civil_servant",
                    "self_employed",
                    "company_head",
                    "retired",
                    "unemployed",
                    "student",
                    "other",
                    name="contract",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("employed_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("net_monthly_income_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("other_income_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rental_income_cents", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("borrowers", schema=None) as batch_op:
        batch_op.drop_column("rental_income_cents")
        batch_op.drop_column("other_income_cents")
        batch_op.drop_column("net_monthly_income_cents")
        batch_op.drop_column("employed_since")
        batch_op.drop_column("contract")
        batch_op.drop_column("employer")
        batch_op.drop_column("profession")
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
        batch_op.drop_column("city")
        batch_op.drop_column("postal_code")
        batch_op.drop_column("address")
        batch_op.drop_column("matrimonial_regime")
        batch_op.drop_column("marital_status")
        batch_op.drop_column("nationality")
        batch_op.drop_column("birth_place")
        batch_op.drop_column("birth_date")
        batch_op.drop_column("birth_name")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_dossier_created")

    op.drop_table("comments")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_dossier_id"))

    op.drop_table("children")
