"""French invoicing rules, pure: what an invoice says, its amounts, its number, its status,
and what a payment may be.

- Numbers follow each other without gaps in their series, given at issue (a draft has
  none): «F-2026-0007», a laptop invoicing offline its own series «F-L2-2026-0007»; credit
  notes their own series «A-2026-0003».
- A rebate («ristourne») is not a sale: the office owes it to its apporteur d'affaires. It
  issues it in the apporteur's name — a self-billed invoice («autofacturation», art. 289
  I-2 of the CGI) for a company, a «note de ristourne» for a private person — in its own
  series «R-2026-0004» (credit notes «AR-…»), out of the sales totals and journal.
- A credit note on a paid invoice leaves money to give back: «À rembourser» until a
  refund (a negative payment) is recorded.
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

from app.errors import DomainError
from app.office.company import NO_CAPITAL_FORMS, Company
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


def series_of(kind: InvoiceKind, credit_note: bool, machine_prefix: str, year: int) -> str:
    """«F-2026», «F-L2-2026» (a laptop's), «A-2026» for credit notes; rebates «R-2026» and
    their credit notes «AR-2026»."""
    letter = "R" if kind is InvoiceKind.REBATE else "F"
    parts = [("A" if letter == "F" else "AR") if credit_note else letter]
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
    """Brouillon, Émise, Partiellement payée, Payée, En retard, Annulée, À rembourser."""
    if state is InvoiceState.DRAFT:
        return "Brouillon"
    if total_cents < 0:
        return "Avoir"
    due = total_cents + credited_cents - paid_cents  # credited_cents: negative
    if due < 0:
        return "À rembourser"
    if state is InvoiceState.CANCELLED:
        return "Annulée"
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


def check_refund(refund: PaymentData, overpaid_cents: int, issued_on: dt.date, today: dt.date):
    """Money given back (a credit note on what was paid): never more than was overpaid."""
    if overpaid_cents <= 0:
        raise DomainError("Rien n'est à rembourser sur cette facture.")
    if not 0 < refund.amount_cents <= overpaid_cents:
        raise DomainError(
            f"Montant du remboursement invalide : au plus {format_amount(overpaid_cents)}.",
            "amount",
        )
    if refund.paid_on > today:
        raise DomainError("La date du remboursement ne peut pas être dans le futur.", "paid_on")
    if refund.means is PaymentMeans.CASH and refund.amount_cents > CASH_CAP_CENTS:
        raise DomainError(
            "Plus de 1 000 € ne se rendent pas en espèces (article L112-6 du Code monétaire et "
            "financier) : choisissez un autre moyen.",
            "means",
        )
    if refund.paid_on < issued_on:
        raise DomainError(
            f"Le remboursement ne peut pas précéder la facture ({format_date(issued_on)}).",
            "paid_on",
        )
    reference = clean_text(refund.reference, "reference", "Référence", 120)
    return replace(refund, reference=reference)


SELF_BILLED = (
    "Autofacturation : facture établie par {office} au nom et pour le compte de {supplier}, "
    "en vertu du mandat de facturation du {mandate} (article 289 I-2 du Code général des "
    "impôts)."
)
FRANCHISE = "TVA non applicable, article 293 B du Code général des impôts."
# A company apporteur's regime (app.office.referential.VAT_REGIMES): the VAT rate on its
# rebates and what a rebate without VAT says.
REBATE_VAT = {
    "exonere": (0, EXEMPTION),
    "franchise": (0, FRANCHISE),
    "assujetti": (VAT_RATE_BP, ""),
}
PRIVATE_REBATE = (
    "Rémunération d'un particulier pour la présentation d'un client, hors champ de la TVA. "
    "Le cabinet déclare les sommes versées à un même bénéficiaire dès 1 200 € par an "
    "(déclaration DAS2, article 240 du Code général des impôts)."
)


def document_title(kind: InvoiceKind, credit_note: bool, business: bool) -> str:
    """FACTURE, AVOIR; for a rebate AUTOFACTURATION (a company) or NOTE DE RISTOURNE."""
    if kind is InvoiceKind.REBATE:
        title = "AUTOFACTURATION" if business else "NOTE DE RISTOURNE"
        return f"AVOIR ({title})" if credit_note else title
    return "AVOIR" if credit_note else "FACTURE"


def check_issuer(company: Company) -> None:
    """The office's mentions an invoice must carry (art. L441-9 and R123-237 C. com., the
    ORIAS number of an intermediary), or the refusal naming those missing."""
    missing = [
        label
        for label, value in (
            ("adresse", company.address and company.postal_code and company.city),
            ("SIREN", company.siren),
            ("forme juridique", company.legal_form),
            (
                "capital social",
                company.share_capital or company.legal_form in NO_CAPITAL_FORMS,
            ),
            ("ville du greffe (RCS)", company.rcs_city),
            ("n° ORIAS", company.orias_number),
        )
        if not value
    ]
    if missing:
        raise DomainError(
            "Mentions obligatoires de la facture manquantes dans Paramètres › Société : "
            + ", ".join(missing)
            + ". Complétez-les, puis émettez."
        )


def paper_title(kind: InvoiceKind, credit_note: bool, number: str) -> str:
    """The name a printed piece is kept under (its file and its title in the dossier):
    «Facture F-2026-0007», «Avoir A-2026-0002», «Ristourne R-2026-0004»."""
    paper = "Avoir" if credit_note else "Ristourne" if kind is InvoiceKind.REBATE else "Facture"
    return f"{paper} {number}"


def mentions(
    vat_rate_bp: int,
    recipient_is_business: bool,
    due_on: dt.date | None,
    rebate: bool = False,
    vat_mention: str = "",
) -> list[str]:
    """The legal mentions at the foot of an invoice (a rebate's: see `rebate_mentions`)."""
    said = []
    if rebate and not recipient_is_business:
        return [PRIVATE_REBATE]  # no invoice between a business and a private person
    if vat_rate_bp == 0:
        said.append(vat_mention or EXEMPTION)
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
    """What an issued invoice says on paper. For a rebate, the «recipient» is the apporteur:
    the supplier in whose name the office issues it."""

    company: Company
    logo: bytes | None  # the image file's bytes
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
    kind: InvoiceKind = InvoiceKind.FEES
    credited_on: dt.date | None = None  # the date of the invoice a credit note cancels
    vat_mention: str = ""  # without VAT: what it says («» the office's exemption)
    recipient_vat_number: str = ""
    billing_mandate_on: dt.date | None = None  # a self-billed rebate's mandate

    @property
    def electronic(self) -> bool:
        """Made a Factur-X: a sale to a business (a bank), from an office that has the VAT
        number EN 16931 requires of its seller even when exempt."""
        return (
            self.recipient_is_business
            and self.kind is not InvoiceKind.REBATE
            and bool(self.company.vat_number)
        )


@dataclass(frozen=True)
class StatementLine:
    issued_on: dt.date
    number: str
    credit_note: bool
    dossier_number: str
    client: str  # the dossier's project holder («» once the dossier is deleted)
    total_cents: int
    paid_cents: int  # of this rebate, to the end of the period


@dataclass(frozen=True)
class RebateStatement:
    company: Company
    logo: bytes | None  # the image file's bytes
    referrer_name: str
    referrer_address: str
    referrer_siren: str
    referrer_is_business: bool
    start: dt.date
    end: dt.date
    lines: tuple[StatementLine, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(line.paid_cents for line in self.lines)

    @property
    def due_cents(self) -> int:
        return self.total_cents - self.paid_cents
