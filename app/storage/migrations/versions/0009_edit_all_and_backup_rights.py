"""edit all dossiers and backup rights

«Voir tous les dossiers» no longer means editing them: «Modifier tous les dossiers» is a
right of its own. Existing offices keep today's behaviour: every profile that sees all the
dossiers may still edit them. «Sauvegarder et restaurer» goes to the profiles that manage
the office (named «Administrateur» or «Responsable d'agence», or managing the settings).

The rights column keeps its CHECK constraint: SQLite cannot alter one, so the table is
rebuilt (batch mode) with the new list of rights.

Revision ID: 0009_edit_all_and_backup_rights
Revises: 0008_settings
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import on_sqlite, replace_check

revision = "0009_edit_all_and_backup_rights"
down_revision = "0008_settings"
branch_labels = None
depends_on = None

OLD_RIGHTS = (
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
)
NEW_RIGHTS = (
    "view_all_dossiers",
    "edit_all_dossiers",
    "create_dossier",
    "renumber_dossier",
    "change_owner",
    "delete_dossier",
    "abandon_resume",
    "invoice",
    "export_c1",
    "manage_settings",
    "manage_users",
    "backup_restore",
)


def _rights_type(rights: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*rights, name="right", native_enum=False, create_constraint=True, length=32)


def _rebuild_with(rights: tuple[str, ...], previous: tuple[str, ...]) -> None:
    if not on_sqlite():  # the constraint altered in place
        replace_check("role_rights", "right", sa.column("right").in_(rights))
        return
    with op.batch_alter_table("role_rights", recreate="always") as batch_op:
        batch_op.alter_column(
            "right",
            existing_type=_rights_type(previous),
            type_=_rights_type(rights),
            existing_nullable=False,
        )


def upgrade() -> None:
    _rebuild_with(NEW_RIGHTS, OLD_RIGHTS)
    op.execute(
        'INSERT INTO role_rights (role_id, "right") '
        "SELECT role_id, 'edit_all_dossiers' FROM role_rights AS granted "
        "WHERE granted.\"right\" = 'view_all_dossiers' AND NOT EXISTS ("
        "SELECT 1 FROM role_rights AS other "
        "WHERE other.role_id = granted.role_id AND other.\"right\" = 'edit_all_dossiers')"
    )
    op.execute(
        'INSERT INTO role_rights (role_id, "right") '
        "SELECT roles.id, 'backup_restore' FROM roles "
        "WHERE (roles.name IN ('Administrateur', 'Responsable d''agence') OR EXISTS ("
        "SELECT 1 FROM role_rights AS settings "
        "WHERE settings.role_id = roles.id AND settings.\"right\" = 'manage_settings')) "
        "AND NOT EXISTS (SELECT 1 FROM role_rights AS other "
        "WHERE other.role_id = roles.id AND other.\"right\" = 'backup_restore')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM role_rights WHERE \"right\" IN ('edit_all_dossiers', 'backup_restore')")
    _rebuild_with(OLD_RIGHTS, NEW_RIGHTS)
