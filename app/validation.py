"""Every check of user input shared by the wings: one text cleaner, French identifiers
(SIREN, SIRET, VAT number, IBAN, BIC — checked by python-stdnum), phone, e-mail, postal code,
amounts and past dates. Each raises DomainError with a French message naming its field.
"""

from __future__ import annotations

import datetime as dt
import re
from types import ModuleType
from typing import Literal, overload

from app.errors import DomainError

MAX_MONTHLY_CENTS = 1_000_000_00  # 1 000 000 € a month: beyond that, a typing error
MAX_PROPERTY_CENTS = 100_000_000_00  # 100 M€
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
_POSTAL_CODE = re.compile(r"^\d{5}$")


def clean_text(
    value: str,
    field: str,
    label: str,
    limit: int,
    *,
    required: bool = False,
    required_message: str | None = None,
    too_long_message: str | None = None,
    invalid_message: str | None = None,
) -> str:
    """Collapse runs of white space; refuse text too long or with control characters.

    The messages default to «{label} : …»; a screen whose wording says more may give its own.
    """
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise DomainError(required_message or f"{label} : à renseigner.", field=field)
    if len(cleaned) > limit:
        raise DomainError(too_long_message or f"{label} : {limit} caractères au plus.", field=field)
    if any(not c.isprintable() for c in cleaned):
        raise DomainError(invalid_message or f"{label} : caractères invalides.", field=field)
    return cleaned


def normalize_phone(value: str, field: str = "phone") -> str:
    """«06.12.34.56.78» → «06 12 34 56 78»; international numbers keep their «+»."""
    raw = value.strip()
    if not raw:
        return ""
    digits = re.sub(r"[\s.\-/()]", "", raw)
    if digits.startswith("+33") and len(digits) == 12 and digits[1:].isdigit():
        digits = "0" + digits[3:]
    if len(digits) == 10 and digits.isdigit() and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) - 1 <= 15:
        return digits
    raise DomainError("Numéro de téléphone invalide (par exemple 06 12 34 56 78).", field=field)


def normalize_email(value: str, field: str = "email") -> str:
    email = value.strip()
    if email and (len(email) > 254 or not _EMAIL.match(email) or not email.isprintable()):
        raise DomainError(
            "Adresse e-mail invalide (par exemple marie.dupont@exemple.fr).", field=field
        )
    return email


def normalize_postal_code(value: str, field: str = "postal_code") -> str:
    code = value.strip().replace(" ", "")
    if code and not _POSTAL_CODE.match(code):
        raise DomainError("Code postal invalide : 5 chiffres (par exemple 33000).", field=field)
    return code


# python-stdnum is imported on first use: its package loads ssl and sockets (30 ms), too
# much for the start path, which needs only the text checks of this module.


def _stdnum(name: str) -> ModuleType:
    """The python-stdnum module checking the identifier `name`."""
    from stdnum import bic, iban
    from stdnum.fr import siren, siret, tva

    return {"bic": bic, "iban": iban, "siren": siren, "siret": siret, "tva": tva}[name]


def _identifier(value: str, field: str, name: str, messages: dict[str, str], default: str) -> str:
    """An identifier checked by python-stdnum, stored compact (no spaces, dots, hyphens).
    `messages` says more for some of stdnum's errors, named by class («InvalidChecksum»)."""
    from stdnum.exceptions import ValidationError

    if not value.strip():
        return ""
    checker = _stdnum(name)
    try:
        return str(checker.validate(checker.compact(value)))
    except ValidationError as error:
        kinds = [kind.__name__ for kind in type(error).__mro__]
        message = next((m for kind, m in messages.items() if kind in kinds), default)
        raise DomainError(message, field=field) from error


def valid_siren(siren: str) -> bool:
    """9 digits whose Luhn key is right (INSEE's rule)."""
    return bool(_stdnum("siren").is_valid(siren))


def normalize_siren(value: str, field: str = "siren") -> str:
    return _identifier(
        value,
        field,
        "siren",
        {},
        "SIREN invalide : 9 chiffres (la clé de contrôle ne correspond pas).",
    )


def normalize_siret(value: str, field: str = "siret") -> str:
    return _identifier(
        value,
        field,
        "siret",
        {},
        "SIRET invalide : 14 chiffres (la clé de contrôle ne correspond pas).",
    )


def normalize_vat_number(value: str, field: str = "vat_number") -> str:
    """French intra-community VAT number, stored «FR» + 2-character key + SIREN."""
    number = _identifier(
        value,
        field,
        "tva",  # its compact() also drops a leading «FR»
        {},
        "Numéro de TVA intracommunautaire invalide : FR, une clé de 2 caractères et le SIREN "
        "(par exemple FR44732829320).",
    )
    return f"FR{number}" if number else ""


def valid_iban(iban: str) -> bool:
    """ISO 13616 checksum, the country's length (27 characters in France) and, where the
    country has one, the account's own key (the French RIB key)."""
    return bool(_stdnum("iban").is_valid(iban))


def normalize_iban(value: str, field: str = "iban") -> str:
    """Checked, then shown in groups of four («FR76 3000 6000 …»)."""
    iban = _identifier(
        value,
        field,
        "iban",
        {
            "InvalidLength": "IBAN invalide : sa longueur ne correspond pas à celle de son pays.",
            "InvalidChecksum": "IBAN invalide : la clé de contrôle ne correspond pas.",
            "InvalidComponent": "IBAN invalide : le numéro de compte ne correspond pas à sa "
            "clé (clé RIB) ou le code pays est inconnu.",
        },
        "IBAN invalide : 2 lettres du pays, 2 chiffres de clé puis le numéro de compte.",
    )
    return str(_stdnum("iban").format(iban)) if iban else ""


def normalize_bic(value: str, field: str = "bic") -> str:
    return _identifier(
        value,
        field,
        "bic",
        {"InvalidComponent": "BIC invalide : le code pays (5e et 6e caractères) est inconnu."},
        "BIC invalide : 8 ou 11 lettres et chiffres (ex. AGRIFRPP).",
    )


@overload
def check_amount(
    value: int | None,
    field: str,
    label: str,
    maximum: int = ...,
    *,
    required: Literal[True],
    per: str = ...,
) -> int: ...
@overload
def check_amount(
    value: int | None,
    field: str,
    label: str,
    maximum: int = ...,
    *,
    required: bool = False,
    per: str = ...,
) -> int | None: ...
def check_amount(
    value: int | None,
    field: str,
    label: str,
    maximum: int = MAX_MONTHLY_CENTS,
    *,
    required: bool = False,
    per: str = "",
) -> int | None:
    """An amount in cents: not negative, not beyond `maximum` (a typing error); `per` says
    what the maximum is counted over in the message (« par mois »)."""
    if value is None:
        if required:
            raise DomainError(f"{label} : à renseigner.", field=field)
        return None
    if value < 0:
        raise DomainError(f"{label} : le montant ne peut pas être négatif.", field=field)
    if value > maximum:
        euros = f"{maximum // 100:,}".replace(",", "\u202f")  # never cut mid-number
        raise DomainError(
            f"{label} : montant invraisemblable ({euros}\u00a0€{per} au plus).", field=field
        )
    return value


def check_past_date(
    value: dt.date | None, field: str, label: str, today: dt.date
) -> dt.date | None:
    if value is None:
        return None
    if value > today:
        raise DomainError(f"{label} ne peut pas être dans le futur.", field=field)
    if value < dt.date(1900, 1, 1):
        raise DomainError(f"{label} : date invalide.", field=field)
    return value
