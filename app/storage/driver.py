"""The SQLite driver of every office: sqlcipher3, SQLite 3.53 built with SQLCipher 4.

It has the standard library's sqlite3 interface — its names are typed with sqlite3's — so
plain and encrypted offices are opened, queried and fail alike, with the same SQLite
everywhere (the start-up path, the ORM, backups, restores). A plain file is an ordinary
SQLite file; an encrypted one is opened with `PRAGMA key` as its first statement
(`app.storage.sqlite.open_file`). Importing it costs ≈ 5 ms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3 as module
    from sqlite3 import (
        Connection,
        DatabaseError,
        Error,
        IntegrityError,
        OperationalError,
        connect,
        sqlite_version,
    )
else:
    from sqlcipher3 import dbapi2 as module

    Connection = module.Connection
    # The format of an encrypted office: SQLCipher 4's, but each page authenticated by
    # HMAC-SHA256 instead of SHA-512 (twice as fast where the processor hashes SHA-256 in
    # hardware: a backup of 100,000 dossiers takes 1.5 s less). A process-wide default,
    # taken by every keyed connection and attached database; set once, here.
    with module.connect(":memory:") as _defaults:
        _defaults.execute("PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256")
        # A page that fails its check raises an error we say in French; SQLCipher's own
        # English log lines on the terminal would only confuse.
        _defaults.execute("PRAGMA cipher_log_level = NONE")
    _defaults.close()
    del _defaults
    DatabaseError = module.DatabaseError
    Error = module.Error
    IntegrityError = module.IntegrityError
    OperationalError = module.OperationalError
    connect = module.connect
    sqlite_version = module.sqlite_version

__all__ = [
    "Connection",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "OperationalError",
    "connect",
    "module",
    "sqlite_version",
]
