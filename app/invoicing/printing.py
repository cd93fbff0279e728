"""Invoices on paper: what an issued invoice or credit note says (the office as it was on
the day of issue), its PDF — a Factur-X to a bank — and the reminder letter of an invoice
past its due date (a part of `InvoiceService`). Nothing is written to the database: whoever
sees the dossier prints its invoices (those of a deleted dossier, whoever holds «Facturer»)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from app.dossier.access import DossierCommands
from app.errors import DomainError, NotFound
from app.files import atomic_path
from app.invoicing.dossier_invoices import DossierInvoices
from app.invoicing.invoices import PrintedInvoice
from app.office.company import Company
from models.enums import InvoiceKind, InvoiceState, Right
from models.office import Invoice


class InvoicePrinting(DossierCommands[DossierInvoices]):
    """The printed invoices of `InvoiceService`."""

    _company: Callable[[], Company]
    _logo: Callable[[Company], bytes | None]
    _invoice: Callable[[Session, int], Invoice]

    def printed(self, invoice_id: int) -> PrintedInvoice:
        """What an issued invoice or credit note says on paper: the office as it was on the
        day of issue."""
        today_company = self._company()
        with self._db.read() as session:
            invoice = self._invoice(session, invoice_id)
            if invoice.dossier_id is not None:
                self._visible(session, invoice.dossier_id)
            elif not self._user.can(Right.INVOICE):
                raise NotFound("Cette facture ne vous est pas accessible.")
            if invoice.state is InvoiceState.DRAFT or invoice.issued_on is None:
                raise DomainError("Un brouillon ne s'imprime pas : émettez d'abord la facture.")
            credited = session.get(Invoice, invoice.credits_id) if invoice.credits_id else None
            company = _seller_of(invoice.seller) or today_company
            return PrintedInvoice(
                company=company,
                logo=self._logo(company),
                number=invoice.number or "",
                credit_note_of=credited.number or "" if credited else "",
                kind_label=invoice.kind.label,
                dossier_number=invoice.dossier_number,
                issued_on=invoice.issued_on,
                service_on=invoice.service_on,
                due_on=invoice.due_on,
                recipient_name=invoice.recipient_name,
                recipient_address=invoice.recipient_address,
                recipient_siren=invoice.recipient_siren,
                recipient_is_business=invoice.recipient_is_business,
                description=invoice.description,
                amount_cents=invoice.amount_cents,
                vat_rate_bp=invoice.vat_rate_bp,
                vat_cents=invoice.vat_cents,
                total_cents=invoice.total_cents,
                kind=invoice.kind,
                credited_on=credited.issued_on if credited else None,
                vat_mention=invoice.vat_mention,
                recipient_vat_number=invoice.recipient_vat_number,
                billing_mandate_on=invoice.billing_mandate_on,
            )

    def write_pdf(
        self, invoice_id: int, target: Path, stop: Callable[[], bool] | None = None
    ) -> Path:
        """The invoice's PDF into `target` (written whole, or not at all); to a bank, a
        Factur-X (the PDF/A-3 carrying its EN 16931 XML)."""
        from app.invoicing.invoice_pdf import write_invoice  # reportlab: 0.2 s

        data = self.printed(invoice_id)
        if not data.electronic:
            with atomic_path(target) as partial:
                write_invoice(data, partial, stop)
            return target
        from app.invoicing.facturx import attach, cii_xml  # factur-x: 0.15 s

        xml = cii_xml(data, data.credited_on)  # refused before anything is written
        with atomic_path(target) as partial:
            plain = partial.with_name(partial.name + ".pdf")
            try:
                write_invoice(data, plain, stop)
                attach(plain, xml, partial)
            finally:
                plain.unlink(missing_ok=True)
        return target

    def write_reminder(
        self, invoice_id: int, target: Path, stop: Callable[[], bool] | None = None
    ) -> Path:
        """The reminder letter of an invoice past its due date (written whole, or not)."""
        from app.invoicing.reminder_pdf import write_reminder  # reportlab: 0.2 s

        printed = self.printed(invoice_id)
        if printed.credit_note_of:
            raise DomainError("Un avoir ne se relance pas.")
        if printed.kind is InvoiceKind.REBATE:
            raise DomainError("Une ristourne est due par le cabinet : elle ne se relance pas.")
        with self._db.read() as session:
            invoice = self._invoice(session, invoice_id)  # its kept balances
            state = invoice.state
            remaining = invoice.total_cents + invoice.credited_cents - invoice.paid_cents
        today = self._today()
        if state is not InvoiceState.ISSUED or remaining <= 0:
            raise DomainError("Cette facture ne doit plus rien : pas de relance.")
        if printed.due_on is None or printed.due_on >= today:
            raise DomainError(
                f"Cette facture n'est pas encore échue (échéance le "
                f"{printed.due_on:%d/%m/%Y}) : pas de relance."
                if printed.due_on
                else "Cette facture n'a pas d'échéance : pas de relance."
            )
        with atomic_path(target) as partial:
            write_reminder(printed, remaining, today, partial, stop)
        return target


def _seller_of(kept: str) -> Company | None:
    """The office as kept on an invoice (None if it was not kept)."""
    try:
        values = json.loads(kept) if kept else None
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    known = {f.name for f in dataclasses.fields(Company)}
    return Company(**{k: str(v) for k, v in values.items() if k in known})
