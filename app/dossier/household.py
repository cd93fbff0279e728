"""The household's data (borrowers, children): validation rules and «Famille concernée».

Plain functions and frozen dataclasses: no database here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from app.errors import DomainError
from app.validation import (
    check_amount,
    check_past_date,
    clean_text,
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)
from models.enums import Contract, MaritalStatus, MatrimonialRegime


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
    return clean_text(value, name, FIELD_LABELS.get(name, name), _TEXT_LIMITS[name])


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
        values[name] = check_amount(values[name], name, label, per=" par mois")
    if values["marital_status"] is not MaritalStatus.MARRIED:
        values["matrimonial_regime"] = None  # a regime only applies to a marriage
    return BorrowerData(**values)


def validate_child(data: ChildData, today: dt.date) -> ChildData:
    first_name = clean_text(
        data.first_name,
        "first_name",
        "Prénom",
        100,
        required=True,
        required_message="Saisissez le prénom de l'enfant.",
        too_long_message="Prénom invalide (100 caractères au plus).",
        invalid_message="Prénom invalide (100 caractères au plus).",
    )
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


def borrower_data(borrower) -> BorrowerData:
    """A stored borrower (any object with the fields) as plain data."""
    return BorrowerData(**{f.name: getattr(borrower, f.name) for f in fields(BorrowerData)})


def child_data(child) -> ChildData:
    return ChildData(child.first_name, child.birth_date, child.dependent, child.alternating_custody)
