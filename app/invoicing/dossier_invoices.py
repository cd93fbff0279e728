"""A dossier's invoices as its «Facturation» tab shows them: each invoice or credit note with
its payments, what is credited, paid and still due, its status on the day — read in one go."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import Change
from app.invoicing.invoices import InvoiceData, status_label
from models.dossier import Dossier
from models.enums import InvoiceKind, InvoiceState
from models.office import Invoice, Payment

CHANGED = "invoice_changed"  # in a write session's info: the invoice the command changed


@dataclass(frozen=True)
class PaymentRow:
    id: int
    paid_on: dt.date
    amount_cents: int
    means_label: str
    reference: str


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    kind: InvoiceKind
    state: InvoiceState
    number: str  # «» for a draft
    credit_note: bool
    credits_number: str  # the invoice a credit note cancels
    recipient_name: str
    description: str
    issued_on: dt.date | None
    due_on: dt.date | None
    amount_cents: int
    vat_cents: int
    total_cents: int
    credited_cents: int  # by credit notes, all taxes included (negative)
    credited_amount_cents: int  # the same before tax (negative)
    paid_cents: int
    status: str  # as shown: Brouillon, Émise, Payée, En retard…
    payments: tuple[PaymentRow, ...]
    recipient_address: str = ""
    recipient_siren: str = ""
    recipient_is_business: bool = False
    service_on: dt.date | None = None
    payment_days: int = 30
    bank_id: int | None = None
    referrer_id: int | None = None

    def data(self) -> InvoiceData:
        """What the draft says, to edit it."""
        return InvoiceData(
            self.kind,
            self.recipient_name,
            self.recipient_address,
            self.recipient_siren,
            self.recipient_is_business,
            self.description,
            self.amount_cents,
            self.service_on,
            self.payment_days,
            self.bank_id,
            self.referrer_id,
        )

    @property
    def remaining_cents(self) -> int:
        if self.credit_note or self.state is not InvoiceState.ISSUED:
            return 0
        return max(0, self.total_cents + self.credited_cents - self.paid_cents)

    @property
    def to_refund_cents(self) -> int:
        """Paid beyond what credit notes left due: money to give back."""
        if self.credit_note or self.state is InvoiceState.DRAFT:
            return 0
        return max(0, self.paid_cents - self.total_cents - self.credited_cents)

    @property
    def rebate(self) -> bool:
        return self.kind is InvoiceKind.REBATE


@dataclass(frozen=True)
class DossierInvoices:
    """A dossier's «Facturation» tab."""

    dossier_id: int
    number: str
    version: int
    may_invoice: bool
    invoices: tuple[InvoiceRow, ...]
    funds_released_on: dt.date | None
    changed_id: int | None = None
    changes: Change = field(default=Change.NONE, compare=False)

    @property
    def remaining_cents(self) -> int:
        """What the client and the bank still owe the office."""
        return sum(i.remaining_cents for i in self.invoices if not i.rebate)

    @property
    def rebate_due_cents(self) -> int:
        """What the office still owes the apporteur."""
        return sum(i.remaining_cents for i in self.invoices if i.rebate)

    @property
    def to_refund_cents(self) -> int:
        """What the office owes back to the client or the bank (after credit notes)."""
        return sum(i.to_refund_cents for i in self.invoices if not i.rebate)

    @property
    def rebate_to_recover_cents(self) -> int:
        """What the apporteur owes back to the office (a rebate credited once paid)."""
        return sum(i.to_refund_cents for i in self.invoices if i.rebate)


def dossier_invoices(
    session: Session, dossier: Dossier, today: dt.date, may_invoice: bool
) -> DossierInvoices:
    """The dossier's «Facturation» tab on `today`; `may_invoice`: the user holds «Facturer»."""
    invoices = list(
        session.scalars(
            select(Invoice).where(Invoice.dossier_id == dossier.id).order_by(Invoice.id)
        )
    )
    ids = [i.id for i in invoices]
    payments: dict[int, list[Payment]] = {}
    for payment in session.scalars(
        select(Payment).where(Payment.invoice_id.in_(ids)).order_by(Payment.paid_on, Payment.id)
    ):
        payments.setdefault(payment.invoice_id, []).append(payment)
    numbers = {i.id: i.number or "" for i in invoices}
    credited: dict[int, int] = {}
    credited_amount: dict[int, int] = {}
    for i in invoices:
        if i.credits_id is not None:
            credited[i.credits_id] = credited.get(i.credits_id, 0) + i.total_cents
            credited_amount[i.credits_id] = credited_amount.get(i.credits_id, 0) + i.amount_cents
    rows = []
    for i in invoices:
        paid = sum(p.amount_cents for p in payments.get(i.id, []))
        rows.append(
            InvoiceRow(
                id=i.id,
                kind=i.kind,
                state=i.state,
                number=i.number or "",
                credit_note=i.credits_id is not None,
                credits_number=numbers.get(i.credits_id, "") if i.credits_id else "",
                recipient_name=i.recipient_name,
                description=i.description,
                issued_on=i.issued_on,
                due_on=i.due_on,
                amount_cents=i.amount_cents,
                vat_cents=i.vat_cents,
                total_cents=i.total_cents,
                credited_cents=credited.get(i.id, 0),
                credited_amount_cents=credited_amount.get(i.id, 0),
                paid_cents=paid,
                status=status_label(
                    i.state, i.total_cents, paid, i.due_on, today, credited.get(i.id, 0)
                ),
                payments=tuple(
                    PaymentRow(p.id, p.paid_on, p.amount_cents, p.means.label, p.reference)
                    for p in payments.get(i.id, [])
                ),
                recipient_address=i.recipient_address,
                recipient_siren=i.recipient_siren,
                recipient_is_business=i.recipient_is_business,
                service_on=i.service_on,
                payment_days=i.payment_days,
                bank_id=i.bank_id,
                referrer_id=i.referrer_id,
            )
        )
    return DossierInvoices(
        dossier_id=dossier.id,
        number=dossier.number,
        version=dossier.version,
        may_invoice=may_invoice,
        invoices=tuple(rows),
        funds_released_on=dossier.funds_released_on,
        changed_id=session.info.pop(CHANGED, None),
    )
