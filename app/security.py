"""Password hashing (argon2id).

Parameters follow OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): about 30 ms here,
paid once at login, never on each action.
"""

from __future__ import annotations

import hmac
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


class _Ahead:
    """One verification made ahead of the login that will ask for it (`verify_ahead`)."""

    def __init__(self, password_hash: str, password: str) -> None:
        self.password_hash, self.password = password_hash, password
        self.matches: bool | None = None  # None: not known (still running, or it failed)
        self.done = threading.Event()


_ahead: _Ahead | None = None
_ahead_lock = threading.Lock()
_asked = False  # a password was verified: too late for one made ahead


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from. The answer of a
    verification made ahead for the same hash and password is taken (waited for if it is
    still running) instead of verifying again; whatever is asked, the one made ahead is
    forgotten: it served the first login checked after it, or none."""
    global _ahead, _asked
    with _ahead_lock:
        ahead, _ahead, _asked = _ahead, None, True
    if (
        ahead is not None
        and ahead.password_hash == password_hash
        and hmac.compare_digest(ahead.password.encode(), password.encode())
    ):
        ahead.done.wait()
        if ahead.matches is not None:
            return ahead.matches
    return _verify(password_hash, password)


def verify_ahead(password_hash: str, password: str) -> None:
    """Verify now, in the calling thread (argon2 releases the GIL), the password a login is
    about to check: `verify_password` then answers at once. For a start given its login and
    password, while the GUI thread imports Qt (≈ 30 ms of argon2 taken off the first paint).
    The login itself is counted, checked and recorded as always."""
    global _ahead
    ahead = _Ahead(password_hash, password)
    with _ahead_lock:
        if _asked:  # the login was checked already (or another one): nothing left to serve
            return
        _ahead = ahead
    try:
        ahead.matches = _verify(password_hash, password)
    finally:
        ahead.done.set()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
