"""The «Export C1»'s rows read from the database: one statement streamed in the report's
order (plain tuples, no ORM objects), each dossier's household shape and the pieces it
received read with it, and what it still lacks worked out from the office's checklist once
per (shape, pieces received)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, String, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from app.auth import CurrentUser
from app.documents.checklist import BorrowerFacts, DossierFacts, Requirement, expected
from app.exports.c1 import STATUS_LABELS, C1Filters, Completeness, DateField, Row
from app.text import person_name
from models.base import money_sum
from models.dossier import (
    Borrower,
    CurrentLoan,
    Document,
    Dossier,
    Project,
    RequirementTick,
    Simulation,
    SimulationLine,
)
from models.enums import (
    AbandonReason,
    Contract,
    DossierStatus,
    InvoiceKind,
    InvoiceState,
    Right,
    SimulationStatus,
)
from models.office import Invoice, Provenance, Referrer, RequiredDocument, Step, User

_CHUNK = 2000  # rows fetched at a time


def where(filters: C1Filters, user: CurrentUser) -> list:
    """The report's dossiers: the filters, and only the user's own without «Voir tous les
    dossiers»."""
    clauses: list = []
    if not user.can(Right.VIEW_ALL_DOSSIERS):
        clauses.append(Dossier.owner_id == user.id)
    if filters.broker_ids:
        clauses.append(Dossier.owner_id.in_(sorted(filters.broker_ids)))
    if filters.statuses:
        clauses.append(Dossier.status.in_(sorted(filters.statuses)))
    if filters.step_id is not None:
        clauses.append(Dossier.step_id == filters.step_id)
    if filters.completeness is Completeness.YES:
        clauses.append(Dossier.is_complete.is_(True))
    elif filters.completeness is Completeness.NO:
        clauses.append(Dossier.is_complete.is_(False))
    day = {
        DateField.CREATION: Dossier.created_on,
        DateField.AGREEMENT: Dossier.client_agreement_on,
        DateField.SIGNATURE: Dossier.offer_signed_on,
        DateField.RELEASE: Dossier.funds_released_on,
    }[filters.date_field]
    if filters.start is not None:
        clauses.append(day >= filters.start)
    if filters.end is not None:
        clauses.append(day <= filters.end)
    return clauses


def statement(filters: C1Filters, user: CurrentUser) -> Select:
    """The report's one statement, in its order."""
    co = (
        select(Borrower.dossier_id, Borrower.first_name, Borrower.last_name)
        .where(Borrower.rank == 2)
        .subquery()
    )
    financed = (  # the client-validated simulation: one a dossier at most
        select(
            Simulation.dossier_id,
            money_sum(SimulationLine.amount_cents).label("cents"),
            func.max(Simulation.taeg_bp).label("taeg"),
            func.max(Simulation.debt_ratio_bp).label("debt_ratio"),
        )
        .join(SimulationLine, SimulationLine.simulation_id == Simulation.id)
        .where(Simulation.status == SimulationStatus.CLIENT_VALIDATED)
        .group_by(Simulation.dossier_id)
        .subquery()
    )
    net = Invoice.total_cents + Invoice.credited_cents  # credited: ≤ 0

    def of(kind: InvoiceKind, value):
        return money_sum(case((Invoice.kind == kind, value), else_=0))

    invoiced = (
        select(
            Invoice.dossier_id,
            of(InvoiceKind.FEES, net).label("fees"),
            of(InvoiceKind.FEES, Invoice.paid_cents).label("fees_paid"),
            of(InvoiceKind.BANK_COMMISSION, net).label("commission"),
            of(InvoiceKind.BANK_COMMISSION, Invoice.paid_cents).label("commission_paid"),
            of(InvoiceKind.REBATE, net).label("rebate"),
        )
        .where(
            Invoice.dossier_id.is_not(None),
            Invoice.state != InvoiceState.DRAFT,
            Invoice.credits_id.is_(None),  # the credit notes: in `credited_cents`
        )
        .group_by(Invoice.dossier_id)
        .subquery()
    )
    costs = [
        func.coalesce(column, 0)
        for column in (
            Project.price_cents,
            Project.notary_fees_cents,
            Project.works_cents,
            Project.agency_fees_cents,
            Project.other_costs_cents,
        )
    ]
    project_total = costs[0] + costs[1] + costs[2] + costs[3] + costs[4]
    has_project = or_(
        *(
            column.is_not(None)
            for column in (
                Project.price_cents,
                Project.notary_fees_cents,
                Project.works_cents,
                Project.agency_fees_cents,
                Project.other_costs_cents,
            )
        )
    )
    buy_back = (
        select(CurrentLoan.id)
        .where(CurrentLoan.dossier_id == Dossier.id, CurrentLoan.to_buy_back.is_(True))
        .exists()
    )
    # What the documents checklist needs, read with each dossier: its household's
    # shape («rank:contract:rents» per borrower) and the pieces received, each as
    # requirement × 10 + borrower's rank, from the files and the ticks.
    shape = (
        select(
            func.aggregate_strings(
                cast(Borrower.rank, String)
                + ":"
                + func.coalesce(Borrower.contract, "")
                + case((Borrower.rental_income_cents > 0, ":1"), else_=":0"),
                " ",
            )
        )
        .where(Borrower.dossier_id == Dossier.id)
        .scalar_subquery()
    )
    filed = (
        select(
            func.aggregate_strings(
                cast(Document.requirement_id * 10 + Document.borrower_rank, String), " "
            )
        )
        .where(Document.dossier_id == Dossier.id, Document.requirement_id.is_not(None))
        .scalar_subquery()
    )
    ticked = (
        select(
            func.aggregate_strings(
                cast(RequirementTick.requirement_id * 10 + RequirementTick.borrower_rank, String),
                " ",
            )
        )
        .where(RequirementTick.dossier_id == Dossier.id)
        .scalar_subquery()
    )
    return (
        select(
            Dossier.number,
            Dossier.status,
            Step.name.label("step"),
            Step.percent,
            func.trim(User.first_name + " " + User.last_name).label("owner"),
            Provenance.name.label("provenance"),
            Referrer.name.label("referrer"),
            Dossier.holder_name,
            co.c.first_name.label("co_first"),
            co.c.last_name.label("co_last"),
            Dossier.created_on,
            Dossier.client_agreement_on,
            Dossier.offer_signed_on,
            Dossier.funds_released_on,
            case((has_project, project_total), else_=literal(None)).label("project"),
            financed.c.cents.label("financed"),
            Dossier.chosen_bank,
            financed.c.taeg,
            financed.c.debt_ratio,
            Dossier.is_complete,
            Dossier.no_fees,
            Dossier.no_bank_commission,
            Dossier.no_rebate,
            invoiced.c.fees,
            invoiced.c.fees_paid,
            invoiced.c.commission,
            invoiced.c.commission_paid,
            invoiced.c.rebate,
            Dossier.abandon_reason,
            Dossier.abandoned_on,
            Step.position,
            Project.nature,
            Project.contribution_cents,
            Project.works_cents.label("works"),
            buy_back.label("buy_back"),
            shape.label("shape"),
            filed.label("filed"),
            ticked.label("ticked"),
        )
        .select_from(Dossier)
        .join(Step, Step.id == Dossier.step_id)
        .join(User, User.id == Dossier.owner_id)
        .join(Provenance, Provenance.id == Dossier.provenance_id)
        .outerjoin(Referrer, Referrer.id == Dossier.referrer_id)
        .outerjoin(co, co.c.dossier_id == Dossier.id)
        .outerjoin(Project, Project.dossier_id == Dossier.id)
        .outerjoin(financed, financed.c.dossier_id == Dossier.id)
        .outerjoin(invoiced, invoiced.c.dossier_id == Dossier.id)
        .where(*where(filters, user))
        .order_by(Dossier.created_on, Dossier.id)
    )


def rows(
    session: Session, filters: C1Filters, user: CurrentUser, limit: int | None = None
) -> Iterator[Row]:
    """The report's rows in its order, read `_CHUNK` at a time (plain tuples: no ORM
    objects), each with its missing documents worked out from the office's checklist."""
    query = statement(filters, user)
    if limit is not None:
        query = query.limit(limit)
    missing = _Missing(_requirements(session))
    # Closed however the reading ends (an export cancelled stops consuming it): on a
    # server, the rows come through a server-side cursor that must not be left open.
    with session.connection().execute(query.execution_options(yield_per=_CHUNK)) as result:
        statuses = _STATUSES
        reasons = _REASONS
        for chunk in result.partitions():
            for (
                number,
                status,
                step,
                percent,
                owner,
                provenance,
                referrer,
                holder,
                co_first,
                co_last,
                created_on,
                agreement_on,
                signed_on,
                released_on,
                project,
                financed,
                bank,
                taeg,
                debt_ratio,
                complete,
                no_fees,
                no_commission,
                no_rebate,
                fees,
                fees_paid,
                commission,
                commission_paid,
                rebate,
                reason,
                abandoned_on,
                position,
                nature,
                contribution,
                works,
                buy_back,
                shape,
                filed,
                ticked,
            ) in chunk:
                co = person_name(co_first or "", co_last) if co_last else ""
                yield (
                    number,
                    statuses[status],
                    step,
                    percent,
                    owner,
                    provenance,
                    referrer or "",
                    holder,
                    co,
                    created_on,
                    agreement_on,
                    signed_on,
                    released_on,
                    project,
                    financed,
                    bank,
                    taeg,
                    debt_ratio,
                    bool(complete),
                    missing.of(
                        (shape, nature, bool(contribution), bool(works), bool(buy_back)),
                        filed,
                        ticked,
                        holder,
                        co,
                    ),
                    bool(no_fees),
                    bool(no_commission),
                    bool(no_rebate),
                    fees,
                    fees_paid,
                    commission,
                    commission_paid,
                    rebate,
                    reasons[reason] if reason else "",
                    abandoned_on,
                    position,
                )


_REASONS = {reason: reason.label for reason in AbandonReason}
# By the enum or its stored value (a StrEnum: both hash alike).
_STATUSES: dict[str, str] = {status: STATUS_LABELS[status.value] for status in DossierStatus}
_CACHED_SHAPES = 50_000  # distinct households × pieces received kept, at most


def _requirements(session: Session) -> list[Requirement]:
    return [
        Requirement(r.id, r.label, r.rule, r.folder, r.is_active)
        for r in session.scalars(
            select(RequiredDocument)
            .where(RequiredDocument.is_active)
            .order_by(RequiredDocument.position)
        )
    ]


class _Missing:
    """Each dossier's «Pièces à fournir» not received yet (no file answers it, not ticked
    by hand), as the «Documents» tab works them out. Thousands of dossiers share the same
    household shape and the same pieces received: what they lack is worked out once per
    such pair, then only the borrowers' names are put in."""

    def __init__(self, requirements: list[Requirement]) -> None:
        self._requirements = requirements
        self._asked: dict[tuple, list[tuple[int, int, str]]] = {}  # (code, rank, label)
        self._lacking: dict[tuple, tuple[str, bool]] = {}

    def of(self, facts: tuple, filed: str | None, ticked: str | None, holder: str, co: str) -> str:
        if not self._requirements:
            return ""
        key = (facts, filed, ticked)
        found = self._lacking.get(key)
        if found is None:
            if len(self._lacking) >= _CACHED_SHAPES:
                self._lacking.clear()
            found = self._lacking[key] = self._work_out(facts, filed, ticked)
        text, named = found
        return text.format(holder, co) if named else text

    def _work_out(self, facts: tuple, filed: str | None, ticked: str | None) -> tuple[str, bool]:
        """What the dossier lacks, as a text whose borrowers' names are put in by
        `str.format` ({0} the porteur de projet, {1} the co-emprunteur)."""
        items = self._asked.get(facts)
        if items is None:
            items = self._asked[facts] = self._expected(facts)
        received = set(map(int, filed.split())) if filed else set()
        if ticked:
            received.update(map(int, ticked.split()))
        lacking = [(rank, label) for code, rank, label in items if code not in received]
        if not any(rank for rank, _label in lacking):
            return " ; ".join(label for _rank, label in lacking), False
        return " ; ".join(
            label.replace("{", "{{").replace("}", "}}")
            + (f" — {{{rank - 1}}}" if rank in (1, 2) else (" — " if rank else ""))
            for rank, label in lacking
        ), True

    def _expected(self, facts: tuple) -> list[tuple[int, int, str]]:
        shape, nature, contribution, works, buy_back = facts
        borrowers = []
        for one in (shape or "").split():
            rank, contract, rents = one.split(":")
            borrowers.append(
                BorrowerFacts(int(rank), "", Contract(contract) if contract else None, rents == "1")
            )
        dossier = DossierFacts(
            borrowers=tuple(sorted(borrowers, key=lambda b: b.rank)),
            nature=nature,
            contribution=contribution,
            works=works,
            buy_back=buy_back,
        )
        return [  # each piece as the query codes it: requirement × 10 + rank
            (item.requirement_id * 10 + item.borrower_rank, item.borrower_rank, item.label)
            for item in expected(self._requirements, dossier)
        ]
