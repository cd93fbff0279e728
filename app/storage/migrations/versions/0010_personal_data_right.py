"""personal data right

«Données personnelles (RGPD)» lets its holder export everything the office holds about a
person, erase a person from a dossier, and purge the abandoned dossiers kept past their
retention. It goes to the profiles that already see and edit every dossier and manage the
office (named «Administrateur» or «Responsable d'agence», or managing the settings).

The rights column keeps its CHECK constraint: the table is rebuilt with the new list.

Revision ID: 0010_personal_data_right
Revises: 0009_edit_all_and_backup_rights
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.storage.migrations.dialects import on_sqlite, replace_check

revision = "0010_personal_data_right"
down_revision = "0009_edit_all_and_backup_rights"
branch_labels = None
depends_on = None

OLD_RIGHTS = (
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
NEW_RIGHTS = (*OLD_RIGHTS, "personal_data")


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


def _has(right: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM role_rights AS granted WHERE granted.role_id = roles.id "
        f"AND granted.\"right\" = '{right}')"
    )


def upgrade() -> None:
    _rebuild_with(NEW_RIGHTS, OLD_RIGHTS)
    op.execute(
        'INSERT INTO role_rights (role_id, "right") '
        "SELECT roles.id, 'personal_data' FROM roles "
        "WHERE (roles.name IN ('Administrateur', 'Responsable d''agence') "
        f"OR {_has('manage_settings')}) "
        f"AND {_has('view_all_dossiers')} AND {_has('edit_all_dossiers')} "
        f"AND NOT {_has('personal_data')}"
    )


def downgrade() -> None:
    op.execute("DELETE FROM role_rights WHERE \"right\" = 'personal_data'")
    _rebuild_with(OLD_RIGHTS, NEW_RIGHTS)
