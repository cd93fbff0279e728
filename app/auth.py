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

    def reserve_attempt(
        self, account_id: int | None, now: dt.datetime, max_failures: int, lock_until: dt.datetime
    ) -> tuple[bool, bool]:
        """Count one attempt for an active account not locked at `now`, in a single atomic
        update, locking it until `lock_until` (and starting the count again) when the count
        reaches `max_failures`. Returns (counted, this attempt locked it); not counted if
        the account is unknown, inactive or locked."""
        ...

    def record_failed_login(
        self, typed_login: str, account_id: int | None, now: dt.datetime, details: str
    ) -> None:
        """Audit a refused login (`AuditAction.LOGIN_FAILED`), never the password."""
        ...

    def confirm_login(self, account_id: int) -> bool:
        """After a right password on a counted attempt: clear the failures and the lock;
        False if the account was deactivated meanwhile."""
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
    account_id = account.id if account else None
    # The attempt is counted before the password is checked: a burst of parallel attempts
    # gets MAX_FAILED_LOGINS tries, not one each.
    counted, locks = accounts.reserve_attempt(
        account_id, now, MAX_FAILED_LOGINS, now + LOCK_DURATION
    )
    # Always one verification, against a dummy hash when the attempt does not count (unknown
    # login, locked account): the same time whatever the case.
    matches = verify_password(
        account.password_hash if account and counted else DUMMY_HASH, password
    )
    if account is None or not counted or not matches:
        if account is None:
            details = "Identifiant inconnu ou désactivé"
        elif not counted:
            details = "Pendant le blocage"
        elif locks:
            until = now + LOCK_DURATION
            details = f"{MAX_FAILED_LOGINS} erreurs : connexion bloquée jusqu'à {until:%H:%M}"
        else:
            details = "Mot de passe incorrect"
        accounts.record_failed_login(
            account.login if account else _unknown_for_audit(typed), account_id, now, details
        )
        raise DomainError(BAD_CREDENTIALS, field="password")
    if not accounts.confirm_login(account.id):
        raise DomainError(BAD_CREDENTIALS, field="password")
    return CurrentUser(
        id=account.id,
        login=account.login,
        first_name=account.first_name,
        last_name=account.last_name,
        role_name=account.role_name,
        rights=accounts.rights_of(account.id),
    )


def _unknown_for_audit(login: str) -> str:
    """An unknown login, masked for the audit log: people type their password in the login
    field by mistake, and the log is read by the office's managers."""
    shown = "".join(c for c in login if c.isprintable())
    return f"{shown[:2]}… ({len(shown)} caractères, inconnu)"[:LOGIN_MAX]
