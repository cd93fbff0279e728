"""submission simulation index

`bank_submissions.simulation_id` (the simulation a dossier was sent to a bank with) had no
index. Deleting a simulation sets it to NULL in the submissions that name it (its foreign
key's ON DELETE SET NULL), and without an index each deleted simulation scanned every
submission: purging 100 dossiers took 20 s at 100,000 dossiers, about 200 s at 1,000,000,
in one write transaction (the delete alone: 31 s → 0.03 s at 100,000 with the index).

Revision ID: 0032_submission_simulation_index
Revises: 0031_number_search_indexes
Create Date: 2026-12-01
"""

from alembic import op

revision = "0032_submission_simulation_index"
down_revision = "0031_number_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_bank_submissions_simulation_id"),
        "bank_submissions",
        ["simulation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_submissions_simulation_id"), table_name="bank_submissions")
