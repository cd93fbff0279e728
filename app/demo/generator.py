"""The demo dossiers, row by row, from a seeded random generator (it runs in a worker
process for big offices: everything it needs is plain data)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.words import (
    CHILD_NAMES,
    CITIES,
    CONTRACTS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    LENDERS,
    MANUAL_COMMENTS,
    NOTES,
    PROFESSIONS,
    SIMULATION_NAMES,
    STREETS,
)
from app.documents.checklist import BorrowerFacts, DossierFacts, Requirement, expected
from app.dossier.auto_comments import Snapshot, expected_comments
from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import LoanData, ProjectData
from app.invoicing.invoices import REBATE_VAT, series_of, vat_of
from app.listing import bank_sort_key, search_document
from app.office.numbering import counter_name, format_number
from app.text import fold
from app.text import person_name as _person_name
from models.enums import (
    AbandonReason,
    ChargeKind,
    Contract,
    Deferral,
    DocumentFolder,
    DossierStatus,
    DossierTab,
    Guarantee,
    InsuranceBase,
    InvoiceKind,
    InvoiceState,
    LineKind,
    LoanKind,
    MaritalStatus,
    PaymentMeans,
    ProjectNature,
    ProjectUse,
    ReferrerKind,
    RentalMethod,
    RequirementRule,
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


person_name = functools.lru_cache(maxsize=None)(_person_name)  # few distinct names

_ASCII: dict[str, str] = {}


def _ascii(text: str) -> str:
    """«Éloïse.Lefèvre» → «eloise.lefevre» for e-mail addresses (cached: few distinct names)."""
    if text not in _ASCII:
        _ASCII[text] = "".join(c for c in fold(text) if c.isalnum() or c in ".-").replace(" ", "")
    return _ASCII[text]


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

    brokers: list[int]
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

    @classmethod
    def load(cls, session: Session) -> DemoOffice:
        brokers = list(session.scalars(select(User.id).where(User.is_broker).order_by(User.id)))
        steps = list(session.scalars(select(Step).where(Step.is_active).order_by(Step.position)))
        provenances = list(session.scalars(select(Provenance).order_by(Provenance.position)))
        referrer_prov = next((p.id for p in provenances if "apporteur" in fold(p.name)), None)
        return cls(
            brokers=brokers or list(session.scalars(select(User.id))),
            steps=[Reference(s.id, s.name, s.percent) for s in steps],
            provenances=[Reference(p.id, p.name, 0) for p in provenances],
            referrer_ids=list(session.scalars(select(Referrer.id))),
            referrer_provenance=referrer_prov,
            actor_ids=list(session.scalars(select(User.id))),
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


class DossierGenerator:
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
    ) -> None:
        self.rng = rng
        self.office = office
        self.today = today
        self.counters = counters
        self.next_child_id = next_child_id
        self.next_loan_id = next_loan_id
        self.next_simulation_id = next_simulation_id
        self.next_line_id = next_line_id
        self.next_cover_id = next_cover_id
        self.next_invoice_id = next_invoice_id

    def _number(self, created_on: dt.date) -> str:
        name = counter_name(created_on.year)
        value = self.counters.get(name, 0) + 1
        self.counters[name] = value
        return format_number(created_on.year, value)

    def make(self, dossier_id: int) -> DossierRows:
        rng, office = self.rng, self.office
        created_on = self.today - dt.timedelta(days=int(rng.triangular(0, 3 * 365, 0)))
        status = rng.choices(
            (DossierStatus.PROSPECT, DossierStatus.CLIENT, DossierStatus.ABANDONED), (35, 45, 20)
        )[0]
        steps = office.steps
        age = (self.today - created_on).days
        if status is DossierStatus.PROSPECT:
            step_index = rng.choice((0, 0, 0, 1))
        elif status is DossierStatus.CLIENT and rng.random() < min(0.9, age / 270):
            step_index = len(steps) - 1  # a client of some months has mostly signed the deed
        else:
            step_index = rng.randrange(len(steps))
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
        moments = []  # a step every few weeks, never after today (created today: moves today)
        moment = created_on
        for _ in range(step_index):
            moment = min(self.today, moment + dt.timedelta(days=rng.randrange(4, 36)))
            moments.append(moment)
        changes = []
        actor = rng.choice(office.actor_ids)
        for index, moment in enumerate([created_on, *moments]):
            step = steps[index]
            changes.append(
                {
                    "dossier_id": dossier_id,
                    "step_id": step.id,
                    "step_name": step.name,
                    "step_percent": step.percent,
                    "changed_at": dt.datetime.combine(
                        moment, dt.time(9 + rng.randrange(9), rng.randrange(60))
                    ),
                    "user_id": actor,
                }
            )
        reached = {steps[i].percent: moment for i, moment in enumerate([created_on, *moments])}
        agreement = reached.get(50)
        offer = reached.get(80)
        deed = reached.get(100)
        abandoned = status is DossierStatus.ABANDONED
        reason = rng.choice(list(AbandonReason)) if abandoned else None
        abandoned_on = (
            created_on + dt.timedelta(days=rng.randrange(0, (self.today - created_on).days + 1))
            if abandoned
            else None
        )
        dossier = {
            "id": dossier_id,
            "number": number,
            "status": status,
            "owner_id": rng.choice(office.brokers),
            "provenance_id": provenance.id,
            "provenance_detail": detail,
            "referrer_id": referrer_id,
            "step_id": steps[step_index].id,
            "is_complete": step_index >= 2 and rng.random() < 0.8,
            "hide_contacts": rng.random() < 0.1,
            "no_fees": rng.random() < 0.1,
            "no_bank_commission": rng.random() < 0.05,
            "no_rebate": rng.random() < 0.5,
            "internal_note": rng.choice(NOTES),
            "created_on": created_on,
            "client_agreement_on": agreement,
            "offer_signed_on": offer,
            "deed_signed_on": deed,
            "abandon_reason": reason,
            "abandon_detail": "Projet reporté à l'année prochaine"
            if reason is AbandonReason.OTHER
            else "",
            "abandoned_on": abandoned_on,
            "holder_name": holder,
            "holder_sort": fold(f"{main['last_name']} {main['first_name']}"),
            "search_text": search_document(number, names),
            "version": 1,
            "updated_at": dt.datetime.combine(created_on, dt.time(12)),
        }
        children = self._children(dossier_id, borrowers)
        income = sum(b["net_monthly_income_cents"] or 0 for b in borrowers)
        project = self._project(dossier_id, income)
        loans = self._loans(dossier_id, borrowers)
        comments = self._comments(
            dossier_id, dossier["owner_id"], created_on, borrowers, children, project, loans
        )
        charges, estate, savings = self._finances(dossier_id, loans)
        need = (
            project["price_cents"]
            + project["notary_fees_cents"]
            + (project["agency_fees_cents"] or 0)
            + (project["works_cents"] or 0)
            - project["contribution_cents"]
        )
        simulations, lines, covers = self._simulations(
            dossier_id, created_on, status, len(borrowers), need
        )
        documents, ticks = self._documents(
            dossier_id, dossier["owner_id"], created_on, step_index, borrowers, project, loans
        )
        submissions = self._submissions(
            dossier_id, created_on, [created_on, *moments], steps, simulations, reason
        )
        dossier["chosen_bank"] = next(
            (s["bank_name"] for s in submissions if s["status"] is SubmissionStatus.OFFER_ACCEPTED),
            "",
        )
        dossier["bank_sort"] = bank_sort_key(dossier["chosen_bank"])
        # The funds released with the deed; from then on the office invoices.
        dossier["funds_released_on"] = deed if status is DossierStatus.CLIENT else None
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

    def _invoices(
        self,
        dossier: dict,
        borrowers: list[dict],
        simulations: list[dict],
        submissions: list[dict],
    ) -> tuple[list[dict], list[dict]]:
        """Once the funds are released: the fees to the client, the commission to the bank
        retained, the apporteur's rebate — each paid some days later (numbered afterwards,
        in the order of their dates)."""
        released = dossier["funds_released_on"]
        if released is None:
            return [], []
        rng, office, today = self.rng, self.office, self.today
        plan = next(
            (s for s in reversed(simulations) if s["status"] is SimulationStatus.CLIENT_VALIDATED),
            simulations[-1] if simulations else None,
        )
        main = borrowers[0]
        share = office.rebates.get(dossier["referrer_id"]) if dossier["referrer_id"] else None
        invoices: list[dict] = []
        payments: list[dict] = []

        def add(kind, day, name, address, business, description, amount, bank=None, referrer=None):
            siren, vat_rate, terms = "", 0, {}
            if bank is not None:
                address, siren = office.bank_identity.get(bank, ("", ""))
            elif referrer is not None and share is not None:
                address, siren = share.address, share.siren
                if share.company:  # self-billed under the apporteur's mandate, its VAT
                    vat_rate = share.vat_rate_bp
                    terms = {
                        "vat_mention": share.vat_mention,
                        "recipient_vat_number": share.vat_number,
                        "billing_mandate_on": share.mandate_on,
                    }
            vat = vat_of(amount, vat_rate)
            invoice_id = self.next_invoice_id
            self.next_invoice_id += 1
            invoices.append(
                {
                    "id": invoice_id,
                    "dossier_id": dossier["id"],
                    "dossier_number": dossier["number"],
                    "kind": kind,
                    "state": InvoiceState.ISSUED,
                    "credits_id": None,
                    "series": series_of(kind, False, "", day.year),
                    "sequence": None,
                    "number": None,
                    "issued_on": day,
                    "due_on": day + dt.timedelta(days=30),
                    "payment_days": 30,
                    "service_on": released,
                    "recipient_name": name,
                    "recipient_address": address,
                    "recipient_siren": siren,
                    "recipient_is_business": business,
                    "bank_id": bank,
                    "referrer_id": referrer,
                    "description": description,
                    "amount_cents": amount,
                    "vat_rate_bp": vat_rate,
                    "vat_cents": vat,
                    "total_cents": amount + vat,
                    "recipient_vat_number": "",
                    "vat_mention": "",
                    "billing_mandate_on": None,
                    **terms,
                    "paid_cents": 0,
                    "credited_cents": 0,
                    "created_at": dt.datetime.combine(day, dt.time(11)),
                    "created_by": dossier["owner_id"],
                    "broker_id": dossier["owner_id"],
                    "seller": "",
                }
            )
            paid_on = day + dt.timedelta(days=rng.randrange(3, 50))
            if paid_on > today or rng.random() >= 0.9:
                return
            amount += vat  # paid all taxes included
            # A household pays its fees in two cheques now and then.
            second = paid_on + dt.timedelta(days=rng.randrange(20, 40))
            parts = (
                [(paid_on, amount - amount // 2), (second, amount // 2)]
                if not business and second <= today and rng.random() < 0.2
                else [(paid_on, amount)]
            )
            invoices[-1]["paid_cents"] = amount
            for when, part in parts:
                payments.append(
                    {
                        "invoice_id": invoice_id,
                        "paid_on": when,
                        "amount_cents": part,
                        "means": rng.choice((PaymentMeans.TRANSFER, PaymentMeans.CHEQUE))
                        if not business
                        else PaymentMeans.TRANSFER,
                        "reference": "",
                        "created_at": dt.datetime.combine(when, dt.time(15)),
                        "created_by": dossier["owner_id"],
                    }
                )

        fees = plan["brokerage_fees_cents"] if plan else 0
        if not dossier["no_fees"] and fees:
            add(
                InvoiceKind.FEES,
                released,
                person_name(main["first_name"], main["last_name"]),
                f"{main['address']} {main['postal_code']} {main['city']}",
                False,
                f"Honoraires de courtage en opérations de banque — dossier {dossier['number']}",
                fees,
            )
        accepted = next(
            (s for s in submissions if s["status"] is SubmissionStatus.OFFER_ACCEPTED), None
        )
        rate = office.commissions.get(accepted["bank_id"]) if accepted else None
        day = min(today, released + dt.timedelta(days=rng.randrange(1, 10)))
        if accepted and rate and not dossier["no_bank_commission"] and accepted["amount_cents"]:
            add(
                InvoiceKind.BANK_COMMISSION,
                day,
                accepted["bank_name"],
                "",
                True,
                f"Commission d'intermédiation — dossier {dossier['number']}",
                accepted["amount_cents"] * rate // 100_000,
                bank=accepted["bank_id"],
            )
        if share and fees and not dossier["no_rebate"] and (share.rate_mpct or share.fixed_cents):
            add(
                InvoiceKind.REBATE,
                released,
                share.name,
                share.address,
                share.company,
                f"Ristourne d'apporteur d'affaires — dossier {dossier['number']}",
                fees * share.rate_mpct // 100_000 if share.rate_mpct else share.fixed_cents,
                referrer=dossier["referrer_id"],
            )
        return invoices, payments

    def _documents(
        self,
        dossier_id: int,
        owner_id: int,
        created_on: dt.date,
        step_index: int,
        borrowers: list[dict],
        project: dict,
        loans: list[dict],
    ) -> tuple[list[dict], list[dict]]:
        """The pieces the household has sent so far (more as the dossier moves on), each a
        sample file linked to the piece it answers; now and then a piece ticked by hand."""
        rng, office = self.rng, self.office
        if not office.requirements or (step_index == 0 and rng.random() < 0.6):
            return [], []
        facts = DossierFacts(
            borrowers=tuple(
                BorrowerFacts(
                    b["rank"],
                    person_name(b["first_name"], b["last_name"]),
                    b["contract"],
                    bool(b["rental_income_cents"]),
                )
                for b in borrowers
            ),
            nature=project["nature"],
            contribution=bool(project["contribution_cents"]),
            works=bool(project["works_cents"]),
            buy_back=any(loan["to_buy_back"] for loan in loans),
        )
        requirements = [
            Requirement(i, label, RequirementRule(rule), DocumentFolder(folder))
            for i, label, rule, folder in office.requirements
        ]
        share = min(1.0, 0.25 + 0.25 * step_index)
        documents, ticks = [], []
        for item in expected(requirements, facts):
            if rng.random() > share:
                continue
            sample = next(
                (v for start, v in office.samples.items() if item.label.startswith(start)), None
            )
            day = created_on + dt.timedelta(days=rng.randrange(0, 20))
            day = min(day, self.today)
            if sample is None:
                ticks.append(
                    {
                        "dossier_id": dossier_id,
                        "requirement_id": item.requirement_id,
                        "borrower_rank": item.borrower_rank,
                        "ticked_on": day,
                        "user_id": owner_id,
                    }
                )
                continue
            content_hash, size, filename, title = sample
            documents.append(
                {
                    "dossier_id": dossier_id,
                    "title": f"{title} — {item.borrower}" if item.borrower else title,
                    "filename": filename,
                    "content_hash": content_hash,
                    "size_bytes": size,
                    "created_at": dt.datetime.combine(day, dt.time(9 + rng.randrange(9))),
                    "folder": DocumentFolder.SUPPORTING,
                    "requirement_id": item.requirement_id,
                    "borrower_rank": item.borrower_rank,
                    "added_by": owner_id,
                }
            )
        return documents, ticks

    def _submissions(
        self,
        dossier_id: int,
        created_on: dt.date,
        reached: list[dt.date],
        steps: list,
        simulations: list[dict],
        reason: AbandonReason | None,
    ) -> list[dict]:
        """From «RDV banque» on, the banks the dossier went to: one with an agreement, then
        the offer the client took; the others studying or refusing."""
        rng, office = self.rng, self.office
        percent = steps[len(reached) - 1].percent
        if percent < 30 or not office.banks:
            return []
        sent_on = reached[1] if len(reached) > 1 else created_on
        chosen_status = (
            SubmissionStatus.OFFER_ACCEPTED
            if percent >= 80
            else SubmissionStatus.AGREEMENT
            if percent >= 50
            else SubmissionStatus.STUDYING
        )
        if reason is AbandonReason.BANK_REFUSAL:
            chosen_status = SubmissionStatus.REFUSED
        simulation = simulations[-1] if simulations else None
        rows = []
        for index, (bank_id, name, contact) in enumerate(
            rng.sample(office.banks, min(len(office.banks), rng.choice((1, 2, 2, 3))))
        ):
            status = (
                chosen_status
                if index == 0
                else rng.choice(
                    (
                        SubmissionStatus.REFUSED,
                        SubmissionStatus.STUDYING,
                        SubmissionStatus.AGREEMENT,
                    )
                )
            )
            answered = (
                min(self.today, sent_on + dt.timedelta(days=rng.randrange(5, 30)))
                if status.answered
                else None
            )
            offered = status in (SubmissionStatus.AGREEMENT, SubmissionStatus.OFFER_ACCEPTED)
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
                    "amount_cents": simulation["amount_cents"] if simulation and offered else None,
                    "rate_mpct": simulation["rate_mpct"] - rng.randrange(0, 200, 5)
                    if simulation and offered
                    else None,
                    "comment": "",
                    "created_at": dt.datetime.combine(sent_on, dt.time(10)),
                    "updated_at": dt.datetime.combine(answered or sent_on, dt.time(16)),
                }
            )
        return rows

    def _project(self, dossier_id: int, income_cents: int) -> dict:
        """A project the household can mostly afford: the price about 50 to 75 months of
        its income per 1 000 € (a third of it repays ~190 times over 25 years)."""
        rng = self.rng
        nature = rng.choices(
            (
                ProjectNature.EXISTING,
                ProjectNature.NEW_BUILD,
                ProjectNature.CONSTRUCTION,
                ProjectNature.WORKS,
            ),
            (60, 20, 15, 5),
        )[0]
        factor = rng.randrange(45, 78)
        price = min(900, max(90, income_cents * factor // 1000_00)) * 1000_00
        existing = nature is ProjectNature.EXISTING
        notary = price * (75 if existing else 25) // 1000
        agency = price * 4 // 100 if existing and rng.random() < 0.5 else None
        works = rng.randrange(10, 60) * 1000_00 if rng.random() < 0.2 else None
        contribution = price * rng.randrange(3, 25) // 100
        postal_code, city = rng.choice(CITIES)
        return {
            "dossier_id": dossier_id,
            "nature": nature,
            "use": rng.choices(
                (ProjectUse.MAIN_HOME, ProjectUse.SECOND_HOME, ProjectUse.RENTAL), (80, 5, 15)
            )[0],
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
            "price_cents": price,
            "notary_fees_cents": notary,
            "works_cents": works,
            "agency_fees_cents": agency,
            "other_costs_cents": None,
            "contribution_cents": contribution,
        }

    def _loans(self, dossier_id: int, borrowers: list[dict]) -> list[dict]:
        """Now and then a loan kept or to buy back; the loan of the let property when the
        household receives rents."""
        rng = self.rng
        loans = []
        if rng.random() < 0.35:
            lender, kind = rng.choice(LENDERS)
            loans.append(
                self._loan(
                    dossier_id,
                    lender,
                    kind,
                    rng.randrange(90, 900) * 100,
                    rng.randrange(2, 120) * 1000_00,
                    rng.random() < 0.3,
                )
            )
        rents = sum(b["rental_income_cents"] or 0 for b in borrowers)
        if rents:
            lender = rng.choice([name for name, kind in LENDERS if kind is LoanKind.MORTGAGE])
            payment = rents * rng.randrange(60, 100) // 100
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
        self, dossier_id: int, loans: list[dict]
    ) -> tuple[list[dict], list[dict], list[dict]]:
        rng = self.rng
        owner = any(loan["kind"] is LoanKind.MORTGAGE for loan in loans)
        charges = []
        if not owner and rng.random() < 0.6:
            charges.append(
                {
                    "dossier_id": dossier_id,
                    "kind": ChargeKind.RENT,
                    "label": "",
                    "monthly_cents": rng.randrange(450, 1400) * 100,
                }
            )
        estate = []
        if owner:
            estate.append(
                {
                    "dossier_id": dossier_id,
                    "description": f"Appartement à {rng.choice(CITIES)[1]}",
                    "value_cents": rng.randrange(90, 400) * 1000_00,
                    "remaining_loan_cents": loans[0]["remaining_capital_cents"],
                }
            )
        savings = [
            {"dossier_id": dossier_id, "kind": kind, "amount_cents": rng.randrange(1, 60) * 1000_00}
            for kind in ((SavingsKind.LIVRET,) if rng.random() < 0.6 else ())
            + ((SavingsKind.LIFE_INSURANCE,) if rng.random() < 0.25 else ())
        ]
        return charges, estate, savings

    def _details(self, female: bool, first: str, last: str, status: MaritalStatus) -> dict:
        """A borrower's situation: birth, address, contact, job and income."""
        rng = self.rng
        birth = self.today - dt.timedelta(days=rng.randrange(23 * 365, 62 * 365))
        postal_code, city = rng.choice(CITIES)
        contract = rng.choices([c for c, _w in CONTRACTS], [w for _c, w in CONTRACTS])[0]
        age = (self.today - birth).days // 365
        if contract is Contract.RETIRED and age < 60:
            contract = Contract.CDI  # retired at 35 is no household a bank sees
        elif contract is Contract.STUDENT and age > 30:
            contract = Contract.CDD
        profession, employer = rng.choice(PROFESSIONS)
        if contract in (Contract.RETIRED, Contract.UNEMPLOYED):
            profession, employer = ("Retraité(e)" if contract is Contract.RETIRED else ""), ""
        elif contract in (Contract.SELF_EMPLOYED, Contract.COMPANY_HEAD):
            employer = f"{last} Conseil"
        since = None
        if contract not in (Contract.RETIRED, Contract.UNEMPLOYED):
            since = self.today - dt.timedelta(
                days=rng.randrange(60, max(61, (self.today - birth).days - 18 * 365))
            )
        email_name = _ascii(f"{first}.{last}")
        return {
            "birth_name": "",
            "birth_date": birth,
            "birth_place": rng.choice(CITIES)[1],
            "nationality": "Française",
            "marital_status": status,
            "matrimonial_regime": None,
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
            "phone": "0"
            + rng.choice("67")
            + "".join(f" {rng.randrange(100):02d}" for _ in range(4)),
            "email": f"{email_name}@exemple.fr",
            "profession": profession,
            "employer": employer,
            "contract": contract,
            "employed_since": since,
            "net_monthly_income_cents": None
            if contract is Contract.UNEMPLOYED
            else rng.randrange(1500, 6500) * 100,
            "other_income_cents": None,
            "rental_income_cents": rng.randrange(400, 1500) * 100 if rng.random() < 0.1 else None,
        }

    def _children(self, dossier_id: int, borrowers: list[dict]) -> list[dict]:
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), (45, 25, 22, 8))[0]
        separated = borrowers[0]["marital_status"] in (
            MaritalStatus.DIVORCED,
            MaritalStatus.SEPARATED,
        )
        children = []
        for _ in range(count):
            children.append(
                {
                    "id": self.next_child_id,
                    "dossier_id": dossier_id,
                    "first_name": rng.choice(CHILD_NAMES),
                    "birth_date": self.today - dt.timedelta(days=rng.randrange(100, 20 * 365)),
                    "dependent": True,
                    "alternating_custody": separated and rng.random() < 0.5,
                }
            )
            self.next_child_id += 1
        return children

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

    def _borrowers(self, dossier_id: int) -> list[dict]:
        rng = self.rng
        female = rng.random() < 0.5
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        couple = rng.random() < 0.6
        status = (
            rng.choices(
                (MaritalStatus.MARRIED, MaritalStatus.PACS, MaritalStatus.COHABITING), (55, 25, 20)
            )[0]
            if couple
            else rng.choices(
                (
                    MaritalStatus.SINGLE,
                    MaritalStatus.DIVORCED,
                    MaritalStatus.SEPARATED,
                    MaritalStatus.WIDOWED,
                ),
                (60, 25, 10, 5),
            )[0]
        )
        people = [
            {
                "dossier_id": dossier_id,
                "rank": 1,
                "civility": "Mme" if female else "M.",
                "first_name": first,
                "last_name": last,
                **self._details(female, first, last, status),
            }
        ]
        if couple:
            co_female = not female if rng.random() < 0.9 else female
            co_last = (
                last
                if status is MaritalStatus.MARRIED and rng.random() < 0.8
                else rng.choice(LAST_NAMES)
            )
            co_first = rng.choice(FIRST_NAMES_F if co_female else FIRST_NAMES_M)
            people.append(
                {
                    "dossier_id": dossier_id,
                    "rank": 2,
                    "civility": "Mme" if co_female else "M.",
                    "first_name": co_first,
                    "last_name": co_last,
                    **self._details(co_female, co_first, co_last, status),
                }
            )
            for shared in ("address", "postal_code", "city"):  # a couple lives together
                people[1][shared] = people[0][shared]
        return people

    def _simulations(
        self,
        dossier_id: int,
        created_on: dt.date,
        status: DossierStatus,
        borrowers: int,
        need_cents: int,
    ) -> tuple[list[dict], list[dict], list[dict]]:
        """Plans of one line, or of a main loan from one of the office's banks and a PTZ
        (smoothed), with realistic fees and each borrower's insurance; at most one validated
        by the client."""
        rng = self.rng
        count = (
            rng.choice((0, 1, 1, 2, 3))
            if status is not DossierStatus.PROSPECT
            else rng.choice((0, 0, 1))
        )
        simulations: list[dict] = []
        lines: list[dict] = []
        covers: list[dict] = []
        validated = False
        for index in range(count):
            name = SIMULATION_NAMES[index % len(SIMULATION_NAMES)] if index else "Scénario 1"
            # What the project leaves to finance, give or take what each scenario changes.
            amount = max(20, need_cents * rng.randrange(92, 106) // 100 // 1000_00) * 1000_00
            rate = rng.randrange(2900, 4300, 5)
            months = rng.choice((180, 240, 300))
            with_ptz = name == "Avec PTZ"
            ptz = min(100_000_00, amount * rng.choice((20, 30, 40)) // 100) if with_ptz else 0
            statuses = [
                s
                for s in SimulationStatus
                if not (validated and s is SimulationStatus.CLIENT_VALIDATED)
            ]
            chosen = rng.choice(statuses)
            validated = validated or chosen is SimulationStatus.CLIENT_VALIDATED
            simulation_id = self.next_simulation_id
            self.next_simulation_id += 1
            simulations.append(
                {
                    "id": simulation_id,
                    "dossier_id": dossier_id,
                    "name": name,
                    "amount_cents": amount,
                    "rate_mpct": rate,
                    "duration_months": months,
                    "status": chosen,
                    "created_at": dt.datetime.combine(created_on, dt.time(10 + index)),
                    "dossier_fees_cents": rng.choice((0, 500_00, 1_000_00, 1_500_00)),
                    "guarantee": Guarantee.CREDIT_LOGEMENT,
                    "guarantee_fees_cents": amount * rng.choice((9, 10, 12)) // 1000,
                    "brokerage_fees_cents": rng.choice((0, 1_500_00, 2_500_00, 3_000_00)),
                    "smoothing": with_ptz,
                    "rental_method": RentalMethod.CLASSIC,
                }
            )
            bank = rng.choice(self.office.bank_ids) if self.office.bank_ids else None
            main = self._line(simulation_id, 1, LineKind.AMORTIZING, amount - ptz, rate, months)
            main["bank_id"] = bank
            lines.append(main)
            # Each borrower insured (a couple at 100 % each, or 50 % each), on the initial
            # capital; decease and disability are mandatory, work incapacity is not always.
            share = rng.choice((10000, 10000, 5000)) if borrowers > 1 else 10000
            insured = [main]
            if ptz:
                # As long as the bank's loan at most: it is the one smoothing adjusts.
                insured.append(self._line(simulation_id, 2, LineKind.PTZ, ptz, 0, min(240, months)))
                lines.append(insured[-1])
            for line in insured:
                for rank in range(1, borrowers + 1):
                    covers.append(
                        {
                            "id": self.next_cover_id,
                            "line_id": line["id"],
                            "borrower_rank": rank,
                            "share_bp": share,
                            "base": InsuranceBase.INITIAL,
                            "rate_mpct": rng.choice((100, 120, 150, 180, 240, 300, 340)),
                            "monthly_cents": 0,
                            "mandatory": True,
                            "guarantees": rng.choice(("dc,ptia,itt,ipt", "dc,ptia", "dc,ptia,itt")),
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
