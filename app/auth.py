"""Who is using Dossia: login and the rights of the logged-in user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from app.errors import DomainError, PermissionDenied
from app.security import verify_password
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


@dataclass(frozen=True)
class StoredAccount:
    """An active user as the login check reads it."""

    id: int
    login: str
    first_name: str
    last_name: str
    role_name: str
    password_hash: str
    failed_logins: int
    locked_until: dt.datetime | None


class Accounts(Protocol):
    """What the login check needs from a storage adapter (SQLite today, PostgreSQL next)."""

    def active_account(self, login: str) -> StoredAccount | None: ...

    def record_failures(
        self, user_id: int, failures: int, locked_until: dt.datetime | None
    ) -> None: ...

    def rights_of(self, user_id: int) -> frozenset[Right]: ...


def authenticate(
    accounts: Accounts, login: str, password: str, now: dt.datetime | None = None
) -> CurrentUser:
    """Check the password of an active user; the same message whatever was wrong.

    Five wrong passwords in a row lock the login for five minutes.
    """
    now = now or dt.datetime.now()
    account = accounts.active_account(login.strip().lower())
    if account is not None and account.locked_until and account.locked_until > now:
        raise DomainError(
            "Trop de mots de passe erronés : ce compte est bloqué jusqu'à "
            f"{account.locked_until:%H:%M}. Réessayez ensuite, ou demandez à un administrateur "
            "de réinitialiser le mot de passe.",
            field="password",
        )
    if account is None or not verify_password(account.password_hash, password):
        if account is not None:
            failures = account.failed_logins + 1
            locked = now + LOCK_DURATION if failures >= MAX_FAILED_LOGINS else None
            accounts.record_failures(account.id, 0 if locked else failures, locked)
        raise DomainError(BAD_CREDENTIALS, field="password")
    if account.failed_logins or account.locked_until:
        accounts.record_failures(account.id, 0, None)
    return CurrentUser(
        id=account.id,
        login=account.login,
        first_name=account.first_name,
        last_name=account.last_name,
        role_name=account.role_name,
        rights=accounts.rights_of(account.id),
    )
