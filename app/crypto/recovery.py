"""The recovery key: the one secret a human keeps (printed in the «kit de secours»), which
unwraps the office key from any copy of the key file — beside the database or inside a
backup — when no user's password is at hand.

256 random bits and a 24-bit check, written in Crockford's base32 (no I, L, O or U: nothing
to misread) as 14 groups of 4 characters. Typed back, it is read tolerantly (spaces, dashes,
case, O for 0, I or L for 1), and a typo is caught by the check before anything is tried —
and, when one group alone can explain it, that group is named.

Its wrapping key is a plain HKDF of it: 256 random bits need no argon2 to resist guessing.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass, field

from app.crypto.keys import KEY_BYTES, hkdf
from app.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
GROUP = 4
GROUPS = 14
LENGTH = GROUP * GROUPS  # 56 characters = 280 bits = 256 of key + 24 of check
_CHECK_BYTES = 3
_CHECK_LABEL = b"dossia/v1/recovery-check"
_WRAP_LABEL = b"dossia/v1/recovery-wrap"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_VALUES.update({"O": 0, "I": 1, "L": 1})
# What a person may type between groups, or a paste may bring (dashes of any kind, spaces,
# zero-width and direction marks): left out.
_SEPARATORS = {"-", "_", ".", "/", ":"}
FIELD = "recovery_key"


@dataclass(frozen=True)
class RecoveryKey:
    """The recovery key's 256 bits. Never printed by repr; shown only by `groups()`."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_BYTES:
            raise ValueError("a recovery key is 32 bytes")

    def groups(self) -> list[str]:
        """The 14 groups of 4 characters, the last ones carrying the check."""
        text = _encode(self.secret + _check(self.secret))
        return [text[i : i + GROUP] for i in range(0, LENGTH, GROUP)]

    def text(self) -> str:
        """The key as printed: «ABCD-EFGH-…»."""
        return "-".join(self.groups())


def new_recovery_key() -> RecoveryKey:
    return RecoveryKey(secrets.token_bytes(KEY_BYTES))


def wrapping_key(recovery_key: RecoveryKey) -> bytes:
    """The AES-256 key that wraps the office key for the recovery entry of a key file."""
    return hkdf(recovery_key.secret, _WRAP_LABEL)


def parse_recovery_key(typed: str) -> RecoveryKey:
    """The recovery key a person typed or pasted, or DomainError saying what is wrong.

    Spaces, dashes and case do not matter, nor O for 0, I or L for 1; any other character
    outside the alphabet, a wrong length or a failed check is refused in French."""
    symbols = _symbols(typed)
    if len(symbols) != LENGTH:
        raise DomainError(
            f"La clé de secours compte {LENGTH} caractères ({GROUPS} groupes de {GROUP}) : "
            f"{_count(len(symbols))} saisi{'s' if len(symbols) > 1 else ''}. Recopiez-la "
            "telle qu'elle figure sur le kit de secours.",
            field=FIELD,
        )
    payload = _decode(symbols)
    secret, check = payload[:KEY_BYTES], payload[KEY_BYTES:]
    if _check(secret) != check:
        raise DomainError(_typo_message(symbols), field=FIELD)
    return RecoveryKey(secret)


def _symbols(typed: str) -> list[int]:
    symbols: list[int] = []
    for char in unicodedata.normalize("NFKC", typed).upper():
        if char.isspace() or char in _SEPARATORS or unicodedata.category(char) in ("Pd", "Cf"):
            continue
        value = _VALUES.get(char)
        if value is None:
            shown = char if char.isprintable() else f"U+{ord(char):04X}"
            raise DomainError(
                f"« {shown} » ne peut pas figurer dans une clé de secours, faite de chiffres "
                "et de lettres (jamais de U). Recopiez-la telle qu'elle figure sur le kit de "
                "secours.",
                field=FIELD,
            )
        symbols.append(value)
    return symbols


def _count(count: int) -> str:
    return "aucun" if count == 0 else str(count)


def _check(secret: bytes) -> bytes:
    return hashlib.sha256(_CHECK_LABEL + secret).digest()[:_CHECK_BYTES]


def _encode(payload: bytes) -> str:
    number = int.from_bytes(payload, "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def _decode(symbols: list[int]) -> bytes:
    number = 0
    for value in symbols:
        number = number << 5 | value
    return number.to_bytes(KEY_BYTES + _CHECK_BYTES, "big")


def _valid(symbols: list[int]) -> bool:
    payload = _decode(symbols)
    return _check(payload[:KEY_BYTES]) == payload[KEY_BYTES:]


def _typo_message(symbols: list[int]) -> str:
    groups = _groups_that_explain(symbols)
    if len(groups) == 1:
        (group,) = groups
        start = group * GROUP
        shown = "".join(ALPHABET[v] for v in symbols[start : start + GROUP])
        return (
            f"La clé de secours ne se vérifie pas : le groupe n° {group + 1} (« {shown} ») "
            "semble mal recopié. Vérifiez-le sur le kit de secours."
        )
    return (
        "La clé de secours ne se vérifie pas : un caractère au moins est mal recopié. "
        "Vérifiez chaque groupe sur le kit de secours."
    )


def _groups_that_explain(symbols: list[int]) -> set[int]:
    """The groups where one changed character, or two neighbours swapped, would make the
    key check out (about 1,800 tries: a few milliseconds)."""
    found: set[int] = set()
    for position in range(LENGTH):
        original = symbols[position]
        for value in range(len(ALPHABET)):
            if value == original:
                continue
            symbols[position] = value
            if _valid(symbols):
                found.add(position // GROUP)
        symbols[position] = original
    for position in range(LENGTH - 1):
        a, b = symbols[position], symbols[position + 1]
        if a == b:
            continue
        symbols[position], symbols[position + 1] = b, a
        if _valid(symbols):
            found.update({position // GROUP, (position + 1) // GROUP})
        symbols[position], symbols[position + 1] = a, b
    return found
