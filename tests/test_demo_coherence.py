"""The demo office — what every prospect and tester sees first — reads like a broker's own:
read through the app's services (and one dossier's window), its amounts, steps, statuses,
dates, banks, invoices, jobs and budgets agree with one another.

The rules are stated here on their own (not imported from the generator), as a broker
would state them, on the office's default steps: «Client créé» 10 %, «RDV banque» 30 %,
«Accord de principe» 50 %, «Signature de l'offre» 80 %, «Dossier clôturé» 100 %.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from app.demo import build_demo
from app.dossier.household_service import HouseholdInfo
from app.dossier.readmodels import DossierDetail
from app.dossier.situation import ItemKind, SituationInfo
from app.invoicing.dossier_invoices import DossierInvoices
from app.listing import ListQuery, ListRow, ListTab
from app.paths import DataPaths
from app.pipeline.pipeline_service import PipelineInfo
from app.simulation.finance import compute
from app.simulation.rules import debt_ratio, remaining_income_verdict
from app.simulation.simulation_service import HouseholdBudget, StoredSimulation
from app.storage.database import Database
from app.storage.schema import ensure_schema
from app.workspace import OfficeDatabase
from models.enums import (
    AbandonReason,
    ChargeKind,
    Contract,
    DossierStatus,
    InvoiceKind,
    LineKind,
    ProjectNature,
    ProjectUse,
    SimulationStatus,
    SubmissionStatus,
)
from tests.conftest import PASSWORD, TODAY

DOSSIERS = 300
SEED = 5

# The steps' percents from which a thing has happened
SENT_TO_BANKS = 30  # «RDV banque»: the banks have the dossier
BANK_AGREED = 50  # «Accord de principe»: a bank has answered yes
OFFER_SIGNED = 80  # «Signature de l'offre»
DEED_SIGNED = 100  # «Dossier clôturé»: the deed signed, the funds released

ACCEPTED = (SimulationStatus.BANK_ACCEPTED, SimulationStatus.CLIENT_VALIDATED)
EURO = 100


@dataclass(frozen=True)
class Seen:
    """One demo dossier as its screens show it."""

    detail: DossierDetail
    row: ListRow
    situation: SituationInfo
    household: HouseholdInfo
    simulations: tuple[tuple[SimulationStatus, StoredSimulation], ...]  # in the tab's order
    pipeline: PipelineInfo
    invoices: DossierInvoices
    budget: HouseholdBudget

    @property
    def percent(self) -> int:
        return self.detail.current_step.percent

    @property
    def to_finance(self) -> int:
        return self.situation.project.to_finance_cents

    @property
    def name(self) -> str:
        return f"{self.detail.number} ({self.detail.status.label}, {self.detail.current_step.name})"

    def accepted(self) -> list[StoredSimulation]:
        return [s for status, s in self.simulations if status in ACCEPTED]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("coherent-demo")
    paths = DataPaths(folder / "dossia.sqlite3")
    ensure_schema(paths)
    database = Database(paths)
    build_demo(database, DOSSIERS, seed=SEED, password=PASSWORD, today=TODAY)
    database.dispose()
    return paths.database


@pytest.fixture
def paths(tmp_path, demo_db) -> DataPaths:
    """This module's demo office (instead of the shared template): the windows open it."""
    target = tmp_path / "office" / "dossia.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(demo_db, target)
    return DataPaths(target)


@pytest.fixture(scope="module")
def office(demo_db, tmp_path_factory) -> list[Seen]:
    """Every dossier of the demo, read once through the services, as the administrator."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOSSIA_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
        database = OfficeDatabase(DataPaths(demo_db))
        workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
        try:
            query = ListQuery(tab=ListTab.ALL)
            ids = list(workspace.list_ids(query))
            rows = workspace.list_rows(query, ids)
            seen = []
            for dossier_id in ids:
                detail = workspace.dossiers.get(dossier_id)
                seen.append(
                    Seen(
                        detail,
                        rows[dossier_id],
                        workspace.situation.get(dossier_id),
                        workspace.household.get(dossier_id),
                        tuple(
                            (s.status, workspace.simulations.get(s.id)) for s in detail.simulations
                        ),
                        workspace.pipeline.list(dossier_id),
                        workspace.invoices.for_dossier(dossier_id),
                        workspace.simulations.budget(dossier_id),
                    )
                )
        finally:
            workspace.close()
            database.close()
    assert len(seen) == DOSSIERS
    return seen


def _odd(found: list[str]) -> str:
    return f"{len(found)} incoherent: " + "; ".join(found[:6])


# --- amounts ---------------------------------------------------------------------------


def test_each_simulation_finances_the_dossiers_project(office):
    """«Montant à financer» (total cost less the contribution) is what the simulations
    lend: the one the dossier stands on to the euro (rounded up to 100 €), the others
    variants around it — never an unrelated figure."""
    odd = []
    for seen in office:
        need = seen.to_finance
        for _status, simulation in seen.simulations:
            lent = sum(line.amount_cents for line in simulation.plan.lines)
            if not 0.8 * need <= lent <= 1.02 * need:
                odd.append(
                    f"{seen.name}: {simulation.plan.name} lends {lent / EURO:.0f} € for {need / EURO:.0f} €"
                )
        if seen.simulations:
            latest = seen.simulations[-1][1]
            stands_on = (seen.accepted() or [latest])[0]
            lent = sum(line.amount_cents for line in stands_on.plan.lines)
            if not need <= lent < need + 100 * EURO:
                odd.append(
                    f"{seen.name}: «{stands_on.plan.name}» {lent / EURO:.0f} € ≠ {need / EURO:.0f} €"
                )
    assert not odd, _odd(odd)


def test_a_longer_loan_costs_a_higher_rate(office):
    """Within a dossier, a scenario over 25 years never has a lower rate than one over 20."""
    odd = []
    for seen in office:
        terms = sorted(
            (s.plan.lines[0].months, s.plan.lines[0].rate, s.plan.name)
            for _status, s in seen.simulations
        )
        for (months, rate, name), (longer, dearer, other) in itertools.pairwise(terms):
            if longer > months and dearer <= rate:
                odd.append(
                    f"{seen.name}: {name} {rate} % over {months}, {other} {dearer} % over {longer}"
                )
    assert not odd, _odd(odd)


def test_a_project_is_priced_as_its_nature_says(office):
    """A purchase has a price and the notary's fees (about 7.5 % in the old, 2.5 % in
    the new); works have works and no price, on a home the household owns; a PTZ only on
    a new main home."""
    odd = []
    for seen in office:
        project = seen.situation.project
        if project.nature is ProjectNature.WORKS:
            if project.price_cents or not project.works_cents:
                odd.append(f"{seen.name}: works without works")
            if not seen.situation.items[ItemKind.REAL_ESTATE]:
                odd.append(f"{seen.name}: works on no home of its own")
            continue
        if not project.price_cents or not project.notary_fees_cents:
            odd.append(f"{seen.name}: a purchase without price or notary")
            continue
        share = project.notary_fees_cents / project.price_cents
        expected = 0.075 if project.nature is ProjectNature.EXISTING else 0.025
        if abs(share - expected) > 0.01:
            odd.append(f"{seen.name}: notary {share:.1%} for {project.nature.label}")
        for _status, simulation in seen.simulations:
            if any(line.kind is LineKind.PTZ for line in simulation.plan.lines) and (
                project.nature not in (ProjectNature.NEW_BUILD, ProjectNature.CONSTRUCTION)
                or project.use is not ProjectUse.MAIN_HOME
            ):
                odd.append(f"{seen.name}: a PTZ for {project.nature.label}, {project.use}")
    assert not odd, _odd(odd)


def test_the_contribution_comes_out_of_the_savings(office):
    odd = []
    for seen in office:
        contribution = seen.situation.project.contribution_cents or 0
        savings = sum(i.data.amount_cents for i in seen.situation.items[ItemKind.SAVINGS])
        if contribution > savings:
            odd.append(
                f"{seen.name}: contribution {contribution / EURO:.0f} € > savings {savings / EURO:.0f} €"
            )
    assert not odd, _odd(odd)


def test_the_rent_paid_is_in_proportion_to_the_income(office):
    odd = []
    for seen in office:
        income = sum(b.net_monthly_income_cents or 0 for b in seen.household.borrowers)
        for item in seen.situation.items[ItemKind.CHARGE]:
            if item.data.kind is ChargeKind.RENT and item.data.monthly_cents > 0.4 * income:
                odd.append(
                    f"{seen.name}: rent {item.data.monthly_cents / EURO} € for {income / EURO} €"
                )
    assert not odd, _odd(odd)


# --- steps and statuses ------------------------------------------------------------------


def test_simulation_statuses_follow_the_dossiers_step(office):
    """A prospect has drafts only; nothing is sent before «RDV banque», no bank accepts
    before «Accord de principe»; from «Signature de l'offre» on the client has validated
    the one he signed; at most one is validated or accepted."""
    odd = []
    for seen in office:
        statuses = [status for status, _s in seen.simulations]
        labels = ", ".join(s.label for s in statuses)
        if seen.detail.status is DossierStatus.PROSPECT and set(statuses) - {
            SimulationStatus.DRAFT
        }:
            odd.append(f"{seen.name}: prospect with {labels}")
        if seen.percent < SENT_TO_BANKS and {
            SimulationStatus.SENT_TO_BANK,
            SimulationStatus.BANK_REFUSED,
        } & set(statuses):
            odd.append(f"{seen.name}: {labels} before any bank has it")
        if seen.percent < BANK_AGREED and set(ACCEPTED) & set(statuses):
            odd.append(f"{seen.name}: {labels} before any bank answered")
        if sum(status in ACCEPTED for status in statuses) > 1:
            odd.append(f"{seen.name}: {labels}")
        if seen.percent >= OFFER_SIGNED and SimulationStatus.CLIENT_VALIDATED not in statuses:
            odd.append(f"{seen.name}: an offer signed, no simulation validated ({labels})")
        if seen.percent >= SENT_TO_BANKS and seen.pipeline.submissions and not statuses:
            odd.append(f"{seen.name}: sent to banks without a simulation")
        if SimulationStatus.BANK_REFUSED in statuses and not any(
            s.status is SubmissionStatus.REFUSED for s in seen.pipeline.submissions
        ):
            odd.append(f"{seen.name}: refused by a bank that never answered")
    assert not odd, _odd(odd)


def test_the_demo_still_shows_every_status_and_step(office):
    """Coherent, and no poorer for it."""
    statuses = {status for seen in office for status, _s in seen.simulations}
    assert statuses == set(SimulationStatus)
    assert {seen.percent for seen in office} == {10, 30, 50, 80, 100}
    assert {seen.detail.status for seen in office} == set(DossierStatus)
    assert len({seen.detail.abandon_reason for seen in office} - {None}) >= 5
    assert sum(bool(seen.invoices.invoices) for seen in office) > DOSSIERS // 10


def test_dates_exist_once_their_step_is_reached_and_follow_each_other(office):
    """creation ≤ accord client ≤ offer ≤ deed ≤ funds released ≤ today, each only once
    its step is reached; the steps moved forward in time, never after today."""
    odd = []
    for seen in office:
        d = seen.detail
        for date, threshold in (
            (d.client_agreement_on, BANK_AGREED),
            (d.offer_signed_on, OFFER_SIGNED),
            (d.deed_signed_on, DEED_SIGNED),
        ):
            if (date is not None) != (seen.percent >= threshold):
                odd.append(f"{seen.name}: {date} at {seen.percent} %")
        if (d.funds_released_on is not None) != (
            d.deed_signed_on is not None and d.status is DossierStatus.CLIENT
        ):
            odd.append(f"{seen.name}: funds released {d.funds_released_on}")
        dates = [
            day
            for day in (
                d.created_on,
                d.client_agreement_on,
                d.offer_signed_on,
                d.deed_signed_on,
                d.funds_released_on,
                TODAY,
            )
            if day is not None
        ]
        if dates != sorted(dates):
            odd.append(f"{seen.name}: dates out of order {dates}")
        moves = [change.changed_at for change in sorted(d.history, key=lambda c: c.percent)]
        if moves != sorted(moves) or moves[0].date() != d.created_on or moves[-1].date() > TODAY:
            odd.append(f"{seen.name}: steps moved {moves}")
    assert not odd, _odd(odd)


def test_dossier_numbers_follow_their_creation_dates(office):
    """«2026-00042» was created before «2026-00043», as in an office numbering them."""
    numbered = sorted((seen.detail.number, seen.detail.created_on) for seen in office)
    odd = [
        f"{number} of {day} before {later} of {other}"
        for (number, day), (later, other) in itertools.pairwise(numbered)
        if number[:4] == later[:4] and other < day
    ]
    assert not odd, _odd(odd)
    assert all(number.startswith(str(day.year)) for number, day in numbered)


def test_a_broker_gone_keeps_only_his_old_dossiers(office, workspace):
    """Élodie Brunet, deactivated, owns dossiers of more than a year ago, no recent one."""
    active = {choice.id for choice in workspace.office.active_brokers()}
    odd = [
        f"{s.name} of {s.detail.created_on}: {s.detail.owner.label}"
        for s in office
        if (TODAY - s.detail.created_on).days <= 365 and s.detail.owner.id not in active
    ]
    assert not odd, _odd(odd)
    assert any(s.detail.owner.id not in active for s in office)


def test_abandoned_dossiers_have_a_reason_and_a_date_after_their_last_step(office):
    """Abandoned before the offer was signed, after its last step, for a reason the step
    allows: no «Refus banque» from banks that never had the dossier, none once one agreed;
    «Autre» says what."""
    odd = []
    for seen in office:
        d = seen.detail
        if d.status is not DossierStatus.ABANDONED:
            if d.abandon_reason or d.abandoned_on:
                odd.append(f"{seen.name}: not abandoned, {d.abandon_reason} {d.abandoned_on}")
            continue
        last_move = max(change.changed_at.date() for change in d.history)
        if d.abandon_reason is None or d.abandoned_on is None:
            odd.append(f"{seen.name}: no reason or date")
            continue
        if not d.created_on <= last_move <= d.abandoned_on <= TODAY:
            odd.append(f"{seen.name}: abandoned {d.abandoned_on}, last step {last_move}")
        if seen.percent >= OFFER_SIGNED:
            odd.append(f"{seen.name}: abandoned once the offer was signed")
        if d.abandon_reason is AbandonReason.BANK_REFUSAL and not (
            SENT_TO_BANKS <= seen.percent < BANK_AGREED
            and seen.pipeline.submissions
            and all(s.status is SubmissionStatus.REFUSED for s in seen.pipeline.submissions)
        ):
            odd.append(f"{seen.name}: «Refus banque» at {seen.percent} %")
        if d.abandon_reason is AbandonReason.OTHER and not d.abandon_detail:
            odd.append(f"{seen.name}: «Autre» without a word")
        late = [
            s
            for s in seen.pipeline.submissions
            if (s.answered_on or s.sent_on or d.created_on) > d.abandoned_on
        ]
        if late:
            odd.append(f"{seen.name}: a bank answered after the abandonment")
    assert not odd, _odd(odd)


# --- banks ------------------------------------------------------------------------------


def test_banks_answer_after_the_sending_and_as_far_as_the_step_went(office):
    """Sendings from «RDV banque» on (never a prospect's); agreements from «Accord de
    principe» on; one offer accepted, once the offer is signed — the bank retained, the one
    lending the validated simulation at its rate."""
    odd = []
    for seen in office:
        submissions = seen.pipeline.submissions
        if submissions and (
            seen.percent < SENT_TO_BANKS or seen.detail.status is DossierStatus.PROSPECT
        ):
            odd.append(f"{seen.name}: sent to banks at {seen.percent} %")
        for s in submissions:
            if s.sent_on is None or s.sent_on < seen.detail.created_on:
                odd.append(f"{seen.name}: sent {s.sent_on}")
            elif s.answered_on is not None and not s.sent_on <= s.answered_on <= TODAY:
                odd.append(f"{seen.name}: sent {s.sent_on}, answered {s.answered_on}")
            if s.status is SubmissionStatus.AGREEMENT and seen.percent < BANK_AGREED:
                odd.append(f"{seen.name}: an agreement at {seen.percent} %")
        accepted = [s for s in submissions if s.status is SubmissionStatus.OFFER_ACCEPTED]
        if len(accepted) != (1 if seen.percent >= OFFER_SIGNED and submissions else 0):
            odd.append(f"{seen.name}: {len(accepted)} offers accepted at {seen.percent} %")
        if seen.row.bank != (accepted[0].bank_name if accepted else ""):
            odd.append(f"{seen.name}: bank retained «{seen.row.bank}»")
        validated = [
            s for status, s in seen.simulations if status is SimulationStatus.CLIENT_VALIDATED
        ]
        if accepted and validated:
            plan = validated[0].plan
            offer = accepted[0]
            if (
                offer.simulation_id != validated[0].id
                or plan.lines[0].bank_id != offer.bank_id
                or offer.amount_cents != sum(line.amount_cents for line in plan.lines)
                or offer.rate != plan.lines[0].rate
            ):
                odd.append(f"{seen.name}: the offer accepted is not the simulation validated")
    assert not odd, _odd(odd)


# --- invoices ---------------------------------------------------------------------------


def test_invoices_only_once_the_funds_are_released(office):
    """The fees (article L519-6), the bank's commission and the rebate come after the
    funds are released, and are paid after that, by today; the fees are those of the
    simulation the client validated, never on a dossier «Pas d'honoraires»."""
    odd = []
    for seen in office:
        d = seen.detail
        released = d.funds_released_on
        invoices = seen.invoices.invoices
        if invoices and released is None:
            odd.append(f"{seen.name}: invoiced, funds not released")
            continue
        for invoice in invoices:
            if invoice.issued_on is None or not released <= invoice.issued_on <= TODAY:
                odd.append(f"{seen.name}: {invoice.kind.label} of {invoice.issued_on}")
            if any(not invoice.issued_on <= p.paid_on <= TODAY for p in invoice.payments):
                odd.append(f"{seen.name}: {invoice.kind.label} paid before its issue")
        kinds = [invoice.kind for invoice in invoices]
        if (
            (InvoiceKind.FEES in kinds and d.no_fees)
            or (InvoiceKind.BANK_COMMISSION in kinds and d.no_bank_commission)
            or (InvoiceKind.REBATE in kinds and (d.no_rebate or d.referrer is None))
        ):
            odd.append(f"{seen.name}: {kinds} against its «Indications particulières»")
        validated = [
            s for status, s in seen.simulations if status is SimulationStatus.CLIENT_VALIDATED
        ]
        for invoice in invoices:
            if invoice.kind is InvoiceKind.FEES and (
                not validated or invoice.amount_cents != validated[0].plan.brokerage_fees_cents
            ):
                odd.append(f"{seen.name}: fees {invoice.amount_cents} not the plan's")
    assert not odd, _odd(odd)


# --- people -----------------------------------------------------------------------------

FEMININE = {
    "Infirmière",
    "Pharmacienne",
    "Aide-soignante",
    "Retraitée",
    "Professeure",
    "Ingénieure",
    "Commerciale",
    "Cheffe",
    "Électricienne",
    "Technicienne",
    "Préparatrice",
    "Conseillère",
    "Gérante",
    "Consultante",
    "Agente",
    "Experte-comptable",
    "Artisane",
}
MASCULINE = {
    "Infirmier",
    "Pharmacien",
    "Aide-soignant",
    "Retraité",
    "Professeur",
    "Ingénieur",
    "Commercial",
    "Électricien",
    "Technicien",
    "Préparateur",
    "Conseiller",
    "Gérant",
    "Consultant",
    "Agent",
    "Expert-comptable",
    "Artisan",
}
PUBLIC_EMPLOYERS = ("Éducation nationale", "CHU", "Gendarmerie", "Mairie", "Hôpital")
CIVIL_SERVANT_JOBS = ("Professeur", "Gendarme", "Agent administratif", "Agente administrative")
EMPLOYEES = (Contract.CDI, Contract.CDI_TRIAL, Contract.CDD, Contract.INTERIM)
LOW_PAID = ("Aide-soignant", "Préparat", "Agent")
HIGH_PAID = ("Médecin", "titulaire", "Expert")


def _age(birth: dt.date, on: dt.date = TODAY) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_jobs_contracts_and_incomes_agree(office):
    """A teacher or a gendarme is «Fonctionnaire», and a «Fonctionnaire» works for the
    State, a hospital or a town; a pharmacist is employed (CDI) or owns the pharmacy
    (libérale, chef d'entreprise), never a civil servant; a doctor is libéral; a retiree is
    «Retraité» and past working age; a trial period is weeks old; each earns what the job
    pays; the words agree with the person («Pharmacienne» is a woman)."""
    odd = []
    for seen in office:
        for rank, b in enumerate(seen.household.borrowers, start=1):
            who = f"{seen.name} {b.civility} {b.profession!r} {b.contract and b.contract.label}"
            first = b.profession.split(" ")[0]
            if (first in FEMININE and b.civility != "Mme") or (
                first in MASCULINE and b.civility != "M."
            ):
                odd.append(f"{who}: the wrong gender")
            retired = b.profession.startswith("Retraité")
            if retired != (b.contract is Contract.RETIRED):
                odd.append(who)
            if retired and (_age(b.birth_date) < 55 or b.employer or b.employed_since):
                odd.append(f"{who} at {_age(b.birth_date)}")
            if b.contract is Contract.CIVIL_SERVANT and not any(
                e in b.employer for e in PUBLIC_EMPLOYERS
            ):
                odd.append(f"{who} at {b.employer}")
            if b.profession.startswith(CIVIL_SERVANT_JOBS) and b.contract is not (
                Contract.CIVIL_SERVANT
            ):
                odd.append(who)
            if b.profession.startswith("Pharmacien") and b.contract not in (
                *EMPLOYEES,
                Contract.SELF_EMPLOYED,
                Contract.COMPANY_HEAD,
            ):
                odd.append(who)
            if ("Médecin" in b.profession or "libéral" in b.profession) and (
                b.contract is not Contract.SELF_EMPLOYED
            ):
                odd.append(who)
            if b.contract is Contract.UNEMPLOYED and (
                rank == 1 or b.net_monthly_income_cents or b.employer
            ):
                odd.append(f"{who}: rank {rank}, income {b.net_monthly_income_cents}")
            income = (b.net_monthly_income_cents or 0) / EURO
            if b.contract not in (Contract.UNEMPLOYED, Contract.RETIRED) and not (
                1_200 <= income <= 12_000
            ):
                odd.append(f"{who} earns {income} €")
            if retired and not 900 <= income <= 4_000:
                odd.append(f"{who} has a pension of {income} €")
            if b.contract in (*EMPLOYEES, Contract.CIVIL_SERVANT) and income > 6_000:
                odd.append(f"{who} earns {income} €")
            if b.profession.startswith(LOW_PAID) and income > 2_500:
                odd.append(f"{who} earns {income} €")
            if any(word in b.profession for word in HIGH_PAID) and income < 4_000:
                odd.append(f"{who} earns {income} €")
            since = b.employed_since
            if since is not None:
                if _age(b.birth_date, since) < 16:
                    odd.append(f"{who} hired at {_age(b.birth_date, since)}")
                if b.contract is Contract.CDI_TRIAL and (TODAY - since).days > 180:
                    odd.append(f"{who} on trial since {since}")
                if (
                    b.contract in (Contract.CDD, Contract.INTERIM)
                    and (TODAY - since).days > 3 * 365
                ):
                    odd.append(f"{who} since {since}")
    assert not odd, _odd(odd)


def test_ages_of_borrowers_and_children(office):
    """Borrowers of age who repay before 80, partners of about the same age, children
    born when their parents were adults, and under 21."""
    odd = []
    for seen in office:
        ages = [_age(b.birth_date) for b in seen.household.borrowers]
        if not all(18 <= age <= 70 for age in ages) or max(ages) - min(ages) > 12:
            odd.append(f"{seen.name}: borrowers of {ages}")
        for _status, simulation in seen.simulations:
            if max(ages) + max(line.months for line in simulation.plan.lines) / 12 > 80:
                odd.append(f"{seen.name}: {ages} repaying over {simulation.plan.name}")
        for child in seen.household.children:
            age = _age(child.data.birth_date)
            if age > 20 or ages[0] - age < 18:
                odd.append(f"{seen.name}: a child of {age} to a parent of {ages[0]}")
    assert not odd, _odd(odd)


def test_the_accepted_simulation_fits_the_households_budget(office):
    """The simulation a bank accepted, or the client validated, keeps the household's debt
    ratio at 35 % at most (HCSF) and the reste à vivre its size needs; a dossier abandoned
    for its debt ratio asked for more than that."""
    odd = []
    checked = 0
    for seen in office:
        household = seen.budget
        plans = seen.accepted()
        over = seen.detail.abandon_reason in (
            AbandonReason.DEBT_RATIO,
            AbandonReason.OVER_INDEBTEDNESS,
        )
        if over and seen.simulations:
            plans = [seen.simulations[-1][1]]
        for simulation in plans:
            result = compute(simulation.plan.plan())
            after = debt_ratio(
                household.budget, simulation.plan.rental_method, max(result.monthly_cents)
            )
            _remaining, living = remaining_income_verdict(household.budget, after, household.living)
            fits = after.ratio <= Decimal(35) and living.ok
            checked += 1
            if fits == over:
                odd.append(f"{seen.name}: {after.ratio} %, {living.reason}")
    assert checked > DOSSIERS // 4
    assert not odd, _odd(odd)


# --- what the broker sees -----------------------------------------------------------------


def _amount(text: str) -> int:
    """Cents from «303 000,00 €» (narrow spaces and all)."""
    euros, cents = re.sub(r"[^\d,]", "", text).split(",")
    return int(euros) * 100 + int(cents)


def test_the_dossiers_window_shows_simulations_financing_its_project_at_its_step(
    qtbot, workspace, open_dossier
):
    """A signed client with several scenarios, opened from the list: the «Général» tab's
    simulation lines lend about the «Montant à financer» of its «Projet» tab, the one the
    client validated exactly that; its step is the one the list shows, its statuses those
    of that step, and its dates those of the steps it went through."""
    from PySide6.QtWidgets import QLabel

    from ui.widgets import DateField

    query = ListQuery(tab=ListTab.CLIENTS)
    ids = workspace.list_ids(query)
    rows = workspace.list_rows(query, ids)
    dossier_id = next(
        i
        for i in ids
        if rows[i].percent == DEED_SIGNED and len(workspace.dossiers.get(i).simulations) >= 2
    )
    detail = workspace.dossiers.get(dossier_id)
    window = open_dossier(dossier_id)
    step = window.findChild(QLabel, "currentStepLabel").text()
    assert rows[dossier_id].step in step and f"{rows[dossier_id].percent} %" in step
    shown = window.findChild(QLabel, "simulationsList").text().split("<br>")
    assert len(shown) == len(detail.simulations) >= 2
    dates = {
        name: window.findChild(DateField, f"{name}Field").value()
        for name in (
            "creationDateEdit",
            "agreementDateEdit",
            "offerSignedDateEdit",
            "deedSignedDateEdit",
            "fundsReleaseDateEdit",
        )
    }
    assert None not in dates.values()
    assert list(dates.values()) == sorted(dates.values())
    assert dates["fundsReleaseDateEdit"] <= TODAY

    tabs = window.view.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Projet"))
    to_finance_label = window.findChild(QLabel, "projectToFinanceLabel")
    qtbot.waitUntil(lambda: bool(to_finance_label.text()))
    to_finance = _amount(to_finance_label.text())
    assert to_finance == workspace.situation.get(dossier_id).project.to_finance_cents

    statuses = []
    for line in shown:
        plain = re.sub(r"<[^>]+>", "", line)
        amount = _amount(plain.split(" — ")[1].split(" à ")[0])
        status = plain.rsplit("(", 1)[1].rstrip(")")
        statuses.append(status)
        assert 0.8 * to_finance <= amount <= 1.02 * to_finance, plain
        if status == SimulationStatus.CLIENT_VALIDATED.label:
            assert to_finance <= amount < to_finance + 100 * EURO, plain
    assert statuses.count(SimulationStatus.CLIENT_VALIDATED.label) == 1
    assert set(statuses) <= {
        SimulationStatus.DRAFT.label,
        SimulationStatus.PROPOSED.label,
        SimulationStatus.CLIENT_VALIDATED.label,
    }
