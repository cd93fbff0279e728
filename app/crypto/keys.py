"""The office key and the keys made from it.

- The office key: 256 random bits, made once when an office is created, never typed nor
  shown. It never changes: a password change re-wraps it (`keyfile`), nothing is re-encrypted.
- A password becomes a wrapping key through argon2id, with parameters stored beside each
  wrapped copy (so they can be raised later without breaking older key files).
- Every use of the office key gets its own sub-key, by HKDF-SHA256 with a distinct label:
  the SQLCipher database key, the documents key, the file-name key. One leaked sub-key
  tells nothing of the others nor of the office key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # AES-256, SQLCipher's raw key, HMAC-SHA256
SALT_BYTES = 16

# HKDF labels: one per use. Changing one makes every existing office unreadable.
_DATABASE_LABEL = b"dossia/v1/sqlcipher-database"
_DOCUMENTS_LABEL = b"dossia/v1/documents"
_FILE_NAMES_LABEL = b"dossia/v1/document-file-names"


@dataclass(frozen=True)
class OfficeKey:
    """The office's secret. Its bytes are never printed (repr) nor logged."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_BYTES:
            raise ValueError("an office key is 32 bytes")


def new_office_key() -> OfficeKey:
    return OfficeKey(secrets.token_bytes(KEY_BYTES))


@dataclass(frozen=True)
class KdfParams:
    """argon2id's cost: passes over the memory, memory in KiB, lanes."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def check(self) -> None:
        """ValueError unless the costs are ones argon2 accepts and a computer can pay (a
        crafted key file asking for 64 GiB must not bring the computer down)."""
        if not 1 <= self.parallelism <= MAX_PARALLELISM:
            raise ValueError("argon2 parallelism out of range")
        if not 8 * self.parallelism <= self.memory_kib <= MAX_MEMORY_KIB:
            raise ValueError("argon2 memory out of range")
        if not 1 <= self.time_cost <= MAX_TIME_COST:
            raise ValueError("argon2 time cost out of range")


# 64 MiB and 2 passes: above OWASP's minimums for argon2id (46 MiB and 1 pass, or 19 MiB
# and 2), the key file being what a thief with the laptop attacks offline. Measured on the
# development machine (2 shared cores, December 2026): 0.14–0.17 s, hidden behind the
# start when the password is given (`app.early`): the first paint 1.02× the plain
# office's, against 1.10× for 128 MiB, which a loaded machine pushes past 1.15×
# (bench/RESULTS.md). The cost is stored with each wrapping: a later Dossia may raise it.
# One lane: the laptops of an office may have two cores, and the start should not take both.
DEFAULT_PARAMS = KdfParams(time_cost=2, memory_kib=64 * 1024, parallelism=1)
MAX_MEMORY_KIB = 1024 * 1024
MAX_TIME_COST = 16
MAX_PARALLELISM = 8


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The 256-bit key argon2id derives from `password` (UTF-8, as typed: the caller does
    not strip it, the password hash of the login does not either)."""
    params.check()
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def hkdf(secret: bytes, label: bytes, salt: bytes | None = None) -> bytes:
    """A 256-bit sub-key of a high-entropy `secret` for the use `label` names."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=label).derive(secret)


def database_key(office_key: OfficeKey) -> str:
    """The SQLCipher key as `PRAGMA key` takes a raw key: `x'<64 hex digits>'` (no argon2
    or PBKDF2 inside SQLCipher: the key is already a key)."""
    return f"x'{hkdf(office_key.secret, _DATABASE_LABEL).hex()}'"


def documents_key(office_key: OfficeKey) -> bytes:
    """The key the documents' per-file keys come from (`app.crypto.documents`)."""
    return hkdf(office_key.secret, _DOCUMENTS_LABEL)


def file_name_key(office_key: OfficeKey) -> bytes:
    """The HMAC key that names a stored document after its content without revealing it."""
    return hkdf(office_key.secret, _FILE_NAMES_LABEL)
