"""simulation plans

A simulation becomes a financing plan: loan lines (kind, amount, rate, duration, deferral)
with each borrower's insurance, the fees paid at the start, smoothing, and how rents are
counted. Every existing simulation becomes a plan of one fixed-rate line with its amount,
rate and duration. Two statuses join the list («Envoyée banque», «Refusée banque»), and the
office's usury rates get a table.

The status column keeps its CHECK constraint: SQLite cannot alter one, so the table is
rebuilt (batch mode) with the new list.

Revision ID: 0011_simulation_plans
Revises: 0010_personal_data_right
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import on_sqlite, replace_check

revision = "0011_simulation_plans"
down_revision = "0010_personal_data_right"
branch_labels = None
depends_on = None

OLD_STATUSES = ("draft", "proposed", "client_validated", "bank_accepted")
NEW_STATUSES = (
    "draft",
    "proposed",
    "sent_to_bank",
    "bank_accepted",
    "bank_refused",
    "client_validated",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _plan_columns() -> list[sa.Column]:
    """The simulation's new columns, in their order."""
    columns = [
        sa.Column(column, sa.Integer(), nullable=False, server_default="0")
        for column in ("dossier_fees_cents", "guarantee_fees_cents", "brokerage_fees_cents")
    ]
    return [
        *columns,
        sa.Column(
            "guarantee",
            _enum("guarantee", "credit_logement", "casden", "mgen", "mortgage", "ppd"),
            nullable=True,
        ),
        sa.Column("smoothing", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column(
            "rental_method",
            _enum("rental_method", "classic", "differential"),
            nullable=False,
            server_default="classic",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "usury_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            _enum(
                "usury_category",
                "fixed_under_10",
                "fixed_10_to_20",
                "fixed_20_and_more",
                "variable",
                "bridge",
            ),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate_mpct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usury_rates")),
        sa.UniqueConstraint("category", "valid_from", name="category_valid_from"),
    )
    if on_sqlite():
        with op.batch_alter_table("simulations", recreate="always") as batch_op:
            batch_op.alter_column(
                "status",
                existing_type=_enum("simulation_status", *OLD_STATUSES),
                type_=_enum("simulation_status", *NEW_STATUSES),
                existing_nullable=False,
            )
            for column in _plan_columns():
                batch_op.add_column(column)
    else:  # altered in place
        replace_check("simulations", "simulation_status", sa.column("status").in_(NEW_STATUSES))
        for column in _plan_columns():
            op.add_column("simulations", column)
    op.create_table(
        "simulation_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("simulation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            _enum(
                "line_kind",
                "amortizing",
                "ptz",
                "bridge",
                "in_fine",
                "employer",
                "capped_variable",
            ),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("rate_mpct", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("deferral", _enum("deferral", "none", "partial", "total"), nullable=False),
        sa.Column("deferral_months", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name=op.f("fk_simulation_lines_bank_id_banks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["simulation_id"],
            ["simulations.id"],
            name=op.f("fk_simulation_lines_simulation_id_simulations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_lines")),
    )
    with op.batch_alter_table("simulation_lines") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_simulation_lines_simulation_id"), ["simulation_id"], unique=False
        )
    op.create_table(
        "simulation_covers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("borrower_rank", sa.Integer(), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("base", _enum("insurance_base", "initial", "remaining", "fixed"), nullable=False),
        sa.Column("rate_mpct", sa.Integer(), nullable=False),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("guarantees", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["simulation_lines.id"],
            name=op.f("fk_simulation_covers_line_id_simulation_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_covers")),
    )
    with op.batch_alter_table("simulation_covers") as batch_op:
        batch_op.create_index(batch_op.f("ix_simulation_covers_line_id"), ["line_id"], unique=False)
    # Each simulation so far was one fixed-rate loan.
    op.execute(
        "INSERT INTO simulation_lines (simulation_id, position, bank_id, kind, amount_cents, "
        "rate_mpct, months, deferral, deferral_months) "
        "SELECT id, 1, NULL, 'amortizing', amount_cents, rate_mpct, duration_months, 'none', 0 "
        "FROM simulations"
    )


def downgrade() -> None:
    with op.batch_alter_table("simulation_covers") as batch_op:
        batch_op.drop_index(batch_op.f("ix_simulation_covers_line_id"))
    op.drop_table("simulation_covers")
    with op.batch_alter_table("simulation_lines") as batch_op:
        batch_op.drop_index(batch_op.f("ix_simulation_lines_simulation_id"))
    op.drop_table("simulation_lines")
    op.execute(
        "UPDATE simulations SET status = 'proposed' "
        "WHERE status IN ('sent_to_bank', 'bank_refused')"
    )
    if not on_sqlite():  # altered in place (a column's constraints go with it)
        for column in (
            "rental_method",
            "smoothing",
            "brokerage_fees_cents",
            "guarantee_fees_cents",
            "guarantee",
            "dossier_fees_cents",
        ):
            op.drop_column("simulations", column)
        replace_check("simulations", "simulation_status", sa.column("status").in_(OLD_STATUSES))
        op.drop_table("usury_rates")
        return
    with op.batch_alter_table("simulations", recreate="always") as batch_op:
        for check in ("rental_method", "guarantee"):  # named by the convention
            batch_op.drop_constraint(check, type_="check")
        for column in (
            "rental_method",
            "smoothing",
            "brokerage_fees_cents",
            "guarantee_fees_cents",
            "guarantee",
            "dossier_fees_cents",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column(
            "status",
            existing_type=_enum("simulation_status", *NEW_STATUSES),
            type_=_enum("simulation_status", *OLD_STATUSES),
            existing_nullable=False,
        )
    op.drop_table("usury_rates")
