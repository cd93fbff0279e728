"""Invoicing as use cases: a dossier's invoices (proposed from its validated simulation, its
bank, its apporteur), drafts, issue (the number taken in the same transaction: gapless,
even with two processes), credit notes, payments; the printed invoices (`printing`). Every
write needs «Facturer» and is one transaction; issues, credit notes and payments are
audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.clock import now
from app.dossier.access import DossierCommands, check_may_change
from app.errors import DomainError, NotFound
from app.invoicing.dossier_invoices import CHANGED, DossierInvoices, dossier_invoices
from app.invoicing.invoices import (
    REBATE_VAT,
    VAT_RATE_BP,
    FlaggedKind,
    InvoiceData,
    PaymentData,
    check_issuer,
    check_payment,
    check_refund,
    clean_invoice,
    counter_of,
    number_of,
    series_of,
    vat_of,
)
from app.invoicing.printing import InvoicePrinting
from app.invoicing.proposals import proposal
from app.office.company import Company
from app.office.permissions import check_writer
from app.storage.database import Database
from app.storage.issued_numbers import IssuedNumbers
from app.text import format_amount
from models.base import money_sum
from models.dossier import Counter, Dossier
from models.enums import (
    AuditAction,
    InvoiceKind,
    InvoiceState,
    Right,
)
from models.office import Invoice, Payment, Referrer

_FLAGS = {
    InvoiceKind.FEES: ("no_fees", "« Pas d'honoraires »"),
    InvoiceKind.BANK_COMMISSION: ("no_bank_commission", "« Pas de commission bancaire »"),
    InvoiceKind.REBATE: ("no_rebate", "« Pas de ristourne »"),
}


class InvoiceService(InvoicePrinting, DossierCommands[DossierInvoices]):
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        company: Callable[[], Company] = Company,
        machine_prefix: Callable[[], str] = lambda: "",
        today: Callable[[], dt.date] = dt.date.today,
        logo: Callable[[Company], bytes | None] = lambda _company: None,
        issued: IssuedNumbers | None = None,
    ) -> None:
        super().__init__(database, user, today)
        self._issued = issued
        self._company = company
        self._logo = logo
        self._machine_prefix = machine_prefix

    def _result(self, session: Session, dossier: Dossier) -> DossierInvoices:
        return dossier_invoices(session, dossier, self._today(), self._user.can(Right.INVOICE))

    # --- reading ---------------------------------------------------------------------

    def for_dossier(self, dossier_id: int) -> DossierInvoices:
        with self._db.read() as session:
            return self._result(session, self._visible(session, dossier_id))

    def propose(self, dossier_id: int, kind: InvoiceKind) -> InvoiceData:
        """An invoice of this kind as the dossier suggests it: the client and the fees of
        the validated simulation; the bank retained and its commission on the amount lent;
        the apporteur d'affaires and his share."""
        with self._db.read() as session:
            dossier = self._visible(session, dossier_id)
            return proposal(session, dossier, kind, self._today())

    # --- drafts ----------------------------------------------------------------------

    def create_draft(
        self, dossier_id: int, data: InvoiceData, despite_flag: bool = False
    ) -> DossierInvoices:
        """A draft invoice (no number yet). A dossier ticked «Pas d'honoraires» (…) for this
        kind is refused unless `despite_flag` (the screen asks first)."""
        cleaned = clean_invoice(data)
        vat_rate = self._vat_rate(cleaned.kind)  # read before the write transaction
        rebate = cleaned.kind is InvoiceKind.REBATE
        with self._db.write() as session:
            dossier = self._for_invoicing(session, dossier_id)
            flag, label = _FLAGS[cleaned.kind]
            if getattr(dossier, flag) and not despite_flag:
                raise FlaggedKind(
                    f"Ce dossier est marqué {label} : le facturer quand même ?", "kind"
                )
            invoice = Invoice(
                dossier_id=dossier.id,
                dossier_number=dossier.number,
                kind=cleaned.kind,
                state=InvoiceState.DRAFT,
                created_at=now(),
                created_by=self._user.id,
                broker_id=dossier.owner_id,
            )
            _fill(invoice, cleaned, _rebate_terms(session, cleaned)[0] if rebate else vat_rate)
            session.add(invoice)
            session.flush()
            session.info[CHANGED] = invoice.id
            return self._result(session, dossier)

    def update_draft(self, invoice_id: int, data: InvoiceData) -> DossierInvoices:
        cleaned = clean_invoice(data)
        vat_rate = self._vat_rate(cleaned.kind)
        with self._db.write() as session:
            invoice = self._invoice(session, invoice_id)
            dossier = self._for_invoicing(session, invoice.dossier_id)
            _check_draft(invoice)
            if cleaned.kind is not invoice.kind:
                raise DomainError("Le type d'une facture ne change pas : créez-en une autre.")
            if cleaned.kind is InvoiceKind.REBATE:
                vat_rate = _rebate_terms(session, cleaned)[0]
            _fill(invoice, cleaned, vat_rate)
            session.info[CHANGED] = invoice.id
            return self._result(session, dossier)

    def delete_draft(self, invoice_id: int) -> DossierInvoices | None:
        """Delete a draft (one of a deleted dossier too: None is returned then)."""
        with self._db.write() as session:
            invoice = self._invoice(session, invoice_id)
            _check_draft(invoice)
            if invoice.dossier_id is None:
                check_writer(session, self._user, Right.INVOICE)
                session.delete(invoice)
                return None
            dossier = self._for_invoicing(session, invoice.dossier_id)
            session.delete(invoice)
            return self._result(session, dossier)

    # --- issuing ---------------------------------------------------------------------

    def _seller(self) -> str:
        """The office's identity today, kept on what is issued."""
        return json.dumps(dataclasses.asdict(self._company()), ensure_ascii=False)

    def issue(self, invoice_id: int) -> DossierInvoices:
        """Give the draft its number (the next of its series, in this transaction: never
        shared, never skipped), its date of issue and its due date. It can no longer change.
        Fees are invoiced only once the loan's funds are released (L519-6: no payment may
        be asked of the client before); the VAT is the office's on the day of issue."""
        vat_rates = {kind: self._vat_rate(kind) for kind in InvoiceKind}  # read before writing
        check_issuer(self._company())
        seller = self._seller()
        with self._db.write() as session:
            invoice = self._invoice(session, invoice_id)
            dossier = self._for_invoicing(session, invoice.dossier_id)
            _check_draft(invoice)
            vat_rate = vat_rates[invoice.kind]
            today = self._today()
            invoice.seller = seller
            if invoice.kind is InvoiceKind.FEES and (
                dossier.funds_released_on is None or dossier.funds_released_on > today
            ):
                raise DomainError(
                    "Article L519-6 du Code monétaire et financier : les honoraires ne peuvent "
                    "être demandés au client qu'après le versement effectif des fonds du prêt. "
                    "Renseignez la date de déblocage des fonds (onglet Général), puis émettez "
                    "la facture."
                )
            rebate = invoice.kind is InvoiceKind.REBATE
            if not invoice.recipient_address:
                raise DomainError(
                    "L'adresse de l'apporteur est une mention obligatoire de la note de "
                    "ristourne : complétez le brouillon (ou Paramètres › Apporteurs)."
                    if rebate
                    else "L'adresse du client est une mention obligatoire de la facture : "
                    "complétez le brouillon."
                )
            if invoice.recipient_is_business and not invoice.recipient_siren:
                raise DomainError(
                    "Le SIREN de l'apporteur est une mention obligatoire de l'autofacturation : "
                    "complétez le brouillon (ou Paramètres › Apporteurs)."
                    if rebate
                    else "Le SIREN d'un client professionnel est une mention obligatoire de la "
                    "facture : complétez le brouillon (pour une banque, Paramètres › Banques)."
                )
            if rebate and invoice.recipient_is_business:
                vat_rate = self._self_billing(session, invoice)
            invoice.vat_rate_bp = vat_rate
            invoice.vat_cents = vat_of(invoice.amount_cents, vat_rate)
            invoice.total_cents = invoice.amount_cents + invoice.vat_cents
            issued = self._number(session, invoice, today, credit_note=False)
            invoice.state = InvoiceState.ISSUED
            invoice.issued_on = today
            invoice.due_on = today + dt.timedelta(days=invoice.payment_days)
            invoice.service_on = invoice.service_on or today
            self._audit(
                session,
                AuditAction.INVOICE_ISSUED,
                dossier,
                f"{invoice.number} — {invoice.kind.label} — {format_amount(invoice.total_cents)}",
            )
            session.info[CHANGED] = invoice.id
            result = self._result(session, dossier)
        self._remember(issued)  # committed: this computer never gives it again
        return result

    def credit(
        self, invoice_id: int, amount_cents: int | None = None, reason: str = ""
    ) -> DossierInvoices:
        """A credit note cancelling the invoice (wholly: `amount_cents` None) or part of it
        (an amount before tax), issued at once; a wholly cancelled invoice is «Annulée»."""
        check_issuer(self._company())
        seller = self._seller()
        with self._db.write() as session:
            invoice = self._invoice(session, invoice_id)
            dossier = self._for_invoicing(session, invoice.dossier_id)
            if invoice.state is not InvoiceState.ISSUED or invoice.total_cents < 0:
                raise DomainError("Seule une facture émise, non annulée, reçoit un avoir.")
            credited = _credited(session, invoice.id)  # negative: before tax, already
            open_amount = invoice.amount_cents + sum(c.amount_cents for c in credited)
            amount = open_amount if amount_cents is None else amount_cents
            if not 0 < amount <= open_amount:
                raise DomainError(
                    f"Montant de l'avoir invalide : au plus {format_amount(open_amount)} hors "
                    "taxes.",
                    "amount",
                )
            today = self._today()
            # The credit note that closes the invoice takes the VAT left: never a cent more
            # or less than the invoice's, however split.
            vat = (
                invoice.vat_cents + sum(c.vat_cents for c in credited)
                if amount == open_amount
                else vat_of(amount, invoice.vat_rate_bp)
            )
            note = Invoice(
                dossier_id=invoice.dossier_id,
                dossier_number=invoice.dossier_number,
                kind=invoice.kind,
                state=InvoiceState.ISSUED,
                credits_id=invoice.id,
                issued_on=today,
                service_on=invoice.service_on,
                recipient_name=invoice.recipient_name,
                recipient_address=invoice.recipient_address,
                recipient_siren=invoice.recipient_siren,
                recipient_is_business=invoice.recipient_is_business,
                recipient_vat_number=invoice.recipient_vat_number,
                vat_mention=invoice.vat_mention,
                billing_mandate_on=invoice.billing_mandate_on,
                bank_id=invoice.bank_id,
                referrer_id=invoice.referrer_id,
                description=(
                    f"Avoir sur la facture {invoice.number}"
                    + (f" : {' '.join(reason.split())}" if reason.strip() else "")
                )[:500],
                amount_cents=-amount,
                vat_rate_bp=invoice.vat_rate_bp,
                vat_cents=-vat,
                total_cents=-(amount + vat),
                created_at=now(),
                created_by=self._user.id,
                broker_id=invoice.broker_id,
                seller=seller,
                payment_days=0,
            )
            issued = self._number(session, note, today, credit_note=True)
            session.add(note)
            if amount == open_amount:
                invoice.state = InvoiceState.CANCELLED
            rebalance(session, invoice)
            self._audit(
                session,
                AuditAction.CREDIT_NOTE_ISSUED,
                dossier,
                f"{note.number} sur {invoice.number} — {format_amount(note.total_cents)}",
            )
            session.flush()
            session.info[CHANGED] = note.id
            result = self._result(session, dossier)
        self._remember(issued)  # committed: this computer never gives it again
        return result

    def pay(self, invoice_id: int, payment: PaymentData) -> DossierInvoices | None:
        """Record a payment: never more than what remains due, never fees before the funds
        are released (L519-6), cash within the legal cap. An invoice whose dossier was
        deleted is still paid (None is returned then: no dossier to show)."""

        def check(invoice: Invoice, dossier: Dossier | None) -> PaymentData:
            if invoice.state is not InvoiceState.ISSUED or invoice.total_cents < 0:
                raise DomainError("Seule une facture émise, non annulée, reçoit un règlement.")
            assert invoice.issued_on is not None
            owed = invoice.total_cents + invoice.credited_cents
            return check_payment(
                payment,
                invoice.kind,
                invoice.issued_on,
                owed - invoice.paid_cents,
                owed,
                # A deleted dossier's fees were issued once its funds were released (L519-6)
                dossier.funds_released_on if dossier else invoice.issued_on,
                self._today(),
            )

        return self._record(invoice_id, check, sign=1, said="")

    def refund(self, invoice_id: int, refund: PaymentData) -> DossierInvoices | None:
        """Money given back after a credit note on what was paid (a negative payment):
        never more than what was paid beyond the invoice's credited total. A deleted
        dossier's invoice too (None is returned then)."""

        def check(invoice: Invoice, _dossier: Dossier | None) -> PaymentData:
            if invoice.state is InvoiceState.DRAFT or invoice.total_cents < 0:
                raise DomainError("Seule une facture émise peut donner lieu à un remboursement.")
            assert invoice.issued_on is not None
            overpaid = invoice.paid_cents - invoice.total_cents - invoice.credited_cents
            return check_refund(refund, overpaid, invoice.issued_on, self._today())

        return self._record(invoice_id, check, sign=-1, said="remboursement de ")

    def _record(
        self,
        invoice_id: int,
        check: Callable[[Invoice, Dossier | None], PaymentData],
        sign: int,
        said: str,
    ) -> DossierInvoices | None:
        """A payment (sign 1) or a refund (-1) checked against the invoice's kept balances,
        recorded, the balances kept, audited — in one transaction."""
        with self._db.write() as session:
            invoice = self._invoice(session, invoice_id)
            dossier = self._paying(session, invoice)
            cleaned = check(invoice, dossier)
            session.add(
                Payment(
                    invoice_id=invoice.id,
                    paid_on=cleaned.paid_on,
                    amount_cents=sign * cleaned.amount_cents,
                    means=cleaned.means,
                    reference=cleaned.reference,
                    created_at=now(),
                    created_by=self._user.id,
                )
            )
            rebalance(session, invoice)
            self._audit_payment(
                session,
                invoice,
                dossier,
                f"{invoice.number} — {said}{format_amount(cleaned.amount_cents)} "
                f"({cleaned.means.label.lower()})",
            )
            session.info[CHANGED] = invoice.id
            return self._result(session, dossier) if dossier else None

    # --- helpers ---------------------------------------------------------------------

    def _vat_rate(self, kind: InvoiceKind) -> int:
        """The office's VAT on what it sells; none on a rebate, the apporteur's service
        to the office (an intermediation in credit, exempt like the office's own)."""
        if kind is InvoiceKind.REBATE:
            return 0
        company = self._company()
        return VAT_RATE_BP if company.vat_status == "Assujetti à la TVA" else 0

    def _for_invoicing(self, session: Session, dossier_id: int | None) -> Dossier:
        """The dossier an invoice belongs to, for a user holding «Facturer» now."""
        if dossier_id is None:
            raise DomainError(
                "Le dossier de cette facture a été supprimé : elle est conservée telle quelle."
            )
        writer = check_writer(session, self._user, Right.INVOICE)
        dossier = self._visible(session, dossier_id, writer)
        check_may_change(writer, dossier)
        return dossier

    def _self_billing(self, session: Session, invoice: Invoice) -> int:
        """A company's rebate is its own invoice, which the office issues under its billing
        mandate (art. 289 I-2 CGI): its VAT, VAT number and mandate, kept as issued. The
        VAT rate is returned."""
        referrer = session.get(Referrer, invoice.referrer_id) if invoice.referrer_id else None
        if referrer is None or not referrer.billing_mandate_on or not referrer.vat_regime:
            raise DomainError(
                "Autofacturation : renseignez le régime de TVA de l'apporteur et la date du "
                "mandat de facturation qu'il vous a donné (Paramètres › Apporteurs d'affaires)."
            )
        rate, mention = REBATE_VAT[referrer.vat_regime]
        invoice.vat_mention = mention
        invoice.recipient_vat_number = referrer.vat_number
        invoice.billing_mandate_on = referrer.billing_mandate_on
        return rate

    def _paying(self, session: Session, invoice: Invoice) -> Dossier | None:
        """The dossier of an invoice being paid or refunded, for a user holding «Facturer»;
        None when the dossier was deleted (its invoices remain, and are paid)."""
        if invoice.dossier_id is None:
            check_writer(session, self._user, Right.INVOICE)
            return None
        return self._for_invoicing(session, invoice.dossier_id)

    def _audit_payment(
        self, session: Session, invoice: Invoice, dossier: Dossier | None, details: str
    ) -> None:
        if dossier is not None:
            self._audit(session, AuditAction.PAYMENT_RECORDED, dossier, details)
        else:
            audit.record(
                session,
                self._user,
                AuditAction.PAYMENT_RECORDED,
                dossier_number=invoice.dossier_number,
                details=details,
            )

    def _invoice(self, session: Session, invoice_id: int) -> Invoice:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None:
            raise NotFound("Cette facture n'existe plus (brouillon supprimé ailleurs ?).")
        return invoice

    def _number(
        self, session: Session, invoice: Invoice, day: dt.date, credit_note: bool
    ) -> tuple[str, int]:
        series = series_of(invoice.kind, credit_note, self._machine_prefix(), day.year)
        last_day, last_sequence = session.execute(
            select(func.max(Invoice.issued_on), func.max(Invoice.sequence)).where(
                Invoice.series == series
            )
        ).one()
        if last_day is not None and day < last_day:
            raise DomainError(
                f"La dernière pièce de la série {series} est datée du "
                f"{last_day:%d/%m/%Y} : la date de cet ordinateur ({day:%d/%m/%Y}) est-elle "
                "juste ? Les numéros doivent suivre l'ordre des dates."
            )
        counter = session.get(Counter, counter_of(series))
        if counter is None:
            counter = Counter(name=counter_of(series), value=0)
            session.add(counter)
        # Never behind the series (an older backup restored), nor behind what this computer
        # issued since that backup was made (those invoices were sent: their numbers are
        # taken for good).
        beyond = self._issued.highest().get(series, 0) if self._issued else 0
        counter.value = max(counter.value, last_sequence or 0, beyond) + 1
        invoice.series, invoice.sequence = series, counter.value
        invoice.number = number_of(series, counter.value)
        return series, counter.value

    def _remember(self, issued: tuple[str, int]) -> None:
        if self._issued is not None:
            self._issued.record(*issued)


def _check_draft(invoice: Invoice) -> None:
    if invoice.state is not InvoiceState.DRAFT:
        raise DomainError(
            f"La facture {invoice.number} est émise : elle ne se modifie ni ne se supprime "
            "plus. Un avoir l'annule."
        )


def _rebate_terms(session: Session, data: InvoiceData) -> tuple[int, str]:
    """The VAT rate and mention of a rebate: its apporteur's (a company's regime)."""
    referrer = session.get(Referrer, data.referrer_id) if data.referrer_id else None
    if referrer is None or not data.recipient_is_business:
        return 0, ""
    return REBATE_VAT.get(referrer.vat_regime, (0, ""))


def rebalance(session: Session, invoice: Invoice) -> None:
    """The invoice's kept balances from its payments and credit notes (in this transaction,
    with the row just added)."""
    session.flush()
    invoice.paid_cents = (
        session.scalar(
            select(func.coalesce(money_sum(Payment.amount_cents), 0)).where(
                Payment.invoice_id == invoice.id
            )
        )
        or 0
    )
    invoice.credited_cents = (
        session.scalar(
            select(func.coalesce(money_sum(Invoice.total_cents), 0)).where(
                Invoice.credits_id == invoice.id
            )
        )
        or 0
    )


def _credited(session: Session, invoice_id: int) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(Invoice.credits_id == invoice_id)))


def _fill(invoice: Invoice, data: InvoiceData, vat_rate_bp: int) -> None:
    invoice.recipient_name = data.recipient_name
    invoice.recipient_address = data.recipient_address
    invoice.recipient_siren = data.recipient_siren
    invoice.recipient_is_business = data.recipient_is_business
    invoice.description = data.description
    invoice.service_on = data.service_on
    invoice.bank_id = data.bank_id
    invoice.referrer_id = data.referrer_id
    invoice.amount_cents = data.amount_cents
    invoice.vat_rate_bp = vat_rate_bp
    invoice.vat_cents = vat_of(data.amount_cents, vat_rate_bp)
    invoice.total_cents = data.amount_cents + invoice.vat_cents
    invoice.payment_days = data.payment_days
