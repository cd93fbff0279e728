"""The key file: the office key, wrapped once per user and once by the recovery key, in a
small JSON file beside the database (and a copy inside each backup).

Each entry is the office key encrypted with AES-256-GCM under a wrapping key — argon2id of
the user's password (parameters and salt stored in the entry), or HKDF of the recovery key —
its associated data binding the file's office id, the kind of entry and the login: an entry
moved to another login or into another office's file no longer opens. A key check (an HMAC
of the office key, which reveals nothing of it) tells a key that belongs to this office from
one that does not, so no change can add an entry wrapping a wrong key.

`KeyFile` is a value: every change returns a new one, written by `write_key_file`
(atomically, readable by its owner only). `to_bytes` / `from_bytes` carry it in and out of
a backup.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.keys import (
    DEFAULT_PARAMS,
    KEY_BYTES,
    KdfParams,
    OfficeKey,
    derive_key,
    hkdf,
    new_office_key,
    new_salt,
)
from app.crypto.recovery import RecoveryKey, new_recovery_key, wrapping_key
from app.errors import DomainError, KeyFileError, UnlockRefused
from app.files import atomic_write

FORMAT = "dossia-office-keys"
VERSION = 1
SUFFIX = ".keys"  # as `app.storage.sqlite.KEY_FILE_SUFFIX`, which opens the files it keys
MAX_BYTES = 4 * 1024 * 1024  # a few hundred bytes per user: anything bigger is not ours
USER, RECOVERY = "user", "recovery"
# A user's new wrapping written before the transaction that changes their password commits,
# beside the old one (either opens): a crash between the two leaves no one locked out.
# `promote` makes it the user's only one once the change is committed. Wrapped exactly as a
# user entry (same associated data): promoting it needs no key.
PENDING = "user-pending"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_CHECK_LABEL = b"dossia/v1/key-check"

WRONG_PASSWORD = "Mot de passe incorrect ou clé de chiffrement absente pour cet utilisateur."
WRONG_RECOVERY_KEY = (
    "Cette clé de secours n'ouvre pas ces données : elle appartient à un autre cabinet, ou un "
    "nouveau kit de secours l'a remplacée depuis."
)


def key_file_path(database: Path) -> Path:
    """Where the key file of the database (or of a backup) `database` is: beside it."""
    return database.with_name(database.name + SUFFIX)


@dataclass(frozen=True)
class Entry:
    """One wrapped copy of the office key."""

    kind: str  # USER or RECOVERY
    login: str  # "" for the recovery entry
    nonce: bytes
    wrapped: bytes = field(repr=False)
    salt: bytes = b""  # argon2id's, for a user
    params: KdfParams | None = None  # argon2id's, for a user


@dataclass(frozen=True)
class NewOfficeKeys:
    """What a new office's encryption starts from: keep the office key in memory for the
    session, print the recovery key in the kit, write the key file."""

    office_key: OfficeKey
    recovery_key: RecoveryKey
    key_file: KeyFile


def create_key_file(
    login: str, password: str, *, params: KdfParams = DEFAULT_PARAMS
) -> NewOfficeKeys:
    """A new office's keys: a random office key, wrapped for its first administrator and
    for a new recovery key."""
    office_key, recovery_key = new_office_key(), new_recovery_key()
    empty = KeyFile(office_id=secrets.token_hex(16), key_check=_key_check(office_key), entries=())
    key_file = empty._with_recovery(office_key, recovery_key).with_user(
        office_key, login, password, params=params
    )
    return NewOfficeKeys(office_key, recovery_key, key_file)


@dataclass(frozen=True)
class KeyFile:
    """The key file's content: a random id of the office (bound into every entry), the
    office key's check value, and the entries (the recovery one first, then by login)."""

    office_id: str
    key_check: bytes
    entries: tuple[Entry, ...]

    # Reading

    def logins(self) -> list[str]:
        """The users who have a wrapped key, in order."""
        return sorted({entry.login for entry in self.entries if entry.kind in (USER, PENDING)})

    def has_user(self, login: str) -> bool:
        return self._user_entry(login) is not None or self._pending_entry(login) is not None

    def has_pending(self, login: str) -> bool:
        return self._pending_entry(login) is not None

    def matches(self, office_key: OfficeKey) -> bool:
        """Whether `office_key` is this office's key (e.g. a backup's key file against the
        unlocked one)."""
        return hmac.compare_digest(self.key_check, _key_check(office_key))

    def unlock(self, login: str, password: str) -> OfficeKey:
        """The office key, unwrapped with `login`'s password; UnlockRefused (the same message
        for an unknown login and a wrong password) or KeyFileError (damaged) otherwise."""
        entries = [e for e in (self._user_entry(login), self._pending_entry(login)) if e]
        if not entries or any(entry.params is None for entry in entries):
            # As long as a known login's try: the time taken tells nothing either.
            params = next((e.params for e in self.entries if e.params), DEFAULT_PARAMS)
            derive_key(password, new_salt(), params)
            raise UnlockRefused(WRONG_PASSWORD, field="password")
        for entry in entries:
            assert entry.params is not None
            secret = self._unwrap(entry, derive_key(password, entry.salt, entry.params))
            if secret is not None:
                return self._checked(secret)
        raise UnlockRefused(WRONG_PASSWORD, field="password")

    def opens_pending(self, login: str, password: str) -> bool:
        """Whether `password` opens `login`'s pending wrapping (their new password, whose
        change committed: time to `promote` it)."""
        entry = self._pending_entry(login)
        if entry is None or entry.params is None:
            return False
        return self._unwrap(entry, derive_key(password, entry.salt, entry.params)) is not None

    def unlock_with_recovery(self, recovery_key: RecoveryKey) -> OfficeKey:
        """The office key, unwrapped with the recovery key; UnlockRefused otherwise."""
        entry = next((e for e in self.entries if e.kind == RECOVERY), None)
        secret = None if entry is None else self._unwrap(entry, wrapping_key(recovery_key))
        if secret is None:
            raise UnlockRefused(WRONG_RECOVERY_KEY, field="recovery_key")
        return self._checked(secret)

    # Changes: each returns a new key file; `office_key` is the one the session unlocked.

    def with_user(
        self, office_key: OfficeKey, login: str, password: str, params: KdfParams = DEFAULT_PARAMS
    ) -> KeyFile:
        """The office key wrapped for a new user; refused if that login already has one."""
        if self.has_user(login):
            raise DomainError(
                f"L'utilisateur « {_login(login)} » a déjà une clé de chiffrement.", field="login"
            )
        return self.with_password(office_key, login, password, params)

    def with_password(
        self, office_key: OfficeKey, login: str, password: str, params: KdfParams = DEFAULT_PARAMS
    ) -> KeyFile:
        """`login`'s key wrapped anew for `password` (a password change, an administrator's
        reset, or a user who had none yet): the previous wrapping no longer opens."""
        self._require(office_key)
        login = _login(login)
        if not login:
            raise DomainError("Identifiant vide : aucune clé de chiffrement créée.", field="login")
        params.check()
        salt = new_salt()
        key = derive_key(password, salt, params)
        entry = self._wrap(office_key, USER, login, key, salt, params)
        return self._replacing(entry)

    def with_pending_password(
        self, office_key: OfficeKey, login: str, password: str, params: KdfParams = DEFAULT_PARAMS
    ) -> KeyFile:
        """`login`'s key wrapped for `password` beside their current wrapping (either opens)
        until `promote`: written before the password change commits."""
        wrapped = self.with_password(office_key, login, password, params)
        new = next(e for e in wrapped.entries if e.kind == USER and e.login == _login(login))
        pending = replace(new, kind=PENDING)
        others = [e for e in self.entries if (e.kind, e.login) != (PENDING, pending.login)]
        entries = sorted([*others, pending], key=lambda e: (e.kind != RECOVERY, e.login, e.kind))
        return replace(self, entries=tuple(entries))

    def promote(self, login: str) -> KeyFile:
        """`login`'s pending wrapping becomes their only one (the change committed)."""
        pending = self._pending_entry(login)
        if pending is None:
            return self
        kept = [e for e in self.entries if e.login != pending.login or e.kind == RECOVERY]
        entries = sorted(
            [*kept, replace(pending, kind=USER)], key=lambda e: (e.kind != RECOVERY, e.login)
        )
        return replace(self, entries=tuple(entries))

    def change_password(
        self, login: str, old_password: str, new_password: str, params: KdfParams | None = None
    ) -> KeyFile:
        """A user's own change: the old password must open the key first. The new wrapping
        takes today's cost (`DEFAULT_PARAMS`), whatever the old one's was."""
        office_key = self.unlock(login, old_password)
        return self.with_password(office_key, login, new_password, params or DEFAULT_PARAMS)

    def without_user(self, login: str) -> KeyFile:
        """`login`'s wrapped key destroyed (a deactivated user); nothing if there was none."""
        login = _login(login)
        kept = tuple(
            e for e in self.entries if not (e.kind in (USER, PENDING) and e.login == login)
        )
        return replace(self, entries=kept)

    def without_pending(self, login: str) -> KeyFile:
        """`login`'s pending wrapping dropped: the password change it waited for never
        committed (a crash before it); their current wrapping stays."""
        login = _login(login)
        kept = tuple(e for e in self.entries if not (e.kind == PENDING and e.login == login))
        return replace(self, entries=kept)

    def with_recovery(self, office_key: OfficeKey, recovery_key: RecoveryKey) -> KeyFile:
        """The office key wrapped for `recovery_key` (a new kit, carried to the backups'
        key files too)."""
        return self._with_recovery(office_key, recovery_key)

    def with_new_recovery(self, office_key: OfficeKey) -> tuple[KeyFile, RecoveryKey]:
        """A new recovery key (a new kit): the previous one no longer opens this file —
        it still opens the copies inside older backups."""
        recovery_key = new_recovery_key()
        return self._with_recovery(office_key, recovery_key), recovery_key

    # Bytes

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "office_id": self.office_id,
            "key_check": _b64(self.key_check),
            "entries": [_entry_json(entry) for entry in self.entries],
        }
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "") -> KeyFile:
        """The key file in `data`; KeyFileError, naming `name`, if it is not a sound one."""
        if len(data) > MAX_BYTES:
            raise _damaged(name, "taille anormale")
        return _parse(data, name)

    # Inside

    def _user_entry(self, login: str) -> Entry | None:
        login = _login(login)
        return next((e for e in self.entries if e.kind == USER and e.login == login), None)

    def _pending_entry(self, login: str) -> Entry | None:
        login = _login(login)
        return next((e for e in self.entries if e.kind == PENDING and e.login == login), None)

    def _require(self, office_key: OfficeKey) -> None:
        if not self.matches(office_key):
            raise ValueError("this office key does not belong to this key file")

    def _checked(self, secret: bytes) -> OfficeKey:
        office_key = OfficeKey(secret)
        if not self.matches(office_key):
            raise _damaged("", "la clé ne correspond pas à ce cabinet")
        return office_key

    def _aad(self, kind: str, login: str) -> bytes:
        kind = USER if kind == PENDING else kind  # a pending wrapping is a user's, in waiting
        return f"{FORMAT}/{VERSION}\x00{self.office_id}\x00{kind}\x00{login}".encode()

    def _wrap(
        self,
        office_key: OfficeKey,
        kind: str,
        login: str,
        key: bytes,
        salt: bytes = b"",
        params: KdfParams | None = None,
    ) -> Entry:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        wrapped = AESGCM(key).encrypt(nonce, office_key.secret, self._aad(kind, login))
        return Entry(kind, login, nonce, wrapped, salt, params)

    def _unwrap(self, entry: Entry, key: bytes) -> bytes | None:
        try:
            return AESGCM(key).decrypt(
                entry.nonce, entry.wrapped, self._aad(entry.kind, entry.login)
            )
        except InvalidTag:
            return None

    def _with_recovery(self, office_key: OfficeKey, recovery_key: RecoveryKey) -> KeyFile:
        self._require(office_key)
        return self._replacing(self._wrap(office_key, RECOVERY, "", wrapping_key(recovery_key)))

    def _replacing(self, new: Entry) -> KeyFile:
        others = [e for e in self.entries if (e.kind, e.login) != (new.kind, new.login)]
        entries = sorted([*others, new], key=lambda e: (e.kind != RECOVERY, e.login))
        return replace(self, entries=tuple(entries))


def read_key_file(path: Path) -> KeyFile:
    """The key file at `path`; KeyFileError (in French, naming it) if it is missing,
    unreadable, too big, damaged or from a newer Dossia."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError as error:
        raise KeyFileError(
            f"Le fichier de clés « {path.name} » est absent : impossible d'ouvrir les données "
            "chiffrées sans lui. Remettez-le à côté de la base de données, ou restaurez une "
            "sauvegarde (chacune en contient une copie) avec votre mot de passe ou la clé de "
            "secours."
        ) from error
    except OSError as error:
        raise KeyFileError(
            f"Le fichier de clés « {path.name} » ne peut pas être lu : {error.strerror or error}."
        ) from error
    return KeyFile.from_bytes(data, path.name)


def write_key_file(path: Path, key_file: KeyFile) -> None:
    """Replace the key file at `path` atomically (never half written), private (0600)."""
    data = key_file.to_bytes()
    with atomic_write(path, binary=True) as stream:
        stream.write(data)


def update_key_file(path: Path, change: Callable[[KeyFile], KeyFile]) -> KeyFile:
    """Read the key file, apply `change`, write the result; returns it. Two processes must
    not interleave: call it while holding the office's write lock."""
    changed = change(read_key_file(path))
    write_key_file(path, changed)
    return changed


def _login(login: str) -> str:
    return login.strip().lower()  # as the login check and the users' settings do


def _key_check(office_key: OfficeKey) -> bytes:
    return hkdf(office_key.secret, _CHECK_LABEL)[:16]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _entry_json(entry: Entry) -> dict[str, Any]:
    kdf: dict[str, Any] = {"name": "hkdf-sha256"}
    if entry.params is not None:
        kdf = {
            "name": "argon2id",
            "time_cost": entry.params.time_cost,
            "memory_kib": entry.params.memory_kib,
            "parallelism": entry.params.parallelism,
            "salt": _b64(entry.salt),
        }
    return {
        "kind": entry.kind,
        "login": entry.login,
        "kdf": kdf,
        "nonce": _b64(entry.nonce),
        "wrapped": _b64(entry.wrapped),
    }


def _named(name: str) -> str:
    return f" « {name} »" if name else ""


class _Malformed(Exception):
    """A part of the key file is not what this version writes."""


def _damaged(name: str, detail: str) -> KeyFileError:
    return KeyFileError(
        f"Le fichier de clés{_named(name)} est endommagé ou a été modifié hors de Dossia "
        f"({detail}) : les données chiffrées ne peuvent pas être ouvertes avec lui. Restaurez "
        "une sauvegarde (chacune en contient une copie).",
        damaged=True,
    )


def _parse(data: bytes, name: str) -> KeyFile:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _damaged(name, "ce n'est pas un fichier de clés lisible") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _damaged(name, "ce n'est pas un fichier de clés de Dossia")
    version = document.get("version")
    if type(version) is int and version > VERSION:
        raise KeyFileError(
            f"Le fichier de clés{_named(name)} a été écrit par une version plus récente de "
            "Dossia : mettez Dossia à jour pour ouvrir ces données."
        )
    try:
        if version != VERSION:
            raise _Malformed("version")
        office_id = _text(document, "office_id")
        if len(office_id) != 32 or any(c not in "0123456789abcdef" for c in office_id):
            raise _Malformed("office_id")
        key_check = _bytes(document, "key_check", 16)
        entries = document.get("entries")
        if not isinstance(entries, list):
            raise _Malformed("entries")
        parsed = tuple(_parse_entry(item) for item in entries)
    except _Malformed as error:
        raise _damaged(name, f"champ « {error} » invalide") from error
    kinds = [(entry.kind, entry.login) for entry in parsed]
    if len(set(kinds)) != len(kinds) or kinds.count((RECOVERY, "")) != 1:
        raise _damaged(name, "entrées en double ou clé de secours manquante")
    return KeyFile(office_id, key_check, parsed)


def _parse_entry(item: object) -> Entry:
    if not isinstance(item, dict):
        raise _Malformed("entries")
    kind, login = _text(item, "kind"), _text(item, "login")
    nonce = _bytes(item, "nonce", _NONCE_BYTES)
    wrapped = _bytes(item, "wrapped", KEY_BYTES + _TAG_BYTES)
    kdf = item.get("kdf")
    if not isinstance(kdf, dict):
        raise _Malformed("kdf")
    if kind == RECOVERY and not login and kdf.get("name") == "hkdf-sha256":
        return Entry(kind, login, nonce, wrapped)
    if (
        kind not in (USER, PENDING)
        or login != _login(login)
        or not login
        or kdf.get("name") != "argon2id"
    ):
        raise _Malformed("kind")
    params = KdfParams(_int(kdf, "time_cost"), _int(kdf, "memory_kib"), _int(kdf, "parallelism"))
    try:
        params.check()
    except ValueError as error:
        raise _Malformed("kdf") from error
    salt = _bytes(kdf, "salt", None)
    if not 8 <= len(salt) <= 64:
        raise _Malformed("salt")
    return Entry(kind, login, nonce, wrapped, salt, params)


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise _Malformed(key)
    return value


def _int(item: dict[str, Any], key: str) -> int:
    value = item.get(key)
    if type(value) is not int:
        raise _Malformed(key)
    return value


def _bytes(item: dict[str, Any], key: str, size: int | None) -> bytes:
    try:
        value = base64.b64decode(_text(item, key), validate=True)
    except (binascii.Error, ValueError) as error:
        raise _Malformed(key) from error
    if size is not None and len(value) != size:
        raise _Malformed(key)
    return value
