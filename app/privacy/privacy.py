"""The rules of the persons' rights, without a database: who is the same person, how a
person's mentions are erased from free text, when an abandoned dossier is due for purge.

Invoices, once they exist (app/invoicing/), are kept whatever is erased here: accounting
law keeps them ten years, with the names as printed on them.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

from app.errors import DomainError
from app.text import fold

# Mentions of an erased person in free text (comments, the notepad, details) become this.
REDACTED = "[personne effacée]"

RETENTION_DEFAULT_YEARS = 3
RETENTION_MIN_YEARS = 1
RETENTION_MAX_YEARS = 10


@dataclass(frozen=True)
class PersonKeys:
    """What identifies a person across the office's dossiers."""

    first_name: str
    last_name: str
    birth_date: dt.date | None = None
    email: str = ""
    phone: str = ""

    def same_person(self, other: PersonKeys) -> bool:
        """The same person in another dossier: the same folded first and last names, and the
        same birth date when both are known, or the same e-mail address.

        Names alone are not enough when both birth dates are known and differ (two Marie
        Martin); a shared e-mail is (a person re-typed with a typo in the name)."""
        if self.email and fold(self.email) == fold(other.email):
            return True
        if not self.last_name or fold(self.last_name) != fold(other.last_name):
            return False
        if fold(self.first_name) != fold(other.first_name):
            return False
        return (
            self.birth_date is None
            or other.birth_date is None
            or (self.birth_date == other.birth_date)
        )


# Every letter a name may start with: ASCII, Latin-1 and Latin Extended-A/B.
_LETTERS = [chr(code) for code in range(0x41, 0x250) if chr(code).isalpha()]


def initials(name: str) -> list[str]:
    """The characters a name may start with and still fold to the same first letter as
    `name` («é» → e, E, é, É, è, ê…): to narrow a search in the database. Empty for an
    empty name."""
    folded = fold(name)[:1]
    if not folded:
        return []
    first = name.strip()[:1]
    return [c for c in _LETTERS if fold(c)[:1] == folded] or sorted(
        {first, first.upper(), first.lower()}
    )


def mention_patterns(person: PersonKeys) -> list[re.Pattern[str]]:
    """The ways free text names the person: «Marie Dupont», «DUPONT Marie», the e-mail and
    the phone number (whatever its separators). A last name alone is not one: the other
    borrower often shares it."""
    needles: list[str] = []
    first, last = person.first_name.strip(), person.last_name.strip()
    if first and last:
        needles += [f"{first} {last}", f"{last} {first}"]
    if person.email.strip():
        needles.append(person.email.strip())
    patterns = []
    for needle in needles:
        variants = {needle, html.escape(needle, quote=True), html.escape(needle, quote=False)}
        for variant in sorted(variants, key=len, reverse=True):
            words = [re.escape(word) for word in variant.split()]
            patterns.append(re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I))
    digits = [c for c in person.phone if c.isdigit()]
    if len(digits) >= 6:
        separators = r"[\s.\-/]?"
        patterns.append(re.compile(r"(?<!\d)" + separators.join(digits) + r"(?!\d)"))
    return patterns


def redact(text: str, patterns: list[re.Pattern[str]]) -> tuple[str, int]:
    """`text` with every mention replaced by REDACTED, and how many there were."""
    total = 0
    for pattern in patterns:
        text, count = pattern.subn(REDACTED, text)
        total += count
    return text, total


def check_export_folder(folder: Path) -> Path:
    """The folder an export goes into: it must exist and accept files."""
    if not str(folder).strip() or not folder.is_dir():
        raise DomainError("Choisissez un dossier existant.", field="folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DomainError(
            "Dossia ne peut pas écrire dans ce dossier : choisissez-en un autre.", field="folder"
        )
    return folder


def check_retention_years(years: int) -> int:
    if not RETENTION_MIN_YEARS <= years <= RETENTION_MAX_YEARS:
        raise DomainError(
            f"Durée de conservation : de {RETENTION_MIN_YEARS} à {RETENTION_MAX_YEARS} ans.",
            field="years",
        )
    return years


def retention_cutoff(today: dt.date, years: int) -> dt.date:
    """The day `years` years before `today` (a 29 February gives the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def last_contact(abandoned_on: dt.date | None, updated_at: dt.datetime) -> dt.date:
    """The last time the office dealt with the dossier: its abandonment or its last change,
    whichever is later."""
    changed = updated_at.date()
    return max(abandoned_on, changed) if abandoned_on else changed


def due_for_purge(
    abandoned_on: dt.date | None, updated_at: dt.datetime, today: dt.date, years: int
) -> bool:
    return last_contact(abandoned_on, updated_at) <= retention_cutoff(today, years)
