"""The login check's data on SQLite (`app.auth.Accounts`), on the start-up connection:
logging in needs no SQLAlchemy."""

from __future__ import annotations

import datetime as dt
import sqlite3

from app.auth import StoredAccount
from models.enums import Right


def _stored(moment: dt.datetime | None) -> str | None:
    """A datetime as the ORM stores it on SQLite."""
    return moment.isoformat(sep=" ", timespec="microseconds") if moment else None


class SqliteAccounts:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

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

    def record_failures(
        self, user_id: int, failures: int, locked_until: dt.datetime | None
    ) -> None:
        self._connection.execute(
            "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
            (failures, _stored(locked_until), user_id),
        )

    def rights_of(self, user_id: int) -> frozenset[Right]:
        return frozenset(
            Right(value)
            for (value,) in self._connection.execute(
                "SELECT rr.right FROM role_rights AS rr JOIN users AS u ON u.role_id = rr.role_id "
                "WHERE u.id = ?",
                (user_id,),
            )
        )
