"""fold ligatures

The search and the sorts fold names: accents and case aside, and now ligatures spelt out
(«œ» → «oe», «æ» → «ae», and «ø», «ł», «đ», «ð» that no accent-stripping decomposes), so
«loeuilliet» finds «LŒUILLIET». The folded columns already hold lower-case text: only the
rows holding one of these letters change (the search index follows by its trigger).

Revision ID: 0023_fold_ligatures
Revises: 0022_self_billing
Create Date: 2026-11-30
"""

from alembic import op

from app.storage.migrations.dialects import on_sqlite

revision = "0023_fold_ligatures"
down_revision = "0022_self_billing"
branch_labels = None
depends_on = None

# As app.text.fold spells them today (a migration does not follow later code).
_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ð", "d"))
_COLUMNS = ("search_text", "holder_sort", "bank_sort")


def _spelt(column: str) -> str:
    expression = column
    for letter, spelt in _LIGATURES:
        expression = f"replace({expression}, '{letter}', '{spelt}')"
    return expression


def upgrade() -> None:
    find = "instr" if on_sqlite() else "strpos"  # (text, letter) both
    for column in _COLUMNS:
        holding = " OR ".join(f"{find}({column}, '{letter}') > 0" for letter, _ in _LIGATURES)
        op.execute(f"UPDATE dossiers SET {column} = {_spelt(column)} WHERE {holding}")


def downgrade() -> None:
    """Nothing to undo: the spelt-out text is found by the older code's search as well
    (typed «oe» matches it; a typed «œ» no longer does, as before this revision for «ae»)."""
