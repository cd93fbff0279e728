"""French invoicing rules, pure: what an invoice says, its amounts, its number, its status,
and what a payment may be.

- Numbers follow each other without gaps in their series, given at issue (a draft has
  none): «F-2026-0007», a laptop invoicing offline its own series «F-L2-2026-0007»; credit
  notes their own series «A-2026-0003».
- An issued invoice is never changed: a credit note («avoir») cancels it, wholly or partly.
- Credit brokerage is exempt from VAT (article 261 C-1°-a of the CGI) unless the office
  opted for it.
- Article L519-6 of the Code monétaire et financier: the client pays no fees before the loan
  is granted and its funds released.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from app.errors import DomainError
from app.office.company import Company
from app.text import format_amount, format_date
from app.validation import clean_text
from models.enums import InvoiceKind, InvoiceState, PaymentMeans

VAT_RATE_BP = 2000  # 20 %, in hundredths of a percent
EXEMPTION = "TVA non applicable : exonération, article 261 C-1°-a du Code général des impôts."
LATE_PENALTY = (
    "En cas de retard de paiement, pénalités au taux de trois fois le taux d'intérêt légal."
)
RECOVERY_INDEMNITY = (
    "Indemnité forfaitaire pour frais de recouvrement : 40 € (art. D441-5 C. com.)."
)
CASH_CAP_CENTS = 1_000_00  # art. L112-6 CMF: no cash for a debt above it, even in part
MAX_AMOUNT_CENTS = 10_000_000_00
PAYMENT_DAYS = 30


class FlaggedKind(DomainError):
    """The dossier says it will have no invoice of this kind: asked before going on."""


@dataclass(frozen=True)
class InvoiceData:
    """What the broker enters (or accepts as proposed) for an invoice."""

    kind: InvoiceKind
    recipient_name: str
    recipient_address: str = ""
    recipient_siren: str = ""
    recipient_is_business: bool = False
    description: str = ""
    amount_cents: int = 0
    service_on: dt.date | None = None
    payment_days: int = PAYMENT_DAYS
    bank_id: int | None = None
    referrer_id: int | None = None


def clean_invoice(data: InvoiceData) -> InvoiceData:
    """The invoice as stored, or the refusal of its first wrong field."""
    name = clean_text(data.recipient_name, "recipient_name", "Destinataire", 200, required=True)
    address = " ".join(data.recipient_address.split())
    if len(address) > 400:
        raise DomainError("Adresse : 400 caractères au plus.", "recipient_address")
    siren = "".join(data.recipient_siren.split())
    if siren and not (siren.isascii() and siren.isdigit() and len(siren) in (9, 14)):
        raise DomainError("SIREN (9 chiffres) ou SIRET (14 chiffres) invalide.", "recipient_siren")
    description = clean_text(data.description, "description", "Désignation", 500, required=True)
    if not 0 < data.amount_cents <= MAX_AMOUNT_CENTS:
        raise DomainError("Montant invalide : un montant positif hors taxes.", "amount")
    if not 0 <= data.payment_days <= 60:
        raise DomainError(
            "Délai de paiement : de 0 à 60 jours (art. L441-10 du Code de commerce).",
            "payment_days",
        )
    return replace(
        data,
        recipient_name=name,
        recipient_address=address,
        recipient_siren=siren,
        description=description,
    )


def vat_of(amount_cents: int, rate_bp: int) -> int:
    """The VAT on an amount before tax, rounded to the cent (halves up)."""
    exact = Decimal(amount_cents) * rate_bp / 10_000
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def series_of(credit_note: bool, machine_prefix: str, year: int) -> str:
    """«F-2026», «F-L2-2026» (a laptop's), «A-2026» for credit notes."""
    parts = ["A" if credit_note else "F"]
    if machine_prefix:
        parts.append(machine_prefix)
    parts.append(str(year))
    return "-".join(parts)


def number_of(series: str, sequence: int) -> str:
    return f"{series}-{sequence:04d}"


def counter_of(series: str) -> str:
    """The counter (in the counters table) of a series."""
    return f"facture:{series}"


def status_label(
    state: InvoiceState,
    total_cents: int,
    paid_cents: int,
    due_on: dt.date | None,
    today: dt.date,
    credited_cents: int = 0,
) -> str:
    """Brouillon, Émise, Partiellement payée, Payée, En retard, Annulée."""
    if state is InvoiceState.DRAFT:
        return "Brouillon"
    if state is InvoiceState.CANCELLED:
        return "Annulée"
    if total_cents < 0:
        return "Avoir"
    due = total_cents + credited_cents - paid_cents  # credited_cents: negative
    if due <= 0:
        return "Payée"
    if due_on is not None and due_on < today:
        return "En retard"
    return "Partiellement payée" if paid_cents else "Émise"


@dataclass(frozen=True)
class PaymentData:
    paid_on: dt.date
    amount_cents: int
    means: PaymentMeans
    reference: str = ""


def check_payment(
    payment: PaymentData,
    kind: InvoiceKind,
    issued_on: dt.date,
    remaining_cents: int,
    debt_cents: int,
    funds_released_on: dt.date | None,
    today: dt.date,
) -> PaymentData:
    """A payment of an issued invoice, or why it cannot be recorded."""
    if payment.amount_cents <= 0:
        raise DomainError("Montant du règlement invalide.", "amount")
    if payment.amount_cents > remaining_cents:
        raise DomainError(
            f"Le règlement dépasse le reste dû ({format_amount(remaining_cents)}).", "amount"
        )
    if payment.paid_on > today:
        raise DomainError("La date du règlement ne peut pas être dans le futur.", "paid_on")
    if payment.paid_on < issued_on:
        raise DomainError(
            f"Le règlement ne peut pas précéder la facture ({format_date(issued_on)}).", "paid_on"
        )
    if kind is InvoiceKind.FEES and (
        funds_released_on is None or payment.paid_on < funds_released_on
    ):
        when = (
            f"le {format_date(funds_released_on)}"
            if funds_released_on
            else "pas encore (renseignez la date de déblocage des fonds dans l'onglet Général)"
        )
        raise DomainError(
            "Article L519-6 du Code monétaire et financier : aucun versement d'honoraires ne "
            "peut être exigé ni reçu du client avant le versement effectif des fonds du prêt "
            f"— ici, débloqués {when}.",
            "paid_on",
        )
    if payment.means is PaymentMeans.CASH and debt_cents > CASH_CAP_CENTS:
        raise DomainError(
            "Une dette de plus de 1 000 € ne se règle pas en espèces, même en partie "
            "(article L112-6 du Code monétaire et financier) : choisissez un autre moyen.",
            "means",
        )
    reference = clean_text(payment.reference, "reference", "Référence", 120)
    return replace(payment, reference=reference)


def mentions(vat_rate_bp: int, recipient_is_business: bool, due_on: dt.date | None) -> list[str]:
    """The legal mentions at the foot of an invoice."""
    said = []
    if vat_rate_bp == 0:
        said.append(EXEMPTION)
    if due_on is not None:
        said.append(
            f"Date d'échéance : {format_date(due_on)}. Pas d'escompte pour paiement anticipé."
        )
    said.append(LATE_PENALTY)
    if recipient_is_business:
        said.append(RECOVERY_INDEMNITY)
    return said


@dataclass(frozen=True)
class PrintedInvoice:
    company: Company
    logo: Path | None
    number: str
    credit_note_of: str  # the invoice a credit note cancels («» for an invoice)
    kind_label: str
    dossier_number: str
    issued_on: dt.date
    service_on: dt.date | None
    due_on: dt.date | None
    recipient_name: str
    recipient_address: str
    recipient_siren: str
    recipient_is_business: bool
    description: str
    amount_cents: int
    vat_rate_bp: int
    vat_cents: int
    total_cents: int
