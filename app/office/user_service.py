"""Users of the office: create, edit, deactivate, passwords (rights checked here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.crypto.keyfile import KeyFile, key_file_path, read_key_file
from app.crypto.keys import OfficeKey
from app.crypto.unlocked import (
    change_backup_key_files,
    change_key_file,
    is_encrypted,
    put_back_backup_key_files,
    put_back_key_file,
)
from app.errors import DomainError, NotFound
from app.office.office import Choice, NewUser, check_password, user_names, validate_new_user
from app.office.permissions import write_as
from app.security import hash_password, verify_password
from app.storage.database import Database, on_failure
from models.dossier import Dossier
from models.enums import AuditAction, Right
from models.office import Role, User


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    first_name: str
    last_name: str
    role: Choice
    is_broker: bool
    is_active: bool
    dossiers: int

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class UserService:
    def __init__(self, database: Database, user: CurrentUser) -> None:
        self._db = database
        self._user = user

    def users(self) -> list[UserRow]:
        self._user.require(Right.MANAGE_USERS)
        with self._db.read() as session:
            counts = dict(
                session.execute(
                    select(Dossier.owner_id, func.count()).group_by(Dossier.owner_id)
                ).all()
            )
            rows = session.scalars(
                select(User).order_by(User.is_active.desc(), User.last_name, User.first_name)
            )
            return [
                UserRow(
                    u.id,
                    u.login,
                    u.first_name,
                    u.last_name,
                    Choice(u.role.id, u.role.name),
                    u.is_broker,
                    u.is_active,
                    counts.get(u.id, 0),
                )
                for u in rows
            ]

    def roles(self) -> list[Choice]:
        """The profiles a user may be given (user management only)."""
        self._user.require(Right.MANAGE_USERS)
        with self._db.read() as session:
            return [Choice(r.id, r.name) for r in session.scalars(select(Role).order_by(Role.id))]

    def create_user(self, new: NewUser, role_id: int) -> list[UserRow]:
        self._user.require(Right.MANAGE_USERS)
        validate_new_user(new)
        login = new.login.strip().lower()
        first_name, last_name = user_names(new.first_name, new.last_name)
        with write_as(self._db, self._user, Right.MANAGE_USERS) as session:
            if session.scalar(select(User.id).where(User.login == login)) is not None:
                raise DomainError(f"L'identifiant « {login} » est déjà utilisé.", field="login")
            user = User(
                login=login,
                first_name=first_name,
                last_name=last_name,
                role=self._role(session, role_id),
                password_hash=hash_password(new.password),
                is_active=True,
                is_broker=new.is_broker,
                failed_logins=0,
            )
            session.add(user)
            audit.record(
                session, self._user, AuditAction.USER_CREATED, details=f"{login} ({user.role.name})"
            )
            self._change_keys(session, lambda keys, key: keys.with_user(key, login, new.password))
        return self.users()

    def update_user(
        self, user_id: int, first_name: str, last_name: str, role_id: int, is_broker: bool
    ) -> list[UserRow]:
        self._user.require(Right.MANAGE_USERS)
        first_name, last_name = user_names(first_name, last_name)
        with write_as(self._db, self._user, Right.MANAGE_USERS) as session:
            user = self._target(session, user_id)
            role = self._role(session, role_id)
            if user.id == self._user.id and Right.MANAGE_USERS not in {
                r.right for r in role.rights
            }:
                raise DomainError(
                    "Vous ne pouvez pas vous retirer le droit de gérer les utilisateurs.",
                    field="role",
                )
            user.first_name, user.last_name = first_name, last_name
            user.role, user.is_broker = role, bool(is_broker)
            audit.record(
                session, self._user, AuditAction.USER_CHANGED, details=f"{user.login} : {role.name}"
            )
        return self.users()

    def set_active(self, user_id: int, active: bool) -> list[UserRow]:
        """Deactivate (never delete: their dossiers and history keep their name) or reactivate."""
        self._user.require(Right.MANAGE_USERS)
        with write_as(self._db, self._user, Right.MANAGE_USERS) as session:
            user = self._target(session, user_id)
            if user.id == self._user.id and not active:
                raise DomainError("Vous ne pouvez pas désactiver votre propre compte.")
            user.is_active = bool(active)
            state = "réactivé" if active else "désactivé"
            audit.record(
                session, self._user, AuditAction.USER_CHANGED, details=f"{user.login} {state}"
            )
            login = user.login
            if not active:  # their wrapped key destroyed: their password opens nothing now,
                # neither here nor in this computer's backups (the same office key)
                self._change_keys(
                    session, lambda keys, _key: keys.without_user(login), backups=True
                )
            elif self._encrypted and not self._has_key(login):
                raise DomainError(
                    f"Les données du cabinet sont chiffrées et la clé de « {login} » a été "
                    "détruite à sa désactivation : donnez-lui d'abord un nouveau mot de passe "
                    "(« Réinitialiser le mot de passe »), puis réactivez son compte."
                )
        return self.users()

    def reset_password(self, user_id: int, password: str) -> None:
        self._user.require(Right.MANAGE_USERS)
        check_password(password)
        with write_as(self._db, self._user, Right.MANAGE_USERS) as session:
            user = self._target(session, user_id)
            user.password_hash = hash_password(password)
            user.failed_logins, user.locked_until = 0, None
            audit.record(session, self._user, AuditAction.PASSWORD_RESET, details=user.login)
            login = user.login
            self._change_keys(
                session, lambda keys, key: keys.with_pending_password(key, login, password)
            )
        self._promote(login)

    def change_own_password(self, current: str, new: str, confirm: str) -> None:
        """Any user, for themselves: the current password is asked again."""
        if new != confirm:
            raise DomainError("Les deux mots de passe ne sont pas identiques.", field="confirm")
        check_password(new)
        with write_as(self._db, self._user) as session:  # still active
            user = self._target(session, self._user.id)
            if not verify_password(user.password_hash, current):
                raise DomainError("Le mot de passe actuel est incorrect.", field="current")
            user.password_hash = hash_password(new)
            audit.record(session, self._user, AuditAction.PASSWORD_CHANGED, details=user.login)
            login = user.login
            self._change_keys(
                session, lambda keys, key: keys.with_pending_password(key, login, new)
            )
        self._promote(login)

    @property
    def _encrypted(self) -> bool:
        return is_encrypted(self._db.paths.database)

    def _has_key(self, login: str) -> bool:
        return read_key_file(key_file_path(self._db.paths.database)).has_user(login)

    def _change_keys(
        self,
        session: Session,
        change: Callable[[KeyFile, OfficeKey], KeyFile],
        backups: bool = False,
    ) -> None:
        """An encrypted office: its key file (and, if `backups`, its backups' key files)
        changed with its users, at the end of the transaction (whose write lock serialises
        the processes); put back as they were if the transaction then rolls back."""
        database = self._db.paths.database
        if not is_encrypted(database):
            return
        session.flush()  # the write lock taken
        before = change_key_file(database, change)
        on_failure(session, lambda: put_back_key_file(database, before))
        if backups:
            in_backups = change_backup_key_files(database, self._db.paths.backups, change)
            on_failure(session, lambda: put_back_backup_key_files(in_backups))

    def _promote(self, login: str) -> None:
        """The change committed: the user's new wrapping becomes their only one (under the
        write lock again). A crash before this leaves both, either opening; the user's next
        login with the new password promotes it then."""
        if not self._encrypted:
            return
        with self._db.write() as session:
            session.execute(select(1))  # the write lock taken
            change_key_file(self._db.paths.database, lambda keys, _key: keys.promote(login))

    def _target(self, session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Cet utilisateur n'existe plus.")
        return user

    def _role(self, session: Session, role_id: int | None) -> Role:
        role = session.get(Role, role_id) if role_id is not None else None
        if role is None:
            raise DomainError("Choisissez un profil.", field="role")
        return role
