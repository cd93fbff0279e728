"""The login check's data on SQLite (`app.auth.Accounts`), on the start-up connection:
logging in needs no SQLAlchemy."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator

from app.auth import StoredAccount
from app.errors import StorageError
from app.storage import driver
from models.enums import AuditAction, Right


def _stored(moment: dt.datetime | None) -> str | None:
    """A datetime as the ORM stores it on SQLite."""
    return moment.isoformat(sep=" ", timespec="microseconds") if moment else None


class SqliteAccounts:
    def __init__(self, connection: driver.Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()  # one transaction at a time on the shared connection

    def active_account(self, login: str) -> StoredAccount | None:
        row = self._connection.execute(
            "SELECT u.id, u.login, u.first_name, u.last_name, r.name, u.password_hash, "
            "u.failed_logins, u.locked_until "
            "FROM users AS u JOIN roles AS r ON r.id = u.role_id "
            "WHERE u.login = ? AND u.is_active",
            (login,),
        ).fetchone()
        if row is None:
            return None
        return StoredAccount(
            id=row[0],
            login=row[1],
            first_name=row[2],
            last_name=row[3],
            role_name=row[4],
            password_hash=row[5],
            failed_logins=row[6],
            locked_until=dt.datetime.fromisoformat(row[7]) if row[7] else None,
        )

    def reserve_attempt(
        self, account_id: int | None, now: dt.datetime, max_failures: int, lock_until: dt.datetime
    ) -> tuple[bool, bool]:
        # One statement counts the attempt, before the password is even looked at: parallel
        # attempts each take one of the `max_failures` tries, and the one that reaches the
        # limit locks the account for the ones after it. The same statement runs for an
        # unknown login (no row matches): the time taken tells nothing.
        with self._transaction() as connection:
            counted = connection.execute(
                "UPDATE users SET "
                "failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 "
                "ELSE failed_logins + 1 END, "
                "locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END "
                "WHERE id = ? AND is_active AND (locked_until IS NULL OR locked_until <= ?) "
                "RETURNING locked_until",
                (max_failures, max_failures, _stored(lock_until), account_id, _stored(now)),
            ).fetchall()
        return bool(counted), bool(counted) and counted[0][0] == _stored(lock_until)

    def record_failed_login(
        self, typed_login: str, account_id: int | None, now: dt.datetime, details: str
    ) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO audit_events "
                "(at, user_id, user_login, action, dossier_id, dossier_number, details) "
                "VALUES (?, ?, ?, ?, NULL, NULL, ?)",
                (
                    _stored(now.replace(microsecond=0)),
                    account_id,
                    typed_login,
                    AuditAction.LOGIN_FAILED.value,
                    details,
                ),
            )

    def confirm_login(self, account_id: int) -> bool:
        with self._transaction() as connection:
            cleared = connection.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL "
                "WHERE id = ? AND is_active",
                (account_id,),
            ).rowcount
        return cleared == 1

    def write_lock(self) -> contextlib.AbstractContextManager[driver.Connection]:
        """A write transaction on the start-up connection, held for the block."""
        return self._transaction()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[driver.Connection]:
        """A write transaction on the start-up connection (autocommit otherwise)."""
        connection = self._connection
        with self._lock:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except driver.Error as error:
                raise _storage_error(error) from error
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException as error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                if isinstance(error, driver.Error):
                    raise _storage_error(error) from error
                raise

    def rights_of(self, user_id: int) -> frozenset[Right]:
        return frozenset(
            Right(value)
            for (value,) in self._connection.execute(
                "SELECT rr.right FROM role_rights AS rr JOIN users AS u ON u.role_id = rr.role_id "
                "WHERE u.id = ?",
                (user_id,),
            )
        )


def _storage_error(error: driver.Error) -> StorageError:
    return StorageError(
        "La base de données est occupée ou en lecture seule : la connexion n'a pas pu être "
        f"vérifiée ({error}). Réessayez dans un instant."
    )
