"""The office keys unlocked in this process, and how the storage finds them.

A user's password (or the recovery key) unwraps the office key from the key file beside
the database; it is then kept in memory for the life of the process, by its key check
(an HMAC that reveals nothing of it), and handed to the storage as the SQLCipher key of
any file whose key file has that check: the office itself, its backups, their copies. A
file of another office, or one whose keys nobody typed, stays closed (`OfficeLocked`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.crypto.documents import DocumentCipher
from app.crypto.keyfile import SUFFIX as KEY_SUFFIX
from app.crypto.keyfile import KeyFile, NewOfficeKeys, create_key_file, read_key_file
from app.crypto.keyfile import write_key_file as _write_key_file
from app.crypto.keys import DEFAULT_PARAMS, KdfParams, OfficeKey, database_key
from app.crypto.recovery import RecoveryKey, parse_recovery_key
from app.errors import DomainError, OfficeLocked
from app.storage import sqlite

_unlocked: dict[bytes, OfficeKey] = {}
_lock = threading.Lock()


def key_file_path(database: Path) -> Path:
    """The key file of the database (or backup) `database`."""
    return sqlite.key_file_of(database)


def is_encrypted(database: Path) -> bool:
    return sqlite.is_encrypted(database)


def remember(key_file: KeyFile, office_key: OfficeKey) -> None:
    """Keep `office_key` for this process: the files `key_file` keys can now be opened."""
    with _lock:
        _unlocked[key_file.key_check] = office_key
    sqlite.use_keys(_database_key, _document_names)


def forget_all() -> None:
    """Every unlocked key dropped (a test between two offices; never needed by the app)."""
    with _lock:
        _unlocked.clear()


def _database_key(database: Path) -> str | None:
    office_key = office_key_of(database)
    return None if office_key is None else database_key(office_key)


def _document_names(database: Path) -> Callable[[str], str] | None:
    office_key = office_key_of(database)
    return None if office_key is None else DocumentCipher(office_key).stored_name


def document_cipher(database: Path) -> DocumentCipher | None:
    """The cipher of the documents of the encrypted, unlocked office `database`; None for a
    plain office. OfficeLocked if it is encrypted and locked."""
    if not sqlite.has_key(database):
        return None
    return DocumentCipher(require_office_key(database))


def office_key_of(database: Path) -> OfficeKey | None:
    """The unlocked key of the encrypted `database`, None if no one unlocked it here (or
    it is plain). KeyFileError if its key file is damaged."""
    if not sqlite.has_key(database):
        return None
    key_file = read_key_file(sqlite.key_file_for(database))
    with _lock:
        return _unlocked.get(key_file.key_check)


def require_office_key(database: Path) -> OfficeKey:
    office_key = office_key_of(database)
    if office_key is None:
        raise OfficeLocked(sqlite.LOCKED_MESSAGE)
    return office_key


def unlock(database: Path, login: str, password: str) -> OfficeKey:
    """Open the key file of `database` with a user's password and keep its key;
    UnlockRefused (wrong password, or no key for this login) or KeyFileError."""
    key_file = read_key_file(key_file_path(database))
    office_key = key_file.unlock(login, password)
    remember(key_file, office_key)
    return office_key


def unlock_with_recovery(database: Path, typed: str) -> OfficeKey:
    """Open the key file of `database` with the recovery key as typed (or read from its
    file); a typo is located in the message."""
    recovery_key = parse_recovery_key(typed)
    key_file = read_key_file(key_file_path(database))
    office_key = key_file.unlock_with_recovery(recovery_key)
    remember(key_file, office_key)
    return office_key


@dataclass(frozen=True)
class NewEncryption:
    """An office being created encrypted: its key file is written, its key unlocked; the
    recovery key goes into the kit the administrator prints."""

    recovery_key: RecoveryKey
    office_id: str


def start_encrypted_office(
    database: Path,
    logins_and_passwords: list[tuple[str, str]],
    params: KdfParams = DEFAULT_PARAMS,
) -> NewEncryption:
    """Write a new office's key file beside `database` (not yet created), wrapping its key
    for each (login, password), and unlock it."""
    (login, password), *others = logins_and_passwords
    new: NewOfficeKeys = create_key_file(login, password, params=params)
    key_file = new.key_file
    for other, other_password in others:
        key_file = key_file.with_user(new.office_key, other, other_password, params=params)
    _write_key_file(key_file_path(database), key_file)
    remember(key_file, new.office_key)
    return NewEncryption(new.recovery_key, key_file.office_id)


def change_key_file(database: Path, change: Callable[[KeyFile, OfficeKey], KeyFile]) -> KeyFile:
    """Apply `change` to the key file of the (unlocked) encrypted `database` and write it;
    returns the file as it was, to put back if the change's transaction fails. Call it
    while holding the office's write lock: two processes must not interleave."""
    office_key = require_office_key(database)
    path = key_file_path(database)
    before = read_key_file(path)
    _write_key_file(path, change(before, office_key))
    return before


def keep_user_key(database: Path, login: str, password: str) -> bool:
    """After a user logged in to the unlocked encrypted `database` with `password`, the
    office's current password of theirs: their key wrapped for it if they had none (the
    office was opened with the recovery key, or a restored backup's keys predate them);
    their pending wrapping promoted if it opens (a password change whose last step a crash
    interrupted), dropped if it does not (a change that never committed). True if the key
    file changed. Call it under the office's write lock, after checking the password is
    still the current one.

    A key file that cannot be written does not stop the login (the next one tries again)."""
    office_key = office_key_of(database)
    if office_key is None:
        return False
    path = key_file_path(database)
    try:
        key_file = read_key_file(path)
        changed = key_file
        if changed.has_pending(login):  # one argon2 derivation, rare
            if changed.opens_pending(login, password):
                changed = changed.promote(login)  # their password change committed
            else:
                changed = changed.without_pending(login)
        if not changed.has_user(login):
            changed = changed.with_password(office_key, login, password)
        if changed == key_file:
            return False
        _write_key_file(path, changed)
    except (OSError, DomainError):
        return False
    return True


def change_backup_key_files(
    database: Path, folder: Path, change: Callable[[KeyFile, OfficeKey], KeyFile]
) -> list[tuple[Path, KeyFile]]:
    """The same change applied to the key files of this office's backups in `folder` (a
    deactivated user's wrapping destroyed there too, a new recovery key there too): each
    backup's keys open the same office key as the live file. Call it under the office's
    write lock, inside the change's transaction; returns each file as it was, for
    `put_back_backup_key_files` if the transaction rolls back. Best effort: a file that
    cannot be rewritten is left. Backups copied elsewhere (a USB key) keep what they had."""
    office_key = require_office_key(database)
    before: list[tuple[Path, KeyFile]] = []
    with contextlib.suppress(OSError):
        for path in sorted(folder.glob(f"*{KEY_SUFFIX}")):
            try:
                key_file = read_key_file(path)
                if not key_file.matches(office_key):
                    continue  # another office's keys (a backup restored from elsewhere)
                changed = change(key_file, office_key)
                if changed != key_file:
                    _write_key_file(path, changed)
                    before.append((path, key_file))
            except (OSError, DomainError):
                continue
    return before


def put_back_backup_key_files(before: list[tuple[Path, KeyFile]]) -> None:
    for path, key_file in before:
        with contextlib.suppress(OSError):
            _write_key_file(path, key_file)


def put_back_key_file(database: Path, key_file: KeyFile) -> None:
    _write_key_file(key_file_path(database), key_file)
