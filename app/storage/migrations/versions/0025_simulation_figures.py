"""simulation figures

The «Export C1» reports the TAEG of each dossier's client-validated simulation and the
household's debt ratio with it. Both take a whole schedule to work out (a millisecond a
plan): they are kept in the simulation's row, in step with the plan and the household.
The simulations validated before this revision are marked due: Dossia works their figures
out the first time a report needs them (a migration does not run later code).

Revision ID: 0025_simulation_figures
Revises: 0024_abandon_columns
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_simulation_figures"
down_revision = "0024_abandon_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("simulations", sa.Column("taeg_bp", sa.Integer(), nullable=True))
    op.add_column("simulations", sa.Column("debt_ratio_bp", sa.Integer(), nullable=True))
    op.add_column(
        "simulations",
        sa.Column("figures_due", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(
        sa.text(
            "UPDATE simulations SET figures_due = :due WHERE status = 'client_validated'"
        ).bindparams(due=True)
    )
    # The few due: every report asks, and finds them at once.
    op.create_index(
        "ix_simulations_figures_due",
        "simulations",
        ["dossier_id"],
        unique=False,
        sqlite_where=sa.text("figures_due = 1"),  # as SQLAlchemy writes it
        postgresql_where=sa.text("figures_due"),
    )


def downgrade() -> None:
    op.drop_index("ix_simulations_figures_due", table_name="simulations")
    with op.batch_alter_table("simulations") as batch:
        batch.drop_column("figures_due")
        batch.drop_column("debt_ratio_bp")
        batch.drop_column("taeg_bp")
