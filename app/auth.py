"""Who is using Dossia: login and the rights of the logged-in user."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from app.errors import DomainError, PermissionDenied
from models.enums import Right

BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."
MAX_FAILED_LOGINS = 5
LOCK_DURATION = dt.timedelta(minutes=5)


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


def _stored(moment: dt.datetime | None) -> str | None:
    """A datetime as the ORM stores it on SQLite."""
    return moment.isoformat(sep=" ", timespec="microseconds") if moment else None


def has_users(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def authenticate(
    connection: sqlite3.Connection, login: str, password: str, now: dt.datetime | None = None
) -> CurrentUser:
    """Check the password of an active user; the same message whatever was wrong.

    Five wrong passwords in a row lock the login for five minutes.
    """
    from app.security import verify_password

    now = now or dt.datetime.now()
    row = connection.execute(
        "SELECT u.id, u.login, u.first_name, u.last_name, r.name, u.password_hash, "
        "u.failed_logins, u.locked_until "
        "FROM users AS u JOIN roles AS r ON r.id = u.role_id "
        "WHERE u.login = ? AND u.is_active",
        (login.strip().lower(),),
    ).fetchone()
    if row is not None and row[7] and dt.datetime.fromisoformat(row[7]) > now:
        until = dt.datetime.fromisoformat(row[7])
        raise DomainError(
            f"Trop de mots de passe erronés : ce compte est bloqué jusqu'à {until:%H:%M}. "
            "Réessayez ensuite, ou demandez à un administrateur de réinitialiser le mot de passe.",
            field="password",
        )
    if row is None or not verify_password(row[5], password):
        if row is not None:
            failures = row[6] + 1
            locked = now + LOCK_DURATION if failures >= MAX_FAILED_LOGINS else None
            connection.execute(
                "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                (0 if locked else failures, _stored(locked), row[0]),
            )
        raise DomainError(BAD_CREDENTIALS, field="password")
    if row[6] or row[7]:
        connection.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", (row[0],)
        )
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
