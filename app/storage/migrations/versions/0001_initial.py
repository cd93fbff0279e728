"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import (
    POSTGRES_SEARCH_INDEX,
    create_postgres_search_index,
    on_sqlite,
)

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_login", sa.String(length=80), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "dossier_created",
                "dossier_abandoned",
                "dossier_resumed",
                "dossier_deleted",
                "dossier_renumbered",
                "owner_changed",
                "provenance_changed",
                "status_changed",
                "user_created",
                "login_failed",
                name="audit_action",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("dossier_number", sa.String(length=40), nullable=True),
        sa.Column("details", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "provenances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenances")),
        sa.UniqueConstraint("name", name=op.f("uq_provenances_name")),
    )
    op.create_table(
        "referrers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "person",
                "company",
                name="referrer_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrers")),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
    )
    op.create_table(
        "steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
    )
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_steps_position"), ["position"], unique=False)

    op.create_table(
        "role_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column(
            "right",
            sa.Enum(
                "view_all_dossiers",
                "create_dossier",
                "renumber_dossier",
                "change_owner",
                "delete_dossier",
                "abandon_resume",
                "invoice",
                "export_c1",
                "manage_settings",
                "manage_users",
                name="right",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_rights_role_id_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_rights")),
        sa.UniqueConstraint("role_id", "right", name="role_right"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=80), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_broker", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name=op.f("fk_users_role_id_roles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_name", ["last_name", "first_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_role_id"), ["role_id"], unique=False)

    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "prospect",
                "client",
                "abandoned",
                name="dossier_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.Column("provenance_detail", sa.String(length=300), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("is_complete", sa.Boolean(), nullable=False),
        sa.Column("hide_contacts", sa.Boolean(), nullable=False),
        sa.Column("no_fees", sa.Boolean(), nullable=False),
        sa.Column("no_bank_commission", sa.Boolean(), nullable=False),
        sa.Column("no_rebate", sa.Boolean(), nullable=False),
        sa.Column("internal_note", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("client_agreement_on", sa.Date(), nullable=True),
        sa.Column("offer_signed_on", sa.Date(), nullable=True),
        sa.Column("deed_signed_on", sa.Date(), nullable=True),
        sa.Column(
            "abandon_reason",
            sa.Enum(
                "project_abandoned",
                "own_bank",
                "competition",
                "bank_refusal",
                "debt_ratio",
                "over_indebtedness",
                "other",
                name="abandon_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("abandon_detail", sa.String(length=500), nullable=False),
        sa.Column("abandoned_on", sa.Date(), nullable=True),
        sa.Column("holder_name", sa.String(length=250), nullable=False),
        sa.Column("holder_sort", sa.String(length=250), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_dossiers_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["provenance_id"],
            ["provenances.id"],
            name=op.f("fk_dossiers_provenance_id_provenances"),
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["referrers.id"], name=op.f("fk_dossiers_referrer_id_referrers")
        ),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_dossiers_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_complete", ["is_complete"], unique=False)
        batch_op.create_index("ix_dossiers_created", ["created_on", "id"], unique=False)
        batch_op.create_index("ix_dossiers_holder", ["holder_sort"], unique=False)
        batch_op.create_index("ix_dossiers_number", ["number"], unique=True)
        batch_op.create_index("ix_dossiers_owner", ["owner_id"], unique=False)
        batch_op.create_index("ix_dossiers_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dossiers_provenance_id"), ["provenance_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dossiers_referrer_id"), ["referrer_id"], unique=False)
        batch_op.create_index(
            "ix_dossiers_status_complete", ["status", "is_complete"], unique=False
        )
        batch_op.create_index(
            "ix_dossiers_status_created", ["status", "created_on", "id"], unique=False
        )
        batch_op.create_index("ix_dossiers_status_holder", ["status", "holder_sort"], unique=False)
        batch_op.create_index("ix_dossiers_status_number", ["status", "number"], unique=False)
        batch_op.create_index(
            "ix_dossiers_status_provenance", ["status", "provenance_id"], unique=False
        )
        batch_op.create_index("ix_dossiers_status_step", ["status", "step_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossiers_step_id"), ["step_id"], unique=False)

    op.create_table(
        "borrowers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("civility", sa.String(length=10), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_borrowers_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_borrowers")),
        sa.UniqueConstraint("dossier_id", "rank", name="dossier_rank"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_documents_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_content_hash"), ["content_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_documents_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "simulations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("rate_mpct", sa.Integer(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "proposed",
                "client_validated",
                "bank_accepted",
                name="simulation_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_simulations_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulations")),
    )
    with op.batch_alter_table("simulations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_simulations_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "step_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("step_name", sa.String(length=100), nullable=False),
        sa.Column("step_percent", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_step_changes_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["steps.id"],
            name=op.f("fk_step_changes_step_id_steps"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_step_changes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_changes")),
    )
    with op.batch_alter_table("step_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_step_changes_dossier_id"), ["dossier_id"], unique=False
        )

    if on_sqlite():
        for statement in FTS_STATEMENTS:
            op.execute(statement)
    else:
        create_postgres_search_index()


FTS_STATEMENTS = (
    # Search as you type over 100,000 dossiers: an external-content FTS5 index of the
    # folded `search_text`, with prefix indexes so one or two letters answer at once.
    "CREATE VIRTUAL TABLE dossier_fts USING fts5(search_text, content='dossiers', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "CREATE TRIGGER dossiers_fts_insert AFTER INSERT ON dossiers BEGIN "
    "INSERT INTO dossier_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER dossiers_fts_delete AFTER DELETE ON dossiers BEGIN "
    "INSERT INTO dossier_fts(dossier_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER dossiers_fts_update AFTER UPDATE OF search_text ON dossiers BEGIN "
    "INSERT INTO dossier_fts(dossier_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO dossier_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def downgrade() -> None:
    if on_sqlite():
        for name in ("dossiers_fts_insert", "dossiers_fts_delete", "dossiers_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS dossier_fts")
    else:
        op.execute(f"DROP INDEX IF EXISTS {POSTGRES_SEARCH_INDEX}")
    with op.batch_alter_table("step_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_changes_dossier_id"))

    op.drop_table("step_changes")
    with op.batch_alter_table("simulations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simulations_dossier_id"))

    op.drop_table("simulations")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_documents_content_hash"))

    op.drop_table("documents")
    op.drop_table("borrowers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossiers_step_id"))
        batch_op.drop_index("ix_dossiers_status_step")
        batch_op.drop_index("ix_dossiers_status_provenance")
        batch_op.drop_index("ix_dossiers_status_number")
        batch_op.drop_index("ix_dossiers_status_holder")
        batch_op.drop_index("ix_dossiers_status_created")
        batch_op.drop_index("ix_dossiers_status_complete")
        batch_op.drop_index(batch_op.f("ix_dossiers_referrer_id"))
        batch_op.drop_index(batch_op.f("ix_dossiers_provenance_id"))
        batch_op.drop_index("ix_dossiers_owner_status")
        batch_op.drop_index("ix_dossiers_owner")
        batch_op.drop_index("ix_dossiers_number")
        batch_op.drop_index("ix_dossiers_holder")
        batch_op.drop_index("ix_dossiers_created")
        batch_op.drop_index("ix_dossiers_complete")

    op.drop_table("dossiers")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role_id"))
        batch_op.drop_index("ix_users_name")

    op.drop_table("users")
    op.drop_table("role_rights")
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_steps_position"))

    op.drop_table("steps")
    op.drop_table("roles")
    op.drop_table("referrers")
    op.drop_table("provenances")
    op.drop_table("counters")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
