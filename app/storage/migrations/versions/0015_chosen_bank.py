"""chosen bank

The Clients list's optional «Banque retenue» column: the bank whose offer the client
accepted, kept on the dossier (as its holder's name is) so that the list shows and sorts it
without reading the sendings, with its sort key (folded; the dossiers without a bank last).
Filled from the sendings already recorded.

Revision ID: 0015_chosen_bank
Revises: 0014_bank_submissions
Create Date: 2026-11-30
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0015_chosen_bank"
down_revision = "0014_bank_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: the dossiers table keeps its search-index triggers.
    op.add_column(
        "dossiers",
        sa.Column("chosen_bank", sa.String(length=120), nullable=False, server_default=""),
    )
    op.execute(
        """
        UPDATE dossiers SET chosen_bank = COALESCE((
            SELECT b.bank_name FROM bank_submissions AS b
            WHERE b.dossier_id = dossiers.id AND b.status = 'offer_accepted'
            ORDER BY COALESCE(b.answered_on, b.sent_on, date(b.updated_at)) DESC,
                     b.updated_at DESC, b.id DESC
            LIMIT 1
        ), '')
        """
    )
    op.add_column(
        "dossiers",
        sa.Column("bank_sort", sa.String(length=120), nullable=False, server_default="~"),
    )
    connection = op.get_bind()
    chosen = connection.execute(
        sa.text("SELECT id, chosen_bank FROM dossiers WHERE chosen_bank <> ''")
    ).all()
    for dossier_id, bank in chosen:
        connection.execute(
            sa.text("UPDATE dossiers SET bank_sort = :key WHERE id = :id"),
            {"key": _fold(bank), "id": dossier_id},
        )
    op.create_index("ix_dossiers_bank", "dossiers", ["bank_sort"], unique=False)
    op.create_index("ix_dossiers_status_bank", "dossiers", ["status", "bank_sort"], unique=False)


def _fold(text: str) -> str:
    """As app.text.fold does today (a migration does not follow later code)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split()) or "~"


def downgrade() -> None:
    op.drop_index("ix_dossiers_status_bank", table_name="dossiers")
    op.drop_index("ix_dossiers_bank", table_name="dossiers")
    op.drop_column("dossiers", "bank_sort")
    op.drop_column("dossiers", "chosen_bank")
