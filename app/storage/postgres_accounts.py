"""The login check's data on a PostgreSQL server (`app.auth.Accounts`): the statements of
`app.storage.sqlite_accounts`, each in a transaction of the server database's own (a write
one, serialised with the other writers, for those that write)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from app.auth import StoredAccount
from app.storage.database import Database
from models.enums import AuditAction, Right


class ServerAccounts:
    def __init__(self, database: Database) -> None:
        self._database = database

    def active_account(self, login: str) -> StoredAccount | None:
        with self._database.read() as session:
            row = session.execute(
                text(
                    "SELECT u.id, u.login, u.first_name, u.last_name, r.name, u.password_hash, "
                    "u.failed_logins, u.locked_until "
                    "FROM users AS u JOIN roles AS r ON r.id = u.role_id "
                    "WHERE u.login = :login AND u.is_active"
                ),
                {"login": login},
            ).first()
        if row is None:
            return None
        return StoredAccount(*row)

    def reserve_attempt(
        self, account_id: int | None, now: dt.datetime, max_failures: int, lock_until: dt.datetime
    ) -> tuple[bool, bool]:
        # One statement counts the attempt (see SqliteAccounts.reserve_attempt): a row is
        # locked by its UPDATE, so parallel attempts each take one of the tries.
        counted = self._write(
            "UPDATE users SET "
            "failed_logins = CASE WHEN failed_logins + 1 >= :most THEN 0 "
            "ELSE failed_logins + 1 END, "
            "locked_until = CASE WHEN failed_logins + 1 >= :most THEN :until "
            "ELSE locked_until END "
            "WHERE id = :id AND is_active AND (locked_until IS NULL OR locked_until <= :now) "
            "RETURNING locked_until",
            most=max_failures,
            until=lock_until,
            id=account_id,
            now=now,
        )
        return bool(counted), bool(counted) and counted[0][0] == lock_until

    def record_failed_login(
        self, typed_login: str, account_id: int | None, now: dt.datetime, details: str
    ) -> None:
        self._write(
            "INSERT INTO audit_events "
            "(at, user_id, user_login, action, dossier_id, dossier_number, details) "
            "VALUES (:at, :id, :login, :action, NULL, NULL, :details)",
            at=now.replace(microsecond=0),
            id=account_id,
            login=typed_login,
            action=AuditAction.LOGIN_FAILED.value,
            details=details,
        )

    def confirm_login(self, account_id: int) -> bool:
        cleared = self._write(
            "UPDATE users SET failed_logins = 0, locked_until = NULL "
            "WHERE id = :id AND is_active RETURNING id",
            id=account_id,
        )
        return len(cleared) == 1

    def rights_of(self, user_id: int) -> frozenset[Right]:
        with self._database.read() as session:
            rows = session.execute(
                text(
                    'SELECT rr."right" FROM role_rights AS rr '
                    "JOIN users AS u ON u.role_id = rr.role_id WHERE u.id = :id"
                ),
                {"id": user_id},
            )
            return frozenset(Right(value) for (value,) in rows)

    def _write(self, statement: str, **values: object) -> list[tuple]:
        with self._database.write() as session:
            result = session.connection().execute(text(statement), values)
            return [tuple(row) for row in result] if result.returns_rows else []
