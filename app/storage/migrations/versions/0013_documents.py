"""documents

The «Documents» tab: each file is in a folder (Pièces justificatives, Documents IOBSP,
Demandes de prêt et simulations, Offres de prêt, Factures, Divers), may answer an item of the
«Pièces à fournir» for one borrower, and records who added it. The office gets its list of
«Pièces à fournir» (with sensible defaults, editable in «Paramètres»), and each dossier the
items ticked by hand.

The synthesis PDFs already attached go to «Demandes de prêt et simulations», the other files
to «Divers».

Revision ID: 0013_documents
Revises: 0012_rental_loans
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import add_check, drop_check, on_sqlite

revision = "0013_documents"
down_revision = "0012_rental_loans"
branch_labels = None
depends_on = None

FOLDERS = ("supporting", "iobsp", "requests", "offers", "invoices", "misc")
RULES = (
    "once",
    "per_borrower",
    "per_employee",
    "per_self_employed",
    "per_retired",
    "per_landlord",
    "contribution",
    "buy_back",
    "purchase",
    "new_build",
    "construction",
    "works",
)
# The list a new office starts with (what French banks ask for a mortgage loan).
DEFAULT_REQUIREMENTS = (
    ("Pièce d'identité en cours de validité", "per_borrower"),
    ("Justificatif de domicile de moins de 3 mois", "once"),
    ("Livret de famille, contrat de mariage ou de PACS", "once"),
    ("3 derniers bulletins de salaire", "per_employee"),
    ("Contrat de travail ou attestation de l'employeur", "per_employee"),
    ("Bulletin de salaire de décembre de l'an dernier", "per_employee"),
    ("3 derniers bilans et liasses fiscales", "per_self_employed"),
    ("Extrait Kbis ou avis de situation INSEE", "per_self_employed"),
    ("Dernier relevé de pension de retraite", "per_retired"),
    ("2 derniers avis d'imposition", "once"),
    ("3 derniers relevés de tous les comptes bancaires", "once"),
    ("Relevés d'épargne justifiant l'apport", "contribution"),
    ("Baux en cours et dernier avis de taxe foncière des biens loués", "per_landlord"),
    ("Offre et tableau d'amortissement des prêts à racheter", "buy_back"),
    ("Compromis de vente signé", "purchase"),
    ("Contrat de réservation (VEFA) et notice descriptive", "new_build"),
    (
        "Contrat de construction, permis de construire et titre de propriété du terrain",
        "construction",
    ),
    ("Devis des travaux", "works"),
)


# The documents' links to what they answer and who added them: (name, table, column).
_FILING_KEYS = (
    ("fk_documents_requirement_id_required_documents", "required_documents", "requirement_id"),
    ("fk_documents_added_by_users", "users", "added_by"),
)


def _filing_columns() -> list[sa.Column]:
    """The documents' new columns, in their order."""
    return [
        sa.Column("folder", sa.String(length=32), nullable=False, server_default="misc"),
        sa.Column("requirement_id", sa.Integer(), nullable=True),
        sa.Column("borrower_rank", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("added_by", sa.Integer(), nullable=True),
    ]


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    required = op.create_table(
        "required_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("rule", _enum("requirement_rule", RULES), nullable=False),
        sa.Column("folder", _enum("document_folder", FOLDERS), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_required_documents")),
    )
    op.bulk_insert(
        required,
        [
            {
                "label": label,
                "rule": rule,
                "folder": "supporting",
                "position": position,
                "is_active": True,
            }
            for position, (label, rule) in enumerate(DEFAULT_REQUIREMENTS, start=1)
        ],
    )
    op.create_table(
        "requirement_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("borrower_rank", sa.Integer(), nullable=False),
        sa.Column("ticked_on", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_requirement_ticks_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["required_documents.id"],
            name=op.f("fk_requirement_ticks_requirement_id_required_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_requirement_ticks_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_ticks")),
        sa.UniqueConstraint("dossier_id", "requirement_id", "borrower_rank", name="one_tick"),
    )
    if on_sqlite():
        with op.batch_alter_table("documents", recreate="always") as batch_op:
            for column in _filing_columns():
                batch_op.add_column(column)
            for name, table, key in _FILING_KEYS:
                batch_op.create_foreign_key(
                    batch_op.f(name), table, [key], ["id"], ondelete="SET NULL"
                )
    else:  # altered in place
        for column in _filing_columns():
            op.add_column("documents", column)
        for name, table, key in _FILING_KEYS:
            op.create_foreign_key(
                op.f(name), "documents", table, [key], ["id"], ondelete="SET NULL"
            )
    op.execute(
        "UPDATE documents SET folder = 'requests' WHERE title LIKE 'Synthèse de financement%'"
    )
    if not on_sqlite():
        add_check("documents", "document_folder", sa.column("folder").in_(FOLDERS))
        return
    # The folder's CHECK constraint, once the column holds its values (a column added with
    # its constraint in the same batch is not copied: Alembic writes the constraint alone).
    with op.batch_alter_table("documents", recreate="always") as batch_op:
        batch_op.alter_column(
            "folder",
            existing_type=sa.String(length=32),
            type_=_enum("document_folder", FOLDERS),
            existing_nullable=False,
            existing_server_default="misc",
        )


def downgrade() -> None:
    if not on_sqlite():  # altered in place
        drop_check("documents", "document_folder")
        for name, _table, _column in _FILING_KEYS:
            op.drop_constraint(op.f(name), "documents", type_="foreignkey")
        for column in ("added_by", "borrower_rank", "requirement_id", "folder"):
            op.drop_column("documents", column)
        op.drop_table("requirement_ticks")
        op.drop_table("required_documents")
        return
    with op.batch_alter_table("documents", recreate="always") as batch_op:
        batch_op.alter_column(  # its CHECK constraint goes first
            "folder",
            existing_type=_enum("document_folder", FOLDERS),
            type_=sa.String(length=32),
            existing_nullable=False,
            existing_server_default="misc",
        )
    with op.batch_alter_table("documents", recreate="always") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_documents_added_by_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_documents_requirement_id_required_documents"), type_="foreignkey"
        )
        for column in ("added_by", "borrower_rank", "requirement_id", "folder"):
            batch_op.drop_column(column)
    op.drop_table("requirement_ticks")
    op.drop_table("required_documents")
