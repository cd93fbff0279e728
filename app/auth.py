"""Who is using Dossia: login and the rights of the logged-in user."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.errors import DomainError, PermissionDenied
from models.enums import Right

BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."


@dataclass(frozen=True)
class CurrentUser:
    id: int
    login: str
    first_name: str
    last_name: str
    role_name: str
    rights: frozenset[Right]

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def can(self, right: Right) -> bool:
        return right in self.rights

    def require(self, right: Right) -> None:
        """Refuse the command unless the user's role grants `right`."""
        if right not in self.rights:
            raise PermissionDenied(
                f"Votre profil « {self.role_name} » ne permet pas cette action "
                f"({right.label.lower()})."
            )


def has_users(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def authenticate(connection: sqlite3.Connection, login: str, password: str) -> CurrentUser:
    """Check the password of an active user; the same message whatever was wrong."""
    from app.security import verify_password

    row = connection.execute(
        "SELECT u.id, u.login, u.first_name, u.last_name, r.name, u.password_hash "
        "FROM users AS u JOIN roles AS r ON r.id = u.role_id "
        "WHERE u.login = ? AND u.is_active",
        (login.strip().lower(),),
    ).fetchone()
    if row is None or not verify_password(row[5], password):
        raise DomainError(BAD_CREDENTIALS, field="password")
    rights = frozenset(
        Right(value)
        for (value,) in connection.execute(
            "SELECT rr.right FROM role_rights AS rr JOIN users AS u ON u.role_id = rr.role_id "
            "WHERE u.id = ?",
            (row[0],),
        )
    )
    return CurrentUser(
        id=row[0],
        login=row[1],
        first_name=row[2],
        last_name=row[3],
        role_name=row[4],
        rights=rights,
    )
