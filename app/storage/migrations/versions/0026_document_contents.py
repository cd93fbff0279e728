"""document contents

An office on a PostgreSQL server keeps its documents' bytes in its database (issue 11,
docs/SERVER_MODE.md): `document_contents` (one row per sha256: size, number of chunks),
`document_chunks` (the bytes cut into chunks of about 1 MB: a 50 MB scan is streamed in and
out, never one value held whole in memory) and `document_holds` (bytes being attached on
some computer, kept until their rows are committed).

The tables exist in a file too, empty: one set of models and one history for both engines
(the schema the models make is the one the history makes, on each), and «Migrer vers le
serveur» copies a file's tables to the server as they are. A file keeps its documents'
bytes in its documents folder, as before.

Revision ID: 0026_document_contents
Revises: 0025_simulation_figures
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_document_contents"
down_revision = "0025_simulation_figures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_contents",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_document_contents")),
    )
    op.create_table(
        "document_chunks",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["document_contents.content_hash"],
            name=op.f("fk_document_chunks_content_hash_document_contents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_hash", "chunk", name=op.f("pk_document_chunks")),
    )
    op.create_table(
        "document_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["document_contents.content_hash"],
            name=op.f("fk_document_holds_content_hash_document_contents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_holds")),
    )
    op.create_index(
        op.f("ix_document_holds_content_hash"), "document_holds", ["content_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_document_holds_content_hash"), table_name="document_holds")
    op.drop_table("document_holds")
    op.drop_table("document_chunks")
    op.drop_table("document_contents")
