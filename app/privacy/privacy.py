"""The rules of the persons' rights, without a database: who is the same person, how a
person's mentions are erased from free text, when an abandoned dossier is due for purge.

Invoices, once they exist (app/invoicing/), are kept whatever is erased here: accounting
law keeps them ten years, with the names as printed on them.
"""

from __future__ import annotations

import datetime as dt
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
        """Possibly the same person in another dossier: the same first and last names
        (accents and case aside), and the same birth date when both are known. A shared
        e-mail alone is not enough (couples often share one)."""
        return (
            bool(fold(self.last_name))
            and fold(self.last_name) == fold(other.last_name)
            and fold(self.first_name) == fold(other.first_name)
            and (
                self.birth_date is None
                or other.birth_date is None
                or self.birth_date == other.birth_date
            )
        )

    def surely_same(self, other: PersonKeys) -> bool:
        """The same person beyond doubt: same names, and the same birth date or e-mail.
        Homonyms without either are only proposed, for a manager to decide."""
        if not self.same_person(other):
            return False
        same_birth = self.birth_date is not None and self.birth_date == other.birth_date
        same_email = bool(self.email.strip()) and fold(self.email) == fold(other.email)
        return same_birth or same_email


# The letters of names: ASCII, Latin-1 and Latin Extended-A/B.
_LETTERS = [chr(code) for code in range(0x41, 0x250) if chr(code).isalpha()]


def _variants(char: str) -> list[str]:
    folded = fold(char)
    return [c for c in _LETTERS if fold(c) == folded] if folded else []


# Between the words of a name in free text: spaces, no-break spaces (typed or as HTML
# entities), or formatting tags of the notepad («<b>Marie</b> Dupont»).
_GAP = r"(?:\s|\u00a0|\u202f|&nbsp;|&#160;|&#xa0;|<[^<>]{0,200}>)+"
_APOSTROPHE = r"(?:'|\u2019|&#39;|&#x27;|&apos;)"


def _fuzzy(word: str) -> str:
    """A word as a pattern that ignores accents and case («Zyxdurand» matches «Zyxdùrand»),
    and the kind of apostrophe («O'Brien», «O’Brien», «O&#39;Brien»)."""
    parts = []
    for char in word:
        if char in "'\u2019":
            parts.append(_APOSTROPHE)
        elif char in "-\u2010\u2011":
            parts.append(r"[-\u2010\u2011]")
        elif variants := _variants(char):
            folded = fold(char)
            group = "[" + "".join(re.escape(v) for v in variants) + "]"
            parts.append(f"(?:{group}|{re.escape(folded)})" if len(folded) > 1 else group)
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _name_pattern(words: list[str]) -> re.Pattern[str]:
    body = _GAP.join(_fuzzy(word) for word in words)
    return re.compile(r"(?<![\w&])" + body + r"(?!\w)", re.IGNORECASE)


def _phone_pattern(phone: str) -> re.Pattern[str] | None:
    """The phone number whatever its separators, and a French number in its international
    form too («06 12 34 56 78», «06.12.34.56.78», «+33 6 12 34 56 78», «0033612345678»)."""
    digits = [c for c in phone if c.isascii() and c.isdigit()]
    if len(digits) < 6:
        return None
    separator = r"(?:[\s.\-/]|&nbsp;)?"
    forms = [separator.join(digits)]
    if len(digits) == 10 and digits[0] == "0":
        national = separator.join(digits[1:])
        forms.append(
            r"(?:\+|00)" + separator + "33" + separator + r"(?:\(0\))?" + separator + national
        )
    return re.compile(r"(?<!\d)(?:" + "|".join(forms) + r")(?!\d)")


def mention_patterns(
    person: PersonKeys, others: tuple[PersonKeys, ...] = ()
) -> list[re.Pattern[str]]:
    """The ways free text names the person: «Marie Dupont», «DUPONT Marie» (accents, case,
    spacing and tags aside), the e-mail and the phone number. The last name alone only when
    the person has no first name, and no one else in `others` bears it (the other borrower
    often shares it)."""
    patterns = []
    first, last = person.first_name.split(), person.last_name.split()
    if first and last:
        patterns += [_name_pattern(first + last), _name_pattern(last + first)]
    elif last and all(fold(other.last_name) != fold(person.last_name) for other in others):
        patterns.append(_name_pattern(last))
    email = person.email.strip()
    if email:
        patterns.append(re.compile(r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-])", re.I))
    phone = _phone_pattern(person.phone)
    if phone is not None:
        patterns.append(phone)
    return patterns


def contact_patterns(email: str, phone: str, address: str) -> list[re.Pattern[str]]:
    """The ways free text gives a person's contact details: the e-mail, the phone number
    (any spacing, +33 or 0033), the street address (case and spacing aside)."""
    patterns = []
    if email.strip():
        patterns.append(re.compile(r"(?<![\w.+-])" + re.escape(email.strip()) + r"(?![\w-])", re.I))
    found = _phone_pattern(phone)
    if found is not None:
        patterns.append(found)
    words = address.split()
    if words:
        patterns.append(
            re.compile(r"(?<!\w)" + r"[\s\u00a0]+".join(map(re.escape, words)) + r"(?!\w)", re.I)
        )
    return patterns


def redact(
    text: str, patterns: list[re.Pattern[str]], replacement: str = REDACTED
) -> tuple[str, int]:
    """`text` with every mention replaced by `replacement`, and how many there were."""
    total = 0
    for pattern in patterns:
        text, count = pattern.subn(replacement, text)
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


def years_text(years: int) -> str:
    """«1 an», «3 ans»."""
    return f"{years} an" + ("s" if years > 1 else "")


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
