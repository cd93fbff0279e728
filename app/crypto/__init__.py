"""Encryption at rest: the office's keys and the cryptography itself (issue 16).

Nothing here opens a database or knows a user's row: the wing takes secrets and bytes and
gives back keys, files and messages in French. Importing this package costs nothing; its
modules import `cryptography` (10 ms) and argon2, `recovery_kit` reportlab (import it when a
kit is made).

- `keys`: `OfficeKey` (256 random bits, never typed), `derive_key` (argon2id, `KdfParams`
  stored with each wrapping), and the sub-keys by HKDF: `database_key` (the `x'…'` form of
  `PRAGMA key`), `documents_key`, `file_name_key`.
- `keyfile`: `KeyFile`, the office key wrapped per user and by the recovery key, beside the
  database (`key_file_path`); `create_key_file`, `read_key_file`, `write_key_file`,
  `update_key_file`; `to_bytes` / `from_bytes` for backups.
- `recovery`: `RecoveryKey`, its 14 groups of 4 characters, `parse_recovery_key` (tolerant,
  typos caught and located), its wrapping key.
- `documents`: `DocumentCipher` — streamed AES-256-GCM files, keyed file names, decryption to
  bytes (preview) or to a private temporary copy (system viewer).
- `recovery_kit`: `write_recovery_kit`, the one-page PDF to print.

How the next part plugs in:

1. Creating an office (`app.startup`): `create_key_file(login, password)` gives the office
   key, the recovery key and the key file; write the key file at
   `key_file_path(database)` before the database, open the database with
   `PRAGMA key = <database_key(office_key)>` as the very first statement of every connection
   (ORM engine and fast sqlite path alike), and hand `write_recovery_kit` the recovery key.
2. Login: `read_key_file(...).unlock(login, password)` → the office key, kept in memory for
   the session (the `Workspace`); `UnlockRefused` is shown like a wrong password, a
   `KeyFileError` (a `DatabaseOpenError`) like a database that cannot be opened. The
   recovery path: `parse_recovery_key(typed)` then `unlock_with_recovery`.
3. Users (`app.office.user_service`), inside the write transaction (it serialises the
   processes) and before its commit, with `update_key_file`: a new user → `with_user`; an
   administrator's reset or a user without an entry yet → `with_password`; a user's own
   change → `change_password` (checks the old one) or `with_password` with the session's key;
   a deactivation → `without_user`; a reactivation needs a reset (the entry is gone). A new
   kit → `with_new_recovery`.
4. Documents (`app.storage.documents`): the store stays below this wing; it is handed a
   `DocumentCipher(office_key)` and uses `stored_name(sha256)` for the path, `encrypt` (its
   `on_chunk` checks the first bytes, the size limit, progress and cancellation) instead of
   the copy, `head` for the check before opening, `decrypt_bytes` for the preview and
   `decrypted_copy` / `decrypt_to_file` for the system viewer; `remove_decrypted_copies`
   at start-up. The rows keep the plain sha256 (inside the encrypted database).
5. Backups: each carries `KeyFile.to_bytes()` (beside it, `key_file_path(backup)`, or inside
   it); a restore on a new computer reads it with `KeyFile.from_bytes` and unlocks with a
   password or the recovery key; `KeyFile.matches(office_key)` tells whether a backup's
   keys are this office's.
"""
