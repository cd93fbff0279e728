"""The office's invoices, for the «Facturation» window and the accountant: filtered and
totalled in SQL (sales apart from the rebates the office owes), the dossiers still to
invoice, the «Journal des ventes», and the «relevé de ristournes» of an apporteur."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.auth import CurrentUser
from app.errors import DomainError, NotFound
from app.files import atomic_path
from app.invoicing.invoices import RebateStatement, StatementLine
from app.invoicing.journal import Journal, PaymentLine, SaleLine, write_csv, write_xlsx
from app.office.company import Company
from app.storage.database import Database
from models.base import money_sum
from models.dossier import Dossier
from models.enums import (
    DossierStatus,
    InvoiceKind,
    InvoiceState,
    PaymentMeans,
    ReferrerKind,
    Right,
)
from models.office import Invoice, Payment, Referrer, User

STATUSES = (
    "Brouillon",
    "Émise",
    "Partiellement payée",
    "En retard",
    "Payée",
    "À rembourser",
    "Annulée",
    "Avoir",
)


@dataclass(frozen=True)
class InvoiceFilter:
    start: dt.date | None = None  # issued (or, a draft, created) from…
    end: dt.date | None = None  # …to, included
    broker_id: int | None = None
    kind: InvoiceKind | None = None
    status: str | None = None  # one of STATUSES
    text: str = ""  # a dossier number, a customer, a bank, an invoice number
    dossier_id: int | None = None
    sales_only: bool = False  # without the rebates the office owes (the reminders)


@dataclass(frozen=True)
class OfficeInvoiceRow:
    id: int
    dossier_id: int | None
    dossier_number: str
    number: str
    kind: InvoiceKind
    credit_note: bool
    recipient_name: str
    issued_on: dt.date | None
    due_on: dt.date | None
    total_cents: int
    paid_cents: int
    due_cents: int
    status: str


@dataclass(frozen=True)
class OfficeInvoices:
    """The rows found and their totals: sales (fees, commissions) apart from the rebates,
    which the office owes and which are no turnover."""

    rows: tuple[OfficeInvoiceRow, ...]
    count: int  # all the invoices the filter finds (the rows: the latest 1,000)
    total_ht_cents: int  # sales
    total_ttc_cents: int
    paid_cents: int
    due_cents: int
    to_refund_cents: int = 0  # paid beyond credit notes: owed back to clients and banks
    rebates_cents: int = 0  # the rebates issued (their credit notes deducted)
    rebates_due_cents: int = 0  # still to pay to the apporteurs


@dataclass(frozen=True)
class ToInvoice:
    dossier_id: int
    number: str
    holder: str
    broker: str
    offer_signed_on: dt.date
    kinds: tuple[InvoiceKind, ...]  # expected and not invoiced yet


ROW_LIMIT = 1000


class OfficeInvoicing:
    """The «Facturation» window's reads, for users holding «Facturer»: the office's invoices
    (their own dossiers' without «Voir tous les dossiers»), filtered and totalled in SQL, and
    the dossiers still to invoice."""

    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        today: Callable[[], dt.date] = dt.date.today,
        letterhead: Callable[[], tuple[Company, bytes | None]] = lambda: (Company(), None),
    ) -> None:
        self._db = database
        self._user = user
        self._today = today
        self._letterhead = letterhead

    def search(self, wanted: InvoiceFilter) -> OfficeInvoices:
        self._user.require(Right.INVOICE)
        today = self._today()
        paid, credited = Invoice.paid_cents, Invoice.credited_cents  # kept by each write
        due = Invoice.total_cents + credited - paid
        issued = and_(Invoice.state == InvoiceState.ISSUED, Invoice.credits_id.is_(None))
        invoiced = and_(Invoice.state != InvoiceState.DRAFT, Invoice.credits_id.is_(None))
        status = case(
            (Invoice.state == InvoiceState.DRAFT, "Brouillon"),
            (Invoice.credits_id.is_not(None), "Avoir"),
            (due < 0, "À rembourser"),
            (Invoice.state == InvoiceState.CANCELLED, "Annulée"),
            (due <= 0, "Payée"),
            (and_(Invoice.due_on.is_not(None), Invoice.due_on < today), "En retard"),
            (paid > 0, "Partiellement payée"),
            else_="Émise",
        )
        conditions = []
        day = func.coalesce(Invoice.issued_on, func.date(Invoice.created_at))
        if wanted.start is not None:
            conditions.append(day >= wanted.start)
        if wanted.end is not None:
            conditions.append(day <= wanted.end)
        if wanted.broker_id is not None:
            conditions.append(Invoice.broker_id == wanted.broker_id)
        if wanted.kind is not None:
            conditions.append(Invoice.kind == wanted.kind)
        if wanted.sales_only:
            conditions.append(Invoice.kind != InvoiceKind.REBATE)
        if wanted.dossier_id is not None:
            conditions.append(Invoice.dossier_id == wanted.dossier_id)
        if wanted.status:
            conditions.append(status == wanted.status)
        text = " ".join(wanted.text.split())
        if text:
            like = f"%{text.replace('%', '').replace('_', '')}%"
            conditions.append(
                or_(
                    Invoice.dossier_number.like(like),
                    Invoice.recipient_name.like(like),
                    Invoice.number.like(like),
                )
            )
        conditions += self._scope()
        with self._db.read() as session:
            rebate = Invoice.kind == InvoiceKind.REBATE
            posted = Invoice.state != InvoiceState.DRAFT

            def total(value, when=posted, sales=True):
                counted = and_(when, ~rebate if sales else rebate)
                return func.coalesce(money_sum(case((counted, value), else_=0)), 0)

            def positive(value):
                # Not SQLite's two-argument max(), which PostgreSQL does not have.
                return case((value > 0, value), else_=0)

            # One pass over the invoices found (drafts counted, never summed).
            totals = session.execute(
                select(
                    func.count(Invoice.id),
                    total(Invoice.amount_cents),
                    total(Invoice.total_cents),
                    total(paid, invoiced),  # a cancelled invoice's payments too
                    total(positive(due), issued),
                    total(positive(-due), invoiced),
                    total(Invoice.total_cents, sales=False),
                    total(positive(due), issued, sales=False),
                ).where(*conditions)
            ).one()
            found = session.execute(
                select(
                    Invoice.id,
                    Invoice.dossier_id,
                    Invoice.dossier_number,
                    Invoice.number,
                    Invoice.kind,
                    Invoice.credits_id,
                    Invoice.recipient_name,
                    Invoice.issued_on,
                    Invoice.due_on,
                    Invoice.total_cents,
                    paid,
                    due,
                    status,
                    Invoice.state,
                )
                .where(*conditions)
                .order_by(day.desc(), Invoice.id.desc())
                .limit(ROW_LIMIT)
            ).all()
        rows = tuple(
            OfficeInvoiceRow(
                id=r[0],
                dossier_id=r[1],
                dossier_number=r[2],
                number=r[3] or "",
                kind=r[4],
                credit_note=r[5] is not None,
                recipient_name=r[6],
                issued_on=r[7],
                due_on=r[8],
                total_cents=r[9],
                paid_cents=r[10],
                due_cents=(
                    r[11]
                    if r[13] is not InvoiceState.DRAFT and r[5] is None and r[11] < 0
                    else max(0, r[11])
                    if r[13] is InvoiceState.ISSUED and r[5] is None
                    else 0
                ),  # negative: to refund
                status=r[12],
            )
            for r in found
        )
        return OfficeInvoices(
            rows=rows,
            count=totals[0],
            total_ht_cents=totals[1],
            total_ttc_cents=totals[2],
            paid_cents=totals[3],
            due_cents=totals[4],
            to_refund_cents=totals[5],
            rebates_cents=totals[6],
            rebates_due_cents=totals[7],
        )

    def _scope(self) -> list:
        """The invoices this user sees: all with «Voir tous les dossiers», else those of his
        own dossiers."""
        if self._user.can(Right.VIEW_ALL_DOSSIERS):
            return []
        owned = select(Dossier.id).where(Dossier.owner_id == self._user.id)
        return [Invoice.dossier_id.in_(owned)]

    def journal(self, start: dt.date, end: dt.date) -> Journal:
        """«Journal des ventes»: the invoices and credit notes issued from `start` to `end`
        (in their numbering order) and the payments received then; the rebates and what
        was paid of them apart (purchases, not sales)."""
        self._user.require(Right.INVOICE)
        if end < start:
            raise DomainError("La fin de la période précède son début.", "end")
        with self._db.read() as session:
            sales, payments = _journal_rows(session, start, end, self._scope())
        # Plain rows, not ORM objects, and each label looked up once: a year is 75,000 lines.
        kinds = {kind: kind.label for kind in InvoiceKind}
        means = {m: m.label for m in PaymentMeans}
        lines = [
            (
                r.kind is InvoiceKind.REBATE,
                SaleLine(
                    r.issued_on,
                    r.credits_id is not None,
                    r.number or "",
                    r.credits or "",
                    kinds[r.kind],
                    r.dossier_number,
                    r.recipient_name,
                    r.amount_cents,
                    r.vat_cents,
                    r.total_cents,
                ),
            )
            for r in sales
        ]
        paid = [
            (
                r.kind is InvoiceKind.REBATE,
                PaymentLine(
                    r.paid_on,
                    r.number or "",
                    r.recipient_name,
                    means[r.means]
                    if r.means in means
                    else means.setdefault(r.means, r.means.label),
                    r.reference,
                    r.amount_cents,
                ),
            )
            for r in payments
        ]
        return Journal(
            start,
            end,
            tuple(line for rebate, line in lines if not rebate),
            tuple(line for rebate, line in paid if not rebate),
            rebates=tuple(line for rebate, line in lines if rebate),
            rebate_payments=tuple(line for rebate, line in paid if rebate),
        )

    def write_journal(self, start: dt.date, end: dt.date, target: Path) -> Path:
        """The journal to `target`: an Excel workbook (.xlsx) or a CSV file (.csv)."""
        suffix = target.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise DomainError("Le journal s'écrit en .xlsx (Excel) ou en .csv.", "out")
        data = self.journal(start, end)
        try:
            return (write_xlsx if suffix == ".xlsx" else write_csv)(data, target)
        except OSError as error:
            raise DomainError(
                f"Impossible d'écrire « {target} » : {error.strerror or error}. L'ancien "
                "fichier, s'il existe, est intact.",
                "out",
            ) from error

    def referrers(self) -> list[tuple[int, str]]:
        """The apporteurs with at least one rebate issued, by name: (id, name)."""
        self._user.require(Right.INVOICE)
        with self._db.read() as session:
            return [
                (r.id, r.name)
                for r in session.scalars(
                    select(Referrer)
                    .where(
                        exists().where(
                            Invoice.referrer_id == Referrer.id,
                            Invoice.kind == InvoiceKind.REBATE,
                            Invoice.state != InvoiceState.DRAFT,
                        )
                    )
                    .order_by(Referrer.name)
                )
            ]

    def rebate_statement(self, referrer_id: int, start: dt.date, end: dt.date) -> RebateStatement:
        """«Relevé de ristournes»: the rebates (and their credit notes) issued to an apporteur
        from `start` to `end`, each with its dossier, its client and what was paid of it by
        the end of the period."""
        self._user.require(Right.INVOICE)
        if end < start:
            raise DomainError("La fin de la période précède son début.", "end")
        company, logo = self._letterhead()  # read before the read transaction
        conditions = [
            Invoice.referrer_id == referrer_id,
            Invoice.kind == InvoiceKind.REBATE,
            Invoice.state != InvoiceState.DRAFT,
            Invoice.issued_on >= start,
            Invoice.issued_on <= end,
            *self._scope(),
        ]
        paid = (
            select(func.coalesce(money_sum(Payment.amount_cents), 0))
            .where(Payment.invoice_id == Invoice.id, Payment.paid_on <= end)
            .scalar_subquery()
        )
        with self._db.read() as session:
            referrer = session.get(Referrer, referrer_id)
            if referrer is None:
                raise NotFound("Cet apporteur d'affaires n'existe plus.")
            found = session.execute(
                select(Invoice, Dossier.holder_name, paid)
                .outerjoin(Dossier, Dossier.id == Invoice.dossier_id)
                .where(*conditions)
                .order_by(Invoice.issued_on, Invoice.id)
            ).all()
            # The person as the rebates were issued to him (the latest), else as he is now.
            latest = found[-1][0] if found else None
            return RebateStatement(
                company=company,
                logo=logo,
                referrer_name=latest.recipient_name if latest else referrer.name,
                referrer_address=latest.recipient_address if latest else referrer.address,
                referrer_siren=latest.recipient_siren if latest else referrer.siren,
                referrer_is_business=latest.recipient_is_business
                if latest
                else referrer.kind is ReferrerKind.COMPANY,
                start=start,
                end=end,
                lines=tuple(
                    StatementLine(
                        issued_on=i.issued_on,
                        number=i.number or "",
                        credit_note=i.credits_id is not None,
                        dossier_number=i.dossier_number,
                        client=holder or "",
                        total_cents=i.total_cents,
                        paid_cents=paid_cents,
                    )
                    for i, holder, paid_cents in found
                ),
            )

    def write_rebate_statement(
        self,
        referrer_id: int,
        start: dt.date,
        end: dt.date,
        target: Path,
        stop: Callable[[], bool] | None = None,
    ) -> Path:
        """The statement's PDF into `target` (written whole, or not at all)."""
        from app.invoicing.statement_pdf import write_statement  # reportlab: 0.2 s

        data = self.rebate_statement(referrer_id, start, end)
        with atomic_path(target) as partial:
            write_statement(data, self._today(), partial, stop)
        return target

    def to_invoice(self, limit: int = 500) -> list[ToInvoice]:
        """Dossiers whose offer is signed, not abandoned, with a kind expected (not ticked
        «Pas de …») and not invoiced yet (an issued invoice or a draft counts)."""
        self._user.require(Right.INVOICE)

        def invoiced(kind: InvoiceKind):
            return exists().where(
                Invoice.dossier_id == Dossier.id,
                Invoice.kind == kind,
                Invoice.credits_id.is_(None),
                Invoice.state != InvoiceState.CANCELLED,
            )

        expected = {
            InvoiceKind.FEES: Dossier.no_fees.is_(False),
            InvoiceKind.BANK_COMMISSION: Dossier.no_bank_commission.is_(False),
            InvoiceKind.REBATE: Dossier.no_rebate.is_(False) & Dossier.referrer_id.is_not(None),
        }
        missing = {kind: condition & ~invoiced(kind) for kind, condition in expected.items()}
        conditions = [
            Dossier.offer_signed_on.is_not(None),
            Dossier.status != DossierStatus.ABANDONED,
            or_(*missing.values()),
        ]
        if not self._user.can(Right.VIEW_ALL_DOSSIERS):
            conditions.append(Dossier.owner_id == self._user.id)
        with self._db.read() as session:
            found = session.execute(
                select(
                    Dossier.id,
                    Dossier.number,
                    Dossier.holder_name,
                    User.first_name + " " + User.last_name,
                    Dossier.offer_signed_on,
                    *missing.values(),
                )
                .join(User, User.id == Dossier.owner_id)
                .where(*conditions)
                .order_by(Dossier.offer_signed_on, Dossier.id)
                .limit(limit)
            ).all()
        kinds = list(missing)
        return [
            ToInvoice(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                tuple(kind for kind, flag in zip(kinds, r[5:], strict=True) if flag),
            )
            for r in found
        ]


def _journal_rows(session: Session, start: dt.date, end: dt.date, scope: list):
    note = aliased(Invoice)
    conditions = [
        Invoice.state != InvoiceState.DRAFT,
        Invoice.issued_on >= start,
        Invoice.issued_on <= end,
        *scope,
    ]
    sales = session.execute(
        select(
            Invoice.issued_on,
            Invoice.credits_id,
            Invoice.number,
            note.number.label("credits"),
            Invoice.kind,
            Invoice.dossier_number,
            Invoice.recipient_name,
            Invoice.amount_cents,
            Invoice.vat_cents,
            Invoice.total_cents,
        )
        .outerjoin(note, note.id == Invoice.credits_id)
        .where(*conditions)
        .order_by(Invoice.issued_on, Invoice.id)
    ).all()
    paid_conditions = [Payment.paid_on >= start, Payment.paid_on <= end, *scope]
    payments = session.execute(
        select(
            Payment.paid_on,
            Payment.means,
            Payment.reference,
            Payment.amount_cents,
            Invoice.number,
            Invoice.recipient_name,
            Invoice.kind,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(*paid_conditions)
        .order_by(Payment.paid_on, Payment.id)
    ).all()
    return sales, payments
