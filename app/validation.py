"""Every check of user input shared by the wings: one text cleaner, French identifiers
(SIREN, SIRET, VAT number, IBAN, BIC — checked by python-stdnum), phone, e-mail, postal code,
amounts and past dates. Each raises DomainError with a French message naming its field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, overload

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

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
) -> str:
    """Collapse runs of white space; refuse text too long or with control characters."""
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise DomainError(required_message or f"{label} : à renseigner.", field=field)
    if len(cleaned) > limit:
        raise DomainError(f"{label} : {limit} caractères au plus.", field=field)
    if any(not c.isprintable() for c in cleaned):
        raise DomainError(f"{label} : caractères invalides.", field=field)
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
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise DomainError(
            "Adresse e-mail invalide (par exemple marie.dupont@exemple.fr).", field=field
        )
    return email


def normalize_postal_code(value: str, field: str = "postal_code") -> str:
    code = value.strip().replace(" ", "")
    if code and not _POSTAL_CODE.match(code):
        raise DomainError("Code postal invalide : 5 chiffres (par exemple 33000).", field=field)
    return code


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def valid_siren(siren: str) -> bool:
    """9 digits whose Luhn key is right (INSEE's rule)."""
    return stdnum_siren.is_valid(siren)


def normalize_siren(value: str, field: str = "siren") -> str:
    siren = _compact(value)
    if siren and not valid_siren(siren):
        raise DomainError(
            "SIREN invalide : 9 chiffres (la clé de contrôle ne correspond pas).", field=field
        )
    return siren


def normalize_siret(value: str, field: str = "siret") -> str:
    siret = _compact(value)
    if siret and not stdnum_siret.is_valid(siret):
        raise DomainError(
            "SIRET invalide : 14 chiffres (la clé de contrôle ne correspond pas).", field=field
        )
    return siret


def normalize_vat_number(value: str, field: str = "vat_number") -> str:
    """French intra-community VAT number: «FR» + 2-character key + SIREN."""
    number = _compact(value)
    if number and not stdnum_tva.is_valid(number):
        raise DomainError(
            "Numéro de TVA intracommunautaire invalide (par exemple FR44732829320).", field=field
        )
    return number


def valid_iban(iban: str) -> bool:
    """ISO 13616 checksum and the country's length (27 characters in France)."""
    try:
        stdnum_iban.validate(iban)
    except ValidationError:
        return False
    return True


def normalize_iban(value: str, field: str = "iban") -> str:
    """Checked, then shown in groups of four («FR76 3000 6000 …»)."""
    iban = _compact(value)
    if not iban:
        return ""
    if not valid_iban(iban):
        raise DomainError("IBAN invalide : la clé de contrôle ne correspond pas.", field=field)
    return stdnum_iban.format(iban)


def normalize_bic(value: str, field: str = "bic") -> str:
    bic = _compact(value)
    if bic and not stdnum_bic.is_valid(bic):
        raise DomainError("BIC invalide : 8 ou 11 caractères (ex. AGRIFRPP).", field=field)
    return bic


@overload
def check_amount(
    value: int | None,
    field: str,
    label: str,
    maximum: int = ...,
    *,
    required: Literal[True],
) -> int: ...
@overload
def check_amount(
    value: int | None,
    field: str,
    label: str,
    maximum: int = ...,
    *,
    required: bool = False,
) -> int | None: ...
def check_amount(
    value: int | None,
    field: str,
    label: str,
    maximum: int = MAX_MONTHLY_CENTS,
    *,
    required: bool = False,
) -> int | None:
    """An amount in cents: not negative, not beyond `maximum` (a typing error)."""
    if value is None:
        if required:
            raise DomainError(f"{label} : à renseigner.", field=field)
        return None
    if value < 0:
        raise DomainError(f"{label} : le montant ne peut pas être négatif.", field=field)
    if value > maximum:
        euros = f"{maximum // 100:,}".replace(",", "\u202f")
        raise DomainError(f"{label} : montant invraisemblable ({euros} € au plus).", field=field)
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
