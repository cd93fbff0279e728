"""The household's data (borrowers, children): validation rules and «Famille concernée».

Plain functions and frozen dataclasses: no database here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

from app.errors import DomainError
from models.enums import Contract, MaritalStatus, MatrimonialRegime

MAX_MONTHLY_CENTS = 1_000_000_00  # 1 000 000 € a month: beyond that, a typing error
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
_POSTAL_CODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class BorrowerData:
    """What the «Emprunteurs» tab edits for one borrower."""

    last_name: str
    first_name: str = ""
    civility: str = ""
    birth_name: str = ""
    birth_date: dt.date | None = None
    birth_place: str = ""
    nationality: str = ""
    marital_status: MaritalStatus | None = None
    matrimonial_regime: MatrimonialRegime | None = None
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    profession: str = ""
    employer: str = ""
    contract: Contract | None = None
    employed_since: dt.date | None = None
    net_monthly_income_cents: int | None = None
    other_income_cents: int | None = None
    rental_income_cents: int | None = None


@dataclass(frozen=True)
class ChildData:
    first_name: str
    birth_date: dt.date | None = None
    dependent: bool = True
    alternating_custody: bool = False


FIELD_LABELS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_name": "Nom de naissance",
    "birth_place": "Lieu de naissance",
    "nationality": "Nationalité",
    "address": "Adresse",
    "city": "Ville",
    "profession": "Profession",
    "employer": "Employeur",
}
_TEXT_LIMITS = {
    "last_name": 100,
    "first_name": 100,
    "civility": 10,
    "birth_name": 100,
    "birth_place": 150,
    "nationality": 80,
    "address": 250,
    "city": 120,
    "profession": 150,
    "employer": 150,
}


def _clean_text(name: str, value: str) -> str:
    cleaned = " ".join(value.split())
    limit = _TEXT_LIMITS[name]
    label = FIELD_LABELS.get(name, name)
    if len(cleaned) > limit:
        raise DomainError(f"{label} : {limit} caractères au plus.", field=name)
    if any(not c.isprintable() for c in cleaned):
        raise DomainError(f"{label} : caractères invalides.", field=name)
    return cleaned


def normalize_phone(value: str) -> str:
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
    raise DomainError("Numéro de téléphone invalide (par exemple 06 12 34 56 78).", field="phone")


def normalize_email(value: str) -> str:
    email = value.strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise DomainError(
            "Adresse e-mail invalide (par exemple marie.dupont@exemple.fr).", field="email"
        )
    return email


def normalize_postal_code(value: str) -> str:
    code = value.strip().replace(" ", "")
    if code and not _POSTAL_CODE.match(code):
        raise DomainError(
            "Code postal invalide : 5 chiffres (par exemple 33000).", field="postal_code"
        )
    return code


def check_amount(value: int | None, field: str, label: str) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise DomainError(f"{label} : le montant ne peut pas être négatif.", field=field)
    if value > MAX_MONTHLY_CENTS:
        raise DomainError(
            f"{label} : montant invraisemblable (1 000 000 € par mois au plus).", field=field
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


def validate_borrower(data: BorrowerData, today: dt.date) -> BorrowerData:
    """Return the borrower's data cleaned, or raise DomainError naming the field."""
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    for name in _TEXT_LIMITS:
        values[name] = _clean_text(name, values[name])
    if not values["last_name"]:
        raise DomainError("Saisissez le nom de l'emprunteur.", field="last_name")
    values["phone"] = normalize_phone(values["phone"])
    values["email"] = normalize_email(values["email"])
    values["postal_code"] = normalize_postal_code(values["postal_code"])
    values["birth_date"] = check_past_date(
        values["birth_date"], "birth_date", "La date de naissance", today
    )
    values["employed_since"] = check_past_date(
        values["employed_since"], "employed_since", "La date d'embauche", today
    )
    if (
        values["birth_date"]
        and values["employed_since"]
        and values["employed_since"] < values["birth_date"]
    ):
        raise DomainError(
            "La date d'embauche précède la date de naissance.", field="employed_since"
        )
    for name, label in (
        ("net_monthly_income_cents", "Revenu net mensuel"),
        ("other_income_cents", "Autres revenus"),
        ("rental_income_cents", "Revenus locatifs"),
    ):
        values[name] = check_amount(values[name], name, label)
    if values["marital_status"] is not MaritalStatus.MARRIED:
        values["matrimonial_regime"] = None  # a regime only applies to a marriage
    return BorrowerData(**values)


def validate_child(data: ChildData, today: dt.date) -> ChildData:
    first_name = " ".join(data.first_name.split())
    if not first_name:
        raise DomainError("Saisissez le prénom de l'enfant.", field="first_name")
    if len(first_name) > 100 or any(not c.isprintable() for c in first_name):
        raise DomainError("Prénom invalide (100 caractères au plus).", field="first_name")
    birth_date = check_past_date(data.birth_date, "birth_date", "La date de naissance", today)
    return ChildData(first_name, birth_date, bool(data.dependent), bool(data.alternating_custody))


_COUPLE = {
    MaritalStatus.MARRIED: "Couple marié",
    MaritalStatus.PACS: "Couple pacsé",
    MaritalStatus.COHABITING: "Couple en concubinage",
}


def describe_household(statuses: list[MaritalStatus | None], children: list[ChildData]) -> str:
    """«Famille concernée»: e.g. «Couple marié, 2 enfants dont 1 en garde alternée»."""
    known = [s for s in statuses if s is not None]
    if len(statuses) >= 2:
        kind = next((_COUPLE[s] for s in known if s in _COUPLE), "Deux emprunteurs")
    elif known and known[0] in _COUPLE:
        kind = _COUPLE[known[0]] + " (un emprunteur)"
    elif known:
        kind = f"Emprunteur seul ({known[0].label.lower()})"
    else:
        kind = "Emprunteur seul"
    if not children:
        return kind
    count = len(children)
    text = f"{kind}, {count} enfant{'s' if count > 1 else ''}"
    shared = sum(1 for c in children if c.alternating_custody)
    if shared:
        text += f" dont {shared} en garde alternée" if count > 1 else " en garde alternée"
    return text
