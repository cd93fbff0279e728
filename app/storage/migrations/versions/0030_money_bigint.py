"""money in bigint on a server

Amounts are whole cents in INTEGER columns. SQLite's INTEGER holds 64 bits; PostgreSQL's is
32 bits (at most 21,474,836.47 €), where Dossia accepts a price up to 100,000,000 €: on a
server a 25 M€ property was refused with «integer out of range», and a file holding one
could not be migrated. On PostgreSQL each amount column becomes BIGINT (the models say
so by a variant of their type); a file is left as it is. The sums of amounts are cast back
to BIGINT where they are read (`models.base.money_sum`): PostgreSQL's sum() of a BIGINT is
a NUMERIC, which would reach the services as a Decimal.

Revision ID: 0030_money_bigint
Revises: 0029_carries
Create Date: 2026-12-01
"""

from alembic import op

from app.storage.migrations.dialects import on_sqlite

revision = "0030_money_bigint"
down_revision = "0029_carries"
branch_labels = None
depends_on = None

# Every amount column at this revision (table, column): written out, not read from the
# models, which move on.
MONEY = (
    ("banks", "commission_fixed_cents"),
    ("referrers", "rebate_fixed_cents"),
    ("borrowers", "net_monthly_income_cents"),
    ("borrowers", "other_income_cents"),
    ("borrowers", "rental_income_cents"),
    ("current_loans", "monthly_payment_cents"),
    ("current_loans", "remaining_capital_cents"),
    ("invoices", "amount_cents"),
    ("invoices", "vat_cents"),
    ("invoices", "total_cents"),
    ("invoices", "paid_cents"),
    ("invoices", "credited_cents"),
    ("monthly_charges", "monthly_cents"),
    ("projects", "price_cents"),
    ("projects", "notary_fees_cents"),
    ("projects", "works_cents"),
    ("projects", "agency_fees_cents"),
    ("projects", "other_costs_cents"),
    ("projects", "contribution_cents"),
    ("real_estate", "value_cents"),
    ("real_estate", "remaining_loan_cents"),
    ("savings", "amount_cents"),
    ("simulations", "amount_cents"),
    ("simulations", "dossier_fees_cents"),
    ("simulations", "guarantee_fees_cents"),
    ("simulations", "brokerage_fees_cents"),
    ("bank_submissions", "amount_cents"),
    ("payments", "amount_cents"),
    ("simulation_lines", "amount_cents"),
    ("simulation_covers", "monthly_cents"),
)


def _retype(kind: str) -> None:
    if on_sqlite():
        return  # INTEGER is 64 bits there already
    for table in sorted({table for table, _column in MONEY}):
        changes = ", ".join(
            f'ALTER COLUMN "{column}" TYPE {kind}' for name, column in MONEY if name == table
        )
        op.execute(f'ALTER TABLE "{table}" {changes}')  # one rewrite per table


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    _retype("INTEGER")
