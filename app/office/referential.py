"""«Provenances», «apporteurs d'affaires» and «Banques»: their data and checks. No database
here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.errors import DomainError
from app.validation import clean_text, normalize_siren, normalize_vat_number
from models.enums import ReferrerKind


@dataclass(frozen=True)
class ProvenanceRow:
    id: int
    name: str
    is_active: bool
    dossiers: int


# A company apporteur's VAT on the rebates the office self-bills in its name.
VAT_REGIMES = {
    "exonere": "Exonéré : intermédiaire en crédit (art. 261 C du CGI)",
    "franchise": "Franchise en base (art. 293 B du CGI)",
    "assujetti": "Assujetti : TVA à 20 %",
}


@dataclass(frozen=True)
class ReferrerData:
    name: str
    kind: ReferrerKind = ReferrerKind.COMPANY
    contact: str = ""
    siren: str = ""
    rebate_rate_mpct: int | None = None
    rebate_fixed_cents: int | None = None
    address: str = ""  # on the self-billed invoices in his name
    vat_regime: str = ""  # a key of VAT_REGIMES (a company's)
    vat_number: str = ""
    billing_mandate_on: dt.date | None = None  # the self-billing mandate's date


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
        clean_text(data.address, "address", "Adresse", 250),
        *_billing(data),
    )


def _billing(data: ReferrerData) -> tuple[str, str, dt.date | None]:
    """A company's VAT regime, VAT number and mandate; a person has none."""
    if ReferrerKind(data.kind) is not ReferrerKind.COMPANY:
        return "", "", None
    if data.vat_regime and data.vat_regime not in VAT_REGIMES:
        raise DomainError("Régime de TVA inconnu.", field="vat_regime")
    vat_number = normalize_vat_number(data.vat_number)
    if data.vat_regime == "assujetti" and not vat_number:
        raise DomainError(
            "Un apporteur assujetti à la TVA a un numéro de TVA intracommunautaire.",
            field="vat_number",
        )
    if data.billing_mandate_on is not None and data.billing_mandate_on > dt.date.today():
        raise DomainError("Le mandat ne peut pas être daté du futur.", field="billing_mandate_on")
    return data.vat_regime, vat_number, data.billing_mandate_on


@dataclass(frozen=True)
class BankData:
    name: str
    agency: str = ""
    contact: str = ""
    # The bank's commission to the office: a rate of the amount lent (thousandths of a
    # percent: 1 % = 1000), or a fixed amount; neither: none agreed.
    commission_rate_mpct: int | None = None
    commission_fixed_cents: int | None = None
    address: str = ""  # where its commission invoices go
    siren: str = ""


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
        commission_rate_mpct=_commission_rate(data.commission_rate_mpct),
        commission_fixed_cents=_commission_fixed(data),
        address=clean_text(data.address, "address", "Adresse", 250),
        siren=_siren(data.siren),
    )


def _siren(text: str) -> str:
    digits = "".join(text.split())
    if digits and not (digits.isascii() and digits.isdigit() and len(digits) in (9, 14)):
        raise DomainError("SIREN (9 chiffres) ou SIRET (14 chiffres) invalide.", "siren")
    return digits


def _commission_rate(rate: int | None) -> int | None:
    if rate is not None and not 0 < rate <= 5_000:
        raise DomainError(
            "Taux de commission invalide : de 0,001 à 5 % du montant prêté.", "commission_rate"
        )
    return rate


def _commission_fixed(data: BankData) -> int | None:
    fixed = data.commission_fixed_cents
    if fixed is not None and not 0 < fixed <= 100_000_00:
        raise DomainError("Commission forfaitaire invalide.", "commission_fixed")
    if fixed is not None and data.commission_rate_mpct is not None:
        raise DomainError(
            "Un taux ou un forfait, pas les deux : laissez l'un des deux vide.", "commission_fixed"
        )
    return fixed
