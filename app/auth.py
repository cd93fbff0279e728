"""Who is using Dossia: login and the rights of the logged-in user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from app.errors import DomainError, PermissionDenied
from app.security import verify_password
from models.enums import Right

# The same answer for an unknown login, a wrong password and a locked account, so that it
# tells nothing about which logins exist; the lock is announced to everyone alike.
BAD_CREDENTIALS = (
    "Identifiant ou mot de passe incorrect. Après cinq essais erronés, la connexion est "
    "suspendue pendant cinq minutes."
)
MAX_FAILED_LOGINS = 5
LOCK_DURATION = dt.timedelta(minutes=5)
LOGIN_MAX = 80  # the audit log keeps at most this much of a login typed

# An argon2id hash of a password nobody has, with the parameters of `app.security`: an
# unknown login is checked against it, so that it takes as long as a known one (a test
# checks the parameters still match).
DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$XBVGxnXSVMmYhnGFbT3pzg$"
    "YDl0hXWmLkd8hyDGwkzVC0i6S92qE2TC/qvbdb9EYw8"
)


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

    def record_failed_login(
        self,
        typed_login: str,
        account_id: int | None,
        now: dt.datetime,
        max_failures: int,
        lock_until: dt.datetime,
    ) -> None:
        """In one transaction: audit the refusal (`AuditAction.LOGIN_FAILED`, the login as
        typed, never the password); and for a known account not locked at `now`, add one
        to its failures in a single atomic update, locking it until `lock_until` (and
        starting the count again) when they reach `max_failures`."""
        ...

    def confirm_login(self, account_id: int, now: dt.datetime) -> bool:
        """After a right password: False if the account was deactivated or locked meanwhile
        (a parallel attempt); else its failures are cleared."""
        ...

    def rights_of(self, user_id: int) -> frozenset[Right]: ...


def authenticate(
    accounts: Accounts, login: str, password: str, now: dt.datetime | None = None
) -> CurrentUser:
    """Check the password of an active user; the same answer whatever was wrong.

    Five wrong passwords in a row lock the login for five minutes. Nothing tells an unknown
    login, a deactivated one, a wrong password or a locked account apart, neither the message
    nor the time taken (one argon2 verification each, one write each): otherwise the login
    screen would tell who works at the office. A locked account answers «incorrect» even to
    its right password (OWASP's advice), so the lock gives no password oracle either; the
    user waits five minutes or asks an administrator, whose reset of the password unlocks it,
    and the audit log shows every refusal.
    """
    now = now or dt.datetime.now()
    typed = login.strip().lower()
    account = accounts.active_account(typed)
    # Always one verification, against a dummy hash for an unknown login: the same time.
    matches = verify_password(account.password_hash if account else DUMMY_HASH, password)
    locked = account is not None and account.locked_until is not None and account.locked_until > now
    if account is None or locked or not matches:
        accounts.record_failed_login(
            _typed_for_audit(typed),
            account.id if account else None,
            now,
            MAX_FAILED_LOGINS,
            now + LOCK_DURATION,
        )
        raise DomainError(BAD_CREDENTIALS, field="password")
    if not accounts.confirm_login(account.id, now):
        raise DomainError(BAD_CREDENTIALS, field="password")
    return CurrentUser(
        id=account.id,
        login=account.login,
        first_name=account.first_name,
        last_name=account.last_name,
        role_name=account.role_name,
        rights=accounts.rights_of(account.id),
    )


def _typed_for_audit(login: str) -> str:
    """A login as typed, fit for the audit log: printable characters, LOGIN_MAX at most."""
    return "".join(c for c in login if c.isprintable())[:LOGIN_MAX]
