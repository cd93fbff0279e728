"""«Provenances», «apporteurs d'affaires» and «Banques»: their data and checks. No database
here."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import DomainError
from app.validation import clean_text, normalize_siren
from models.enums import ReferrerKind


@dataclass(frozen=True)
class ProvenanceRow:
    id: int
    name: str
    is_active: bool
    dossiers: int


@dataclass(frozen=True)
class ReferrerData:
    name: str
    kind: ReferrerKind = ReferrerKind.COMPANY
    contact: str = ""
    siren: str = ""
    rebate_rate_mpct: int | None = None
    rebate_fixed_cents: int | None = None


@dataclass(frozen=True)
class ReferrerRow:
    id: int
    data: ReferrerData
    is_active: bool
    dossiers: int


def validate_referrer(data: ReferrerData) -> ReferrerData:
    name = clean_text(
        data.name,
        "name",
        "Nom de l'apporteur",
        150,
        required=True,
        required_message="Donnez le nom de l'apporteur (150 caractères au plus).",
        too_long_message="Donnez le nom de l'apporteur (150 caractères au plus).",
    )
    contact = clean_text(data.contact, "contact", "Contact", 200)
    siren = normalize_siren(data.siren)
    if data.rebate_rate_mpct is not None and data.rebate_fixed_cents is not None:
        raise DomainError(
            "Choisissez un taux ou un montant fixe de rétrocession, pas les deux.",
            field="rebate_rate_mpct",
        )
    if data.rebate_rate_mpct is not None and not 0 <= data.rebate_rate_mpct <= 100_000:
        raise DomainError(
            "Le taux de rétrocession doit être compris entre 0 et 100 %.", field="rebate_rate_mpct"
        )
    if data.rebate_fixed_cents is not None and not 0 <= data.rebate_fixed_cents <= 1_000_000_00:
        raise DomainError("Montant de rétrocession invalide.", field="rebate_fixed_cents")
    return ReferrerData(
        name,
        ReferrerKind(data.kind),
        contact,
        siren,
        data.rebate_rate_mpct,
        data.rebate_fixed_cents,
    )


@dataclass(frozen=True)
class BankData:
    name: str
    agency: str = ""
    contact: str = ""


@dataclass(frozen=True)
class BankRow:
    id: int
    data: BankData
    is_active: bool


def validate_bank(data: BankData) -> BankData:
    return BankData(
        name=clean_text(
            data.name,
            "name",
            "Nom de la banque",
            120,
            required=True,
            required_message="Donnez le nom de la banque (120 caractères au plus).",
            too_long_message="Donnez le nom de la banque (120 caractères au plus).",
        ),
        agency=clean_text(data.agency, "agency", "Agence", 150),
        contact=clean_text(data.contact, "contact", "Contact", 200),
    )
