"""Dossier numbers: «2026-00042» by default; the office may add a prefix («AG-2026-00042»)
and each laptop its own prefix («AG-L2-2026-00042») so that two laptops working offline
never give the same number. The format and its checks; no database here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import DomainError

MAX_NUMBER_LENGTH = 40
_PREFIX = re.compile(r"^[A-Za-z0-9]{0,10}$")


@dataclass(frozen=True)
class NumberingFormat:
    prefix: str = ""
    with_year: bool = True
    digits: int = 5

    def number(self, machine_prefix: str, year: int, sequence: int) -> str:
        parts = [p for p in (self.prefix, machine_prefix) if p]
        if self.with_year:
            parts.append(str(year))
        parts.append(f"{sequence:0{self.digits}d}")
        return "-".join(parts)

    def counter(self, machine_prefix: str, year: int) -> str:
        """Each laptop, and each year when it is in the number, counts on its own."""
        return "-".join(
            [
                "dossier",
                *(p for p in (machine_prefix,) if p),
                *([str(year)] if self.with_year else []),
            ]
        )


def check_prefix(prefix: str, field: str) -> str:
    cleaned = prefix.strip().upper()
    if not _PREFIX.match(cleaned):
        raise DomainError(
            "Préfixe : 10 lettres ou chiffres au plus, sans espace ni tiret.", field=field
        )
    return cleaned


def format_number(year: int, sequence: int) -> str:
    return NumberingFormat().number("", year, sequence)


def counter_name(year: int) -> str:
    return NumberingFormat().counter("", year)
