"""The demo dossiers, row by row, from a seeded random generator (it runs in a worker
process for big offices: everything it needs is plain data)."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.household import HouseholdMaker, age_on, person_name
from app.demo.paperwork import PaperworkMaker
from app.demo.story import (
    BANK_AGREED,
    DEED_SIGNED,
    OFFER_SIGNED,
    SENT_TO_BANKS,
    Story,
    abandon_reason,
    alternative_status,
    chosen_bank_status,
    milestone,
    monthly_per_euro,
    other_bank_statuses,
    over_budget,
    repayable_cents,
    retained_status,
    step_gap,
)
from app.demo.words import (
    ABANDON_DETAILS,
    CITIES,
    LENDERS,
    MANUAL_COMMENTS,
    NOTES,
    STREETS,
)
from app.dossier.auto_comments import Snapshot, expected_comments
from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import LoanData, ProjectData
from app.invoicing.invoices import REBATE_VAT
from app.listing import bank_sort_key, search_document
from app.office.numbering import counter_name, format_number
from app.text import fold
from models.enums import (
    AbandonReason,
    ChargeKind,
    Deferral,
    DossierStatus,
    DossierTab,
    Guarantee,
    InsuranceBase,
    LineKind,
    LoanKind,
    ProjectNature,
    ProjectUse,
    ReferrerKind,
    RentalMethod,
    SavingsKind,
    SimulationStatus,
    SubmissionStatus,
)
from models.office import Bank, Provenance, Referrer, RequiredDocument, Step, User


class SeededRandom(random.Random):
    """random.Random with cheaper picks: choice() and randrange() cost ~2 µs each in
    CPython, and the demo draws millions of them."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        count = (stop - start + step - 1) // step
        return start + step * int(self.random() * count)

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        if weights is not None and k == 1:
            total = sum(weights)
            point = self.random() * total
            for value, weight in zip(population, weights, strict=True):
                point -= weight
                if point < 0:
                    return [value]
            return [population[-1]]
        return super().choices(population, weights, cum_weights=cum_weights, k=k)


def _borrower_data(row: dict) -> BorrowerData:
    return BorrowerData(**{name: row[name] for name in BorrowerData.__dataclass_fields__})


def _child_data(row: dict) -> ChildData:
    return ChildData(
        row["first_name"], row["birth_date"], row["dependent"], row["alternating_custody"]
    )


@dataclass(frozen=True)
class Reference:
    id: int
    name: str
    percent: int


@dataclass(frozen=True)
class DemoReferrer:
    rate_mpct: int | None
    fixed_cents: int | None
    name: str
    address: str
    siren: str
    company: bool
    vat_rate_bp: int
    vat_mention: str
    vat_number: str
    mandate_on: dt.date | None


@dataclass
class DemoOffice:
    """What the generator needs of the office, as plain data (it runs in another process)."""

    brokers: list[int]  # the active ones
    steps: list[Reference]
    provenances: list[Reference]
    referrer_ids: list[int]
    referrer_provenance: int | None
    actor_ids: list[int]
    bank_ids: list[int]
    # (id, name, agency and contact) of the active banks, for the sendings
    banks: list[tuple[int, str, str]] = field(default_factory=list)
    # The office's «Pièces à fournir»: (id, label, rule, folder)
    requirements: list[tuple[int, str, str, str]] = field(default_factory=list)
    # The sample files stored once: by the start of the piece they answer, (hash, size,
    # file name, title); set by build_demo once written
    samples: dict[str, tuple[str, int, str, str]] = field(default_factory=dict)
    # Commissions by bank id (rate of the amount lent, thousandths of a percent), and the
    # apporteurs' shares by id (rate of the fees, or a fixed amount)
    commissions: dict[int, int] = field(default_factory=dict)
    # (address, SIREN) of each bank, as its commission invoices name it
    bank_identity: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Each apporteur's share and identity as its rebates state them
    rebates: dict[int, DemoReferrer] = field(default_factory=dict)
    # The brokers gone (deactivated): they keep the dossiers of more than a year ago
    former_brokers: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session) -> DemoOffice:
        people = session.execute(
            select(User.id, User.is_broker, User.is_active).order_by(User.id)
        ).all()
        brokers = [i for i, broker, active in people if broker and active]
        active = [i for i, _broker, is_active in people if is_active]
        steps = list(session.scalars(select(Step).where(Step.is_active).order_by(Step.position)))
        provenances = list(session.scalars(select(Provenance).order_by(Provenance.position)))
        referrer_prov = next((p.id for p in provenances if "apporteur" in fold(p.name)), None)
        return cls(
            brokers=brokers or [i for i, *_ in people],
            former_brokers=[i for i, broker, is_active in people if broker and not is_active],
            steps=[Reference(s.id, s.name, s.percent) for s in steps],
            provenances=[Reference(p.id, p.name, 0) for p in provenances],
            referrer_ids=list(session.scalars(select(Referrer.id))),
            referrer_provenance=referrer_prov,
            actor_ids=active or [i for i, *_ in people],
            bank_ids=list(session.scalars(select(Bank.id).where(Bank.is_active).order_by(Bank.id))),
            banks=[
                (b.id, b.name, " — ".join(p for p in (b.agency, b.contact) if p))
                for b in session.scalars(select(Bank).where(Bank.is_active).order_by(Bank.id))
            ],
            commissions={
                b.id: b.commission_rate_mpct
                for b in session.scalars(select(Bank))
                if b.commission_rate_mpct is not None
            },
            bank_identity={b.id: (b.address, b.siren) for b in session.scalars(select(Bank))},
            rebates={
                r.id: DemoReferrer(
                    r.rebate_rate_mpct,
                    r.rebate_fixed_cents,
                    r.name,
                    r.address,
                    r.siren,
                    r.kind is ReferrerKind.COMPANY,
                    *(
                        REBATE_VAT.get(r.vat_regime, (0, ""))
                        if r.kind is ReferrerKind.COMPANY
                        else (0, "")
                    ),
                    r.vat_number,
                    r.billing_mandate_on,
                )
                for r in session.scalars(select(Referrer))
            },
            requirements=[
                (r.id, r.label, r.rule.value, r.folder.value)
                for r in session.scalars(
                    select(RequiredDocument)
                    .where(RequiredDocument.is_active)
                    .order_by(RequiredDocument.position)
                )
            ],
        )


@dataclass
class DossierRows:
    """One dossier's rows, named after their tables."""

    dossiers: list[dict]
    borrowers: list[dict]
    step_changes: list[dict]
    simulations: list[dict]
    simulation_lines: list[dict]
    simulation_covers: list[dict]
    children: list[dict]
    projects: list[dict]
    current_loans: list[dict]
    monthly_charges: list[dict]
    real_estate: list[dict]
    savings: list[dict]
    comments: list[dict]
    documents: list[dict] = field(default_factory=list)
    requirement_ticks: list[dict] = field(default_factory=list)
    bank_submissions: list[dict] = field(default_factory=list)
    invoices: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)


# A bank's rate (thousandths of a percent) by duration, around which each dossier's lies
_BASE_RATE = {180: 3050, 240: 3200, 300: 3350}
_DURATIONS = (180, 240, 300)
# Borrower insurance (thousandths of a percent of the capital a year), by age
_INSURANCE_RATES = ((35, (100, 120, 150)), (50, (150, 180, 240)), (200, (240, 300, 340)))
_INSURANCE_BY_AGE = [
    next(rates for limit, rates in _INSURANCE_RATES if age < limit) for age in range(120)
]
_PTZ_NATURES = (ProjectNature.NEW_BUILD, ProjectNature.CONSTRUCTION)
_USES = (ProjectUse.MAIN_HOME, ProjectUse.SECOND_HOME, ProjectUse.RENTAL)
_NATURES = (
    ProjectNature.EXISTING,
    ProjectNature.NEW_BUILD,
    ProjectNature.CONSTRUCTION,
    ProjectNature.WORKS,
)
_LEAST_PAYMENT = 400_00  # a household repaying less is no buyer a broker meets
_LEAST_LOAN = 40_000_00


def _round_up(cents: int, step: int) -> int:
    return -(-cents // step) * step


# (duration, rate, each borrower's insurance (rate, share), the durations allowed)
Terms = tuple[int, int, list[tuple[int, int]], list[int]]


@dataclass
class _Plan:
    """One simulation to write: its name, what it lends, how."""

    name: str
    amount: int
    months: int
    rate: int
    ptz: int = 0


class DossierGenerator(HouseholdMaker, PaperworkMaker):
    """One dossier at a time, every part of it agreeing with the others: its steps and their
    dates, its simulations' amounts (what its project leaves to finance) and statuses, the
    banks' answers, the household's jobs, incomes and debt ratio, its invoices."""

    def __init__(
        self,
        rng,
        office: DemoOffice,
        today,
        counters: dict[str, int],
        next_child_id: int,
        next_loan_id: int,
        next_simulation_id: int = 1,
        next_line_id: int = 1,
        next_cover_id: int = 1,
        next_invoice_id: int = 1,
        first_dossier: int = 1,
        dossiers: int = 0,
    ) -> None:
        self.rng = rng
        # The dossiers to make, from id `first_dossier` on: created in the order of their
        # ids (and so of their numbers), when their count is known.
        self.first_dossier = first_dossier
        self.dossiers = dossiers
        self.office = office
        self.today = today
        self.counters = counters
        self.next_child_id = next_child_id
        self.next_loan_id = next_loan_id
        self.next_simulation_id = next_simulation_id
        self.next_line_id = next_line_id
        self.next_cover_id = next_cover_id
        self.next_invoice_id = next_invoice_id
        self._samples = {}
        self._percents = [step.percent for step in office.steps]
        # An abandoned dossier was left before its offer was signed
        self._abandonable = max(1, sum(1 for p in self._percents if p < OFFER_SIGNED))

    def _number(self, created_on: dt.date) -> str:
        name = counter_name(created_on.year)
        value = self.counters.get(name, 0) + 1
        self.counters[name] = value
        return format_number(created_on.year, value)

    def _created_on(self, dossier_id: int) -> dt.date:
        """Some day of the last three years, the recent ones more often (a triangular
        law); the dossiers made together are created in the order of their ids, so that
        their numbers follow their dates as an office's do."""
        rng = self.rng
        if not self.dossiers:
            return self.today - dt.timedelta(days=int(rng.triangular(0, 3 * 365, 0)))
        rank = (dossier_id - self.first_dossier + rng.random()) / self.dossiers  # [0, 1)
        return self.today - dt.timedelta(days=int(3 * 365 * (1 - math.sqrt(rank))))

    def _story(self, dossier_id: int) -> Story:
        """Created some day of the last three years (recent ones more often), a prospect,
        a client or abandoned; then a step every few weeks, never after today: a dossier
        created last week has not signed its deed. A client of some months has mostly
        signed it; a prospect is at its first steps; an abandoned dossier never signed its
        offer, and was abandoned after its last step, for a reason that step allows."""
        rng, today, percents = self.rng, self.today, self._percents
        created_on = self._created_on(dossier_id)
        status = rng.choices(
            (DossierStatus.PROSPECT, DossierStatus.CLIENT, DossierStatus.ABANDONED), (35, 45, 20)
        )[0]
        age = (today - created_on).days
        if status is DossierStatus.PROSPECT:
            target = rng.choice((0, 0, 0, 1))
        elif status is DossierStatus.CLIENT and rng.random() < min(0.9, age / 270):
            target = len(percents) - 1
        elif status is DossierStatus.ABANDONED:
            target = rng.randrange(self._abandonable)
        else:
            target = rng.randrange(len(percents))
        reached = [(0, created_on)]
        day = created_on
        for index in range(1, min(target, len(percents) - 1) + 1):
            day += dt.timedelta(days=step_gap(rng, percents[index]))
            if day > today:
                break
            reached.append((index, day))
        percent = percents[reached[-1][0]]
        reason = abandoned_on = None
        if status is DossierStatus.ABANDONED:
            reason = abandon_reason(rng, percent)
            abandoned_on = min(today, reached[-1][1] + dt.timedelta(days=rng.randrange(1, 60)))
        return Story(status, reached, percent, reason, abandoned_on)

    def make(self, dossier_id: int) -> DossierRows:
        rng, office = self.rng, self.office
        story = self._story(dossier_id)
        created_on = story.created_on
        steps = office.steps
        percents = self._percents
        last_day = story.end or self.today
        borrowers = self._borrowers(dossier_id)
        main = borrowers[0]
        names = [person_name(b["first_name"], b["last_name"]) for b in borrowers]
        holder = names[0]
        number = self._number(created_on)
        provenance = rng.choice(office.provenances)
        referrer_id = None
        detail = ""
        if provenance.id == office.referrer_provenance and office.referrer_ids:
            referrer_id = rng.choice(office.referrer_ids)
        elif rng.random() < 0.3:
            detail = rng.choice(
                (
                    "Salon de l'immobilier 2025",
                    "Recommandé par un client",
                    "Google",
                    "Via le site comparateur",
                )
            )
        # Its broker (one gone since owns only the dossiers of more than a year ago), who
        # moves it on himself, or a colleague does.
        owner_id = rng.choice(
            office.brokers + office.former_brokers
            if (self.today - created_on).days > 365
            else office.brokers
        )
        actor = owner_id if rng.random() < 0.7 else rng.choice(office.actor_ids)
        changes = [
            {
                "dossier_id": dossier_id,
                "step_id": steps[index].id,
                "step_name": steps[index].name,
                "step_percent": steps[index].percent,
                "changed_at": dt.datetime.combine(
                    moment, dt.time(9 + rng.randrange(9), rng.randrange(60))
                ),
                "user_id": actor,
            }
            for index, moment in story.reached
        ]
        reason = story.abandon_reason
        deed = milestone(story, percents, DEED_SIGNED)
        no_fees = rng.random() < 0.1
        dossier: dict[str, Any] = {
            "id": dossier_id,
            "number": number,
            "status": story.status,
            "owner_id": owner_id,
            "provenance_id": provenance.id,
            "provenance_detail": detail,
            "referrer_id": referrer_id,
            "step_id": steps[story.step_index].id,
            "is_complete": story.percent >= BANK_AGREED and rng.random() < 0.8,
            "hide_contacts": rng.random() < 0.1,
            "no_fees": no_fees,
            "no_bank_commission": rng.random() < 0.05,
            "no_rebate": rng.random() < 0.5,
            "internal_note": rng.choice(NOTES),
            "created_on": created_on,
            "client_agreement_on": milestone(story, percents, BANK_AGREED),
            "offer_signed_on": milestone(story, percents, OFFER_SIGNED),
            "deed_signed_on": deed,
            # The funds released with the deed; from then on the office invoices.
            "funds_released_on": deed if story.status is DossierStatus.CLIENT else None,
            "abandon_reason": reason,
            "abandon_detail": rng.choice(ABANDON_DETAILS) if reason is AbandonReason.OTHER else "",
            "abandoned_on": story.abandoned_on,
            "holder_name": holder,
            "holder_sort": fold(f"{main['last_name']} {main['first_name']}"),
            "search_text": search_document(number, names),
            "version": 1,
            "updated_at": dt.datetime.combine(
                last_day if story.end else story.last_move, dt.time(18)
            ),
        }
        use = rng.choices(_USES, (80, 5, 15))[0]
        loans = self._loans(dossier_id, borrowers)
        children_count, capacity = self._fit(borrowers, loans)
        children = self._children(dossier_id, borrowers, children_count)
        plan = self._plan_terms(borrowers)
        months, rate, insurance, _allowed = plan
        per_euro = monthly_per_euro(rate, months, sum(r * s for r, s in insurance) / 1e9)
        # What the household borrows: what it can repay, with a margin — or more, when it
        # was abandoned for its debt ratio.
        share = rng.uniform(1.08, 1.3) if over_budget(reason) else rng.uniform(0.55, 0.92)
        target = max(_LEAST_LOAN, int(capacity / per_euro * share))
        owner = any(loan["kind"] is LoanKind.MORTGAGE for loan in loans)
        project = self._project(dossier_id, use, target, owner)
        need = ProjectData(
            **{name: project[name] for name in ProjectData.__dataclass_fields__}
        ).to_finance_cents
        charges, estate, savings = self._finances(
            dossier_id,
            loans,
            use,
            owner,
            project["contribution_cents"] or 0,
            sum(b["net_monthly_income_cents"] or 0 for b in borrowers),
        )
        comments = self._comments(
            dossier_id, owner_id, created_on, borrowers, children, project, loans
        )
        banks = (
            rng.sample(office.banks, min(len(office.banks), rng.choice((1, 2, 2, 3))))
            if story.sent
            else []
        )
        # (A PTZ would lower the payment of a dossier abandoned for its debt ratio.)
        ptz_eligible = (
            project["nature"] in _PTZ_NATURES
            and use is ProjectUse.MAIN_HOME
            and not owner
            and not over_budget(reason)
        )
        simulations, lines, covers = self._simulations(
            dossier_id, story, need, plan, ptz_eligible, banks, no_fees
        )
        documents, ticks = self._documents(
            dossier_id, owner_id, created_on, last_day, story.step_index, borrowers, project, loans
        )
        submissions = self._submissions(dossier_id, story, banks, simulations)
        dossier["chosen_bank"] = next(
            (s["bank_name"] for s in submissions if s["status"] is SubmissionStatus.OFFER_ACCEPTED),
            "",
        )
        dossier["bank_sort"] = bank_sort_key(dossier["chosen_bank"])
        invoices, payments = self._invoices(dossier, borrowers, simulations, submissions)
        return DossierRows(
            [dossier],
            borrowers,
            changes,
            simulations,
            lines,
            covers,
            children,
            [project],
            loans,
            charges,
            estate,
            savings,
            comments,
            documents,
            ticks,
            submissions,
            invoices,
            payments,
        )

    def _fit(self, borrowers: list[dict], loans: list[dict]) -> tuple[int, int]:
        """The number of children and the highest new monthly payment of a household that
        can borrow: when its debts and size leave too little, its loans are bought back by
        the new one, then it has fewer children, then its let flat is sold."""
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), (45, 25, 22, 8))[0]
        if self._child_ages(borrowers) is None:  # too young, or too old, for children
            count = 0
        incomes = sum(b["net_monthly_income_cents"] or 0 for b in borrowers)
        while True:
            rents = sum(b["rental_income_cents"] or 0 for b in borrowers)
            charges = sum(
                loan["monthly_payment_cents"] for loan in loans if not loan["to_buy_back"]
            )
            capacity = repayable_cents(incomes, rents, charges, len(borrowers), count)
            if capacity >= _LEAST_PAYMENT:
                return count, capacity
            kept = [
                loan
                for loan in loans
                if not loan["to_buy_back"] and loan["kind"] is not LoanKind.RENTAL_MORTGAGE
            ]
            if kept:
                for loan in kept:
                    loan["to_buy_back"] = True
            elif count:
                count -= 1
            elif rents:
                for borrower in borrowers:
                    borrower["rental_income_cents"] = None
                loans[:] = [loan for loan in loans if loan["kind"] is not LoanKind.RENTAL_MORTGAGE]
            else:
                return count, max(capacity, 0)

    def _plan_terms(self, borrowers: list[dict]) -> Terms:
        """The duration the bank grants (paid off by 75), its rate, each borrower's
        insurance (rate, share of the capital: a couple at 100 % each, or 50 % each), and
        the durations the household may ask for."""
        rng = self.rng
        ages = [age_on(b["birth_date"], self.today) for b in borrowers]
        allowed = [m for m in _DURATIONS if max(ages) + m // 12 <= 75] or [_DURATIONS[0]]
        months = allowed[-1] if rng.random() < 0.6 else rng.choice(allowed)
        rate = _BASE_RATE[months] + rng.randrange(-200, 250, 5)
        share = rng.choice((10000, 10000, 5000)) if len(borrowers) > 1 else 10000
        return months, rate, [(rng.choice(_INSURANCE_BY_AGE[age]), share) for age in ages], allowed

    def _project(self, dossier_id: int, use: ProjectUse, need_cents: int, owner: bool) -> dict:
        """A project that leaves about `need_cents` to finance: its price with the notary's
        fees (7.5 % in the old, 2.5 % in the new), the agency's now and then, works
        sometimes, and the household's contribution (3 to 30 % of the price)."""
        rng = self.rng
        nature = rng.choices(_NATURES, (60, 20, 15, 5))[0]
        if nature is ProjectNature.WORKS and not owner:  # works on a home of one's own
            nature = ProjectNature.EXISTING
        # Most households bring at least the fees; some less (an automatic comment says so)
        contribution_rate = rng.randrange(3, 10) if rng.random() < 0.2 else rng.randrange(10, 30)
        price: int | None = None
        notary: int | None = None
        agency: int | None = None
        works: int | None = None
        if nature is ProjectNature.WORKS:
            works = _round_up(need_cents * 100 // (100 - contribution_rate), 1000_00)
            contribution = works - need_cents
        else:
            existing = nature is ProjectNature.EXISTING
            notary_rate = 75 if existing else 25  # per thousand
            agency_rate = 40 if existing and rng.random() < 0.5 else 0
            works = rng.randrange(10, 60) * 1000_00 if existing and rng.random() < 0.2 else None
            if works and works * 3 > need_cents:
                works = None
            price = max(
                50_000_00,
                (need_cents - (works or 0))
                * 1000
                // (1000 + notary_rate + agency_rate - 10 * contribution_rate)
                // 1000_00
                * 1000_00,
            )
            notary = price * notary_rate // 1000
            agency = price * agency_rate // 1000 or None
            contribution = price * contribution_rate // 100
        postal_code, city = rng.choice(CITIES)
        return {
            "dossier_id": dossier_id,
            "nature": nature,
            "use": use,
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
            "price_cents": price,
            "notary_fees_cents": notary,
            "works_cents": works,
            "agency_fees_cents": agency,
            "other_costs_cents": None,
            "contribution_cents": contribution or None,
        }

    def _loans(self, dossier_id: int, borrowers: list[dict]) -> list[dict]:
        """Now and then a loan kept or to buy back, its payment in proportion to the
        household's income; the loan of the let property when the household receives
        rents."""
        rng = self.rng
        loans = []
        incomes = sum(b["net_monthly_income_cents"] or 0 for b in borrowers)
        if rng.random() < 0.35:
            lender, kind = rng.choice(LENDERS)
            part = rng.randrange(8, 16) if kind is LoanKind.MORTGAGE else rng.randrange(2, 9)
            payment = max(50_00, incomes * part // 100 // 100 * 100)
            loans.append(
                self._loan(
                    dossier_id,
                    lender,
                    kind,
                    payment,
                    payment * rng.randrange(12, 150) // 1000_00 * 1000_00 or 1000_00,
                    rng.random() < 0.3,
                )
            )
        rents = sum(b["rental_income_cents"] or 0 for b in borrowers)
        if rents:
            lender = rng.choice([name for name, kind in LENDERS if kind is LoanKind.MORTGAGE])
            payment = rents * rng.randrange(30, 65) // 100
            capital = payment * rng.randrange(80, 180)
            loans.append(
                self._loan(dossier_id, lender, LoanKind.RENTAL_MORTGAGE, payment, capital, False)
            )
        return loans

    def _loan(
        self, dossier_id: int, lender: str, kind: LoanKind, payment: int, capital: int, buy: bool
    ) -> dict:
        loan = {
            "id": self.next_loan_id,
            "dossier_id": dossier_id,
            "lender": lender,
            "kind": kind,
            "monthly_payment_cents": payment,
            "remaining_capital_cents": capital,
            "end_date": self.today + dt.timedelta(days=self.rng.randrange(200, 15 * 365)),
            "to_buy_back": buy,
        }
        self.next_loan_id += 1
        return loan

    def _finances(
        self,
        dossier_id: int,
        loans: list[dict],
        use: ProjectUse,
        owner: bool,
        contribution: int,
        incomes: int,
    ) -> tuple[list[dict], list[dict], list[dict]]:
        """The rent a tenant buying his home pays (a fifth to a third of the household's
        income; it goes with the purchase), the home an owner has, and savings — the
        contribution comes out of them."""
        rng = self.rng
        charges = []
        if not owner and use is ProjectUse.MAIN_HOME and rng.random() < 0.75:
            charges.append(
                {
                    "dossier_id": dossier_id,
                    "kind": ChargeKind.RENT,
                    "label": "",
                    "monthly_cents": max(
                        350_00, incomes * rng.randrange(20, 36) // 100 // 10_00 * 10_00
                    ),
                }
            )
        estate = []
        mortgage = next((loan for loan in loans if loan["kind"] is LoanKind.MORTGAGE), None)
        if mortgage is not None:
            estate.append(
                {
                    "dossier_id": dossier_id,
                    "description": f"Appartement à {rng.choice(CITIES)[1]}",
                    "value_cents": max(
                        rng.randrange(90, 400) * 1000_00,
                        _round_up(mortgage["remaining_capital_cents"] * 3 // 2, 1000_00),
                    ),
                    "remaining_loan_cents": mortgage["remaining_capital_cents"],
                }
            )
        booklet = rng.randrange(1, 60) * 1000_00 if rng.random() < 0.6 else 0
        if contribution:
            booklet = max(
                booklet, _round_up(contribution, 1000_00) + rng.randrange(3, 30) * 1000_00
            )
        savings = [
            {"dossier_id": dossier_id, "kind": kind, "amount_cents": amount}
            for kind, amount in (
                (SavingsKind.LIVRET, booklet),
                (
                    SavingsKind.LIFE_INSURANCE,
                    rng.randrange(5, 80) * 1000_00 if rng.random() < 0.25 else 0,
                ),
            )
            if amount
        ]
        return charges, estate, savings

    def _simulations(
        self,
        dossier_id: int,
        story: Story,
        need_cents: int,
        terms: Terms,
        ptz_eligible: bool,
        banks: list[tuple[int, str, str]],
        no_fees: bool,
    ) -> tuple[list[dict], list[dict], list[dict]]:
        """The dossier's scenarios, each financing its project: the latest is the one it
        stands on (what the project leaves to finance, on the terms the household can
        repay; from the bank that went furthest once sent), its status that of the dossier's
        step; the earlier ones, drafts or proposals set aside — a longer or shorter duration,
        a bigger contribution. A PTZ only on a first home, new, of a household owning none."""
        rng = self.rng
        if story.status is DossierStatus.PROSPECT:
            count = rng.choice((0, 0, 1))
        elif story.sent:
            count = rng.choice((1, 1, 2, 3))
        else:
            count = rng.choice((0, 1, 1, 2))
        if not count:
            return [], [], []
        months, rate, insurance, allowed = terms
        amount = _round_up(need_cents, 100_00)
        with_ptz = ptz_eligible and rng.random() < 0.5
        retained = _Plan(
            "Scénario 1",
            amount,
            months,
            rate,
            min(100_000_00, amount * rng.choice((20, 30, 40)) // 100 // 100_00 * 100_00)
            if with_ptz
            else 0,
        )

        def at(duration: int) -> int:
            """The household's rate over another duration: the longer, the dearer."""
            return rate + _BASE_RATE[duration] - _BASE_RATE[months]

        plans = []
        variants: list[int | None] = [m for m in allowed if m != months]
        variants.append(None)  # a bigger contribution
        for index in range(count - 1):
            if index == 0:
                first = rng.choice(allowed)  # before the banks' rates were known: dearer
                plans.append(
                    _Plan("Scénario 1", amount, first, at(first) + rng.randrange(0, 100, 5))
                )
                continue
            other = variants.pop(int(rng.random() * len(variants)))
            plans.append(
                _Plan(
                    f"Durée {other // 12} ans",
                    amount,
                    other,
                    at(other) + rng.randrange(0, 60, 5),
                )
                if other is not None
                else _Plan(
                    "Apport augmenté",
                    amount * rng.randrange(88, 97) // 100 // 1000_00 * 1000_00,
                    months,
                    rate + rng.randrange(-30, 60, 5),
                )
            )
        if plans:
            retained.name = (
                "Avec PTZ"
                if retained.ptz
                else "Offre négociée"
                if story.percent >= BANK_AGREED
                else f"Durée {months // 12} ans"
                if months != plans[0].months
                else "Prêt classique"
            )
        plans.append(retained)
        statuses = [alternative_status(rng, story) for _plan in plans[:-1]]
        statuses.append(retained_status(story))
        brokerage = 0 if no_fees else rng.choice((1_500_00, 2_000_00, 2_500_00, 3_000_00))
        dossier_fees = rng.choice((0, 500_00, 1_000_00, 1_500_00))
        chosen_bank = banks[0][0] if banks else None
        simulations: list[dict] = []
        lines: list[dict] = []
        covers: list[dict] = []
        stamp = dt.datetime.combine(story.created_on, dt.time(10))
        for index, (plan, status) in enumerate(zip(plans, statuses, strict=True)):
            simulation_id = self.next_simulation_id
            self.next_simulation_id += 1
            simulations.append(
                {
                    "id": simulation_id,
                    "dossier_id": dossier_id,
                    "name": plan.name,
                    "amount_cents": plan.amount,
                    "rate_mpct": plan.rate,
                    "duration_months": plan.months,
                    "status": status,
                    "created_at": stamp + dt.timedelta(minutes=20 * index),
                    "dossier_fees_cents": dossier_fees,
                    "guarantee": Guarantee.CREDIT_LOGEMENT,
                    "guarantee_fees_cents": plan.amount * rng.choice((9, 10, 12)) // 1000,
                    "brokerage_fees_cents": brokerage,
                    "smoothing": bool(plan.ptz),
                    "rental_method": RentalMethod.CLASSIC,
                    # Its TAEG and debt ratio: worked out when a report first needs them,
                    # as for an office's simulations validated before Dossia kept them.
                    "figures_due": status is SimulationStatus.CLIENT_VALIDATED,
                }
            )
            bank = (
                chosen_bank
                if plan is retained and chosen_bank is not None
                else rng.choice(self.office.bank_ids)
                if self.office.bank_ids
                else None
            )
            main = self._line(
                simulation_id,
                1,
                LineKind.AMORTIZING,
                plan.amount - plan.ptz,
                plan.rate,
                plan.months,
            )
            main["bank_id"] = bank
            lines.append(main)
            insured = [main]
            if plan.ptz:
                # As long as the bank's loan at most: it is the one smoothing adjusts.
                insured.append(
                    self._line(simulation_id, 2, LineKind.PTZ, plan.ptz, 0, min(240, plan.months))
                )
                lines.append(insured[-1])
            # Each borrower insured on the initial capital; decease and disability are
            # mandatory, work incapacity is not always.
            guarantees = rng.choice(("dc,ptia,itt,ipt", "dc,ptia", "dc,ptia,itt"))
            for line in insured:
                for rank, (insurance_rate, share) in enumerate(insurance, start=1):
                    covers.append(
                        {
                            "id": self.next_cover_id,
                            "line_id": line["id"],
                            "borrower_rank": rank,
                            "share_bp": share,
                            "base": InsuranceBase.INITIAL,
                            "rate_mpct": insurance_rate,
                            "monthly_cents": 0,
                            "mandatory": True,
                            "guarantees": guarantees,
                        }
                    )
                    self.next_cover_id += 1
        return simulations, lines, covers

    def _line(
        self, simulation_id: int, position: int, kind: LineKind, amount: int, rate: int, months: int
    ) -> dict:
        line_id = self.next_line_id
        self.next_line_id += 1
        return {
            "id": line_id,
            "simulation_id": simulation_id,
            "position": position,
            "bank_id": None,
            "kind": kind,
            "amount_cents": amount,
            "rate_mpct": rate,
            "months": months,
            "deferral": Deferral.NONE,
            "deferral_months": 0,
        }

    def _submissions(
        self,
        dossier_id: int,
        story: Story,
        banks: list[tuple[int, str, str]],
        simulations: list[dict],
    ) -> list[dict]:
        """From «RDV banque» on, the banks the dossier went to with the simulation it stands
        on: the first the one it went furthest with (studying it, then its agreement, then
        its offer the client accepted — at that simulation's rate), the others studying it,
        refusing it or agreeing at a dearer rate; all refusing a dossier abandoned for it.
        Every answer between the sending and today (or the abandonment)."""
        if not banks:
            return []
        rng, percents = self.rng, self._percents
        sent_on = milestone(story, percents, SENT_TO_BANKS) or story.created_on
        agreed_on = milestone(story, percents, BANK_AGREED)
        offer_on = milestone(story, percents, OFFER_SIGNED)
        last_day = story.end or self.today
        simulation = simulations[-1] if simulations else None
        first_status = chosen_bank_status(story)
        others = other_bank_statuses(story)
        rows = []
        for index, (bank_id, name, contact) in enumerate(banks):
            status = first_status if index == 0 else rng.choice(others)
            answered = None
            if index == 0 and agreed_on and status.answered:
                answered = agreed_on
            elif status.answered:
                # Some days after the sending, by the agreement (or today, or the abandonment)
                span = ((agreed_on or last_day) - sent_on).days
                answered = sent_on + dt.timedelta(days=rng.randrange(min(5, span), span + 1))
            offered = simulation is not None and status in (
                SubmissionStatus.AGREEMENT,
                SubmissionStatus.OFFER_ACCEPTED,
            )
            updated = offer_on if status is SubmissionStatus.OFFER_ACCEPTED else answered
            rows.append(
                {
                    "dossier_id": dossier_id,
                    "bank_id": bank_id,
                    "bank_name": name,
                    "contact": contact,
                    "simulation_id": simulation["id"] if simulation else None,
                    "simulation_name": simulation["name"] if simulation else "",
                    "status": status,
                    "sent_on": sent_on,
                    "answered_on": answered,
                    "amount_cents": simulation["amount_cents"] if offered and simulation else None,
                    "rate_mpct": (
                        simulation["rate_mpct"] + (0 if index == 0 else rng.randrange(5, 250, 5))
                    )
                    if offered and simulation
                    else None,
                    "comment": "",
                    "created_at": dt.datetime.combine(sent_on, dt.time(10)),
                    "updated_at": dt.datetime.combine(updated or sent_on, dt.time(16)),
                }
            )
        return rows

    def _comments(
        self, dossier_id, owner_id, created_on, borrowers, children, project, loans
    ) -> list[dict]:
        """The automatic comments the rules state for this data, and a manual one sometimes."""
        snapshot = Snapshot(
            borrowers=tuple((b["rank"], _borrower_data(b)) for b in borrowers),
            children=tuple((c["id"], _child_data(c)) for c in children),
            today=self.today,
            project=ProjectData(
                **{name: project[name] for name in ProjectData.__dataclass_fields__}
            ),
            loans=tuple(
                (loan["id"], LoanData(**{n: loan[n] for n in LoanData.__dataclass_fields__}))
                for loan in loans
            ),
        )
        stamp = dt.datetime.combine(created_on, dt.time(11))
        rows = [
            {
                "dossier_id": dossier_id,
                "tab": tab,
                "body": text,
                "in_synthesis": False,
                "author_id": None,
                "created_at": stamp,
                "updated_at": stamp,
                "rule_key": rule_key,
                "fact_key": fact_key,
                "dismissed": False,
            }
            for (rule_key, fact_key), (tab, text) in expected_comments(snapshot).items()
        ]
        if self.rng.random() < 0.3:
            later = stamp + dt.timedelta(hours=3)
            rows.append(
                {
                    "dossier_id": dossier_id,
                    "tab": DossierTab.GENERAL,
                    "body": self.rng.choice(MANUAL_COMMENTS),
                    "in_synthesis": True,
                    "author_id": owner_id,
                    "created_at": later,
                    "updated_at": later,
                    "rule_key": None,
                    "fact_key": None,
                    "dismissed": False,
                }
            )
        return rows
