"""Profiles («profils»): named sets of rights, editable and duplicable (administrators)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.errors import DomainError, NotFound
from app.office.office import check_rights
from app.office.permissions import write_as
from app.storage.database import Database
from app.validation import clean_text
from models.enums import AuditAction, Right
from models.office import Role, RoleRight, User


@dataclass(frozen=True)
class RoleRow:
    id: int
    name: str
    rights: frozenset[Right]
    users: int


class RoleService:
    """The screens follow a profile's changes at each user's next login; a right withdrawn
    (or an account deactivated) stops that user's next write at once
    (`app.office.permissions`)."""

    def __init__(self, database: Database, user: CurrentUser) -> None:
        self._db = database
        self._user = user

    def roles(self) -> list[RoleRow]:
        self._user.require(Right.MANAGE_USERS)
        with self._db.read() as session:
            counts = dict(
                session.execute(
                    select(User.role_id, func.count()).where(User.is_active).group_by(User.role_id)
                ).all()
            )
            return [
                RoleRow(r.id, r.name, frozenset(x.right for x in r.rights), counts.get(r.id, 0))
                for r in session.scalars(select(Role).order_by(Role.id))
            ]

    def create_role(self, name: str, rights: frozenset[Right]) -> list[RoleRow]:
        cleaned = self._name(name)
        check_rights(rights)
        with self._write() as session:
            self._unique(session, cleaned)
            session.add(Role(name=cleaned, rights=[RoleRight(right=r) for r in sorted(rights)]))
            audit.record(
                session, self._user, AuditAction.USER_CHANGED, details=f"Profil « {cleaned} » créé"
            )
        return self.roles()

    def duplicate_role(self, role_id: int) -> list[RoleRow]:
        with self._db.read() as session:
            source = self._role(session, role_id)
            name, rights = source.name, frozenset(x.right for x in source.rights)
        copy = f"{name} (copie)"
        existing = {r.name for r in self.roles()}
        index = 2
        while copy in existing:
            copy, index = f"{name} (copie {index})", index + 1
        return self.create_role(copy, rights)

    def update_role(self, role_id: int, name: str, rights: frozenset[Right]) -> list[RoleRow]:
        cleaned = self._name(name)
        check_rights(rights)
        with self._write() as session:
            role = self._role(session, role_id)
            self._unique(session, cleaned, role.id)
            role.name = cleaned
            for granted in [x for x in role.rights if x.right not in rights]:
                role.rights.remove(granted)
            session.flush()  # deletions first: (role, right) is unique
            present = {x.right for x in role.rights}
            role.rights.extend(RoleRight(right=r) for r in sorted(rights) if r not in present)
            session.flush()
            managers = session.scalar(
                select(func.count(User.id.distinct()))
                .join(RoleRight, RoleRight.role_id == User.role_id)
                .where(User.is_active, RoleRight.right == Right.MANAGE_USERS)
            )
            if not managers:
                raise DomainError(
                    "Au moins un utilisateur actif doit garder le droit « Gérer les utilisateurs ».",
                    field="rights",
                )
            audit.record(
                session,
                self._user,
                AuditAction.USER_CHANGED,
                details=f"Profil « {cleaned} » : {', '.join(r.label for r in sorted(rights)) or 'aucun droit'}"[
                    :500
                ],
            )
        return self.roles()

    def _write(self):
        return write_as(self._db, self._user, Right.MANAGE_USERS)

    def _name(self, name: str) -> str:
        return clean_text(
            name,
            "name",
            "Nom du profil",
            80,
            required=True,
            required_message="Donnez un nom au profil (80 caractères au plus).",
            too_long_message="Donnez un nom au profil (80 caractères au plus).",
        )

    def _unique(self, session: Session, name: str, role_id: int | None = None) -> None:
        other = session.scalar(select(Role.id).where(Role.name == name))
        if other is not None and other != role_id:
            raise DomainError(f"Le profil « {name} » existe déjà.", field="name")

    def _role(self, session: Session, role_id: int) -> Role:
        role = session.get(Role, role_id)
        if role is None:
            raise NotFound("Ce profil n'existe plus.")
        return role
