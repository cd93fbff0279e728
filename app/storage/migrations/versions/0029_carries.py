"""carries

Laptops that take dossiers away (issue 11, «Emporter des dossiers» / «Rapporter»):
`carries` (one check-out: who, which laptop, its numbering prefix, since when, how it
ended), `carried_dossiers` (the dossiers out, read-only on the server meanwhile),
`carry_baseline` (in the laptop's file only: each row as it left the server) and
`carry_conflicts` (a field changed on both sides, both values kept with the dossier).

New tables only: no existing table is rebuilt (an office of 100,000 dossiers migrates at
once). They exist, empty, in every office: one history for both engines.

Revision ID: 0029_carries
Revises: 0028_server_list_indexes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_carries"
down_revision = "0028_server_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("machine", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("dossier_count", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_how", sa.String(length=20), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_carries_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carries")),
    )
    op.create_index(op.f("ix_carries_user_id"), "carries", ["user_id"], unique=False)
    op.create_table(
        "carried_dossiers",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("carry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["carry_id"],
            ["carries.id"],
            name=op.f("fk_carried_dossiers_carry_id_carries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_carried_dossiers_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_carried_dossiers")),
    )
    op.create_index(
        op.f("ix_carried_dossiers_carry_id"), "carried_dossiers", ["carry_id"], unique=False
    )
    op.create_table(
        "carry_baseline",
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name=op.f("pk_carry_baseline")),
    )
    op.create_table(
        "carry_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("carry_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("office_value", sa.Text(), nullable=False),
        sa.Column("laptop_value", sa.Text(), nullable=False),
        sa.Column("kept", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_carry_conflicts_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carry_conflicts")),
    )
    op.create_index(
        op.f("ix_carry_conflicts_dossier_id"), "carry_conflicts", ["dossier_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_carry_conflicts_dossier_id"), table_name="carry_conflicts")
    op.drop_table("carry_conflicts")
    op.drop_table("carry_baseline")
    op.drop_index(op.f("ix_carried_dossiers_carry_id"), table_name="carried_dossiers")
    op.drop_table("carried_dossiers")
    op.drop_index(op.f("ix_carries_user_id"), table_name="carries")
    op.drop_table("carries")
