"""Simulations as use cases: list, read, create (from the project), save, rename,
duplicate, delete, change status. Each is one transaction on the dossier: its rights, its
version and its state (an abandoned dossier is read-only) are those of the dossier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import CurrentUser
from app.changes import Change
from app.clock import now
from app.dossier.access import DossierCommands, read_only_for, touch
from app.dossier.situation import project_data
from app.errors import DomainError, NotFound
from app.files import atomic_path
from app.office.company import Company
from app.office.permissions import write_as
from app.simulation import verdicts
from app.simulation.figures import household_of, plan_of
from app.simulation.finance import compute
from app.simulation.plans import (
    NAME_LIMIT,
    AnotherValidated,
    LineData,
    PlanData,
    SimulationSummary,
    clean_plan,
)
from app.simulation.rules import (
    Budget,
    LivingThresholds,
    UsuryRate,
    is_new_build,
)
from app.simulation.synthesis_data import Person, SynthesisData, SynthesisNote
from app.storage.database import Database
from app.text import format_date, person_name
from models.dossier import Comment, Dossier, Simulation, SimulationCover, SimulationLine
from models.enums import (
    AuditAction,
    Deferral,
    DossierTab,
    LineKind,
    Right,
    SimulationStatus,
    UsuryCategory,
)
from models.office import Setting, User
from models.office import UsuryRate as UsuryRateRow

DEFAULT_RATE = Decimal("3.50")  # a starting point the broker replaces with the bank's rate
DEFAULT_MONTHS = 240


@dataclass(frozen=True)
class SimulationsInfo:
    """A dossier's simulations, as its «Simulations» tab and «Général» block list them."""

    dossier_id: int
    version: int
    read_only: bool
    borrowers: int
    simulations: tuple[SimulationSummary, ...]
    changed_id: int | None = None  # the simulation the command created or changed
    changes: Change = field(default=Change.NONE, compare=False)  # set by the command


@dataclass(frozen=True)
class StoredSimulation:
    id: int
    dossier_id: int
    status: SimulationStatus
    plan: PlanData


class SimulationService(DossierCommands[SimulationsInfo]):
    def __init__(
        self,
        database: Database,
        user: CurrentUser,
        letterhead: Callable[[], tuple[Company, bytes | None]] = lambda: (Company(), None),
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(database, user, today)
        self._letterhead = letterhead  # the office's identity and logo, for the PDF

    # --- the «Synthèse de financement» ----------------------------------------------------

    def synthesis(self, simulation_id: int) -> SynthesisData:
        """What the PDF of a simulation says, read in one go."""
        company, logo = self._letterhead()
        household = None
        with self._db.read() as session:
            simulation = self._simulation(session, simulation_id)
            dossier = session.get_one(Dossier, simulation.dossier_id)
            stored = _stored(simulation)
            hidden = dossier.hide_contacts
            people = tuple(
                Person(
                    person_name(b.first_name, b.last_name),
                    () if hidden else _contacts(b),
                )
                for b in sorted(dossier.borrowers, key=lambda b: b.rank)
            )
            project = project_data(dossier.project)
            comments = session.scalars(
                select(Comment).where(
                    Comment.dossier_id == dossier.id,
                    Comment.in_synthesis,
                    Comment.dismissed.is_(False),
                )
            ).all()
            authors = dict(
                session.execute(select(User.id, User.first_name + " " + User.last_name)).all()
            )
            tab_order = list(DossierTab)
            notes = tuple(
                SynthesisNote(
                    f"{c.tab.label} — {format_date(c.created_at.date())}"
                    + (f", {authors.get(c.author_id, '')}" if c.author_id else ", automatique"),
                    c.body,
                )
                for c in sorted(comments, key=lambda c: (tab_order.index(c.tab), c.created_at))
            )
            number = dossier.number
            dossier_id = dossier.id
        household = self.budget(dossier_id)
        result = compute(stored.plan.plan())
        said = [verdicts.usury(result, self.usury_rates(), self._today())]
        debt, living = verdicts.budget(
            result,
            household.budget,
            stored.plan.rental_method,
            household.new_build,
            household.living,
        )
        said += [debt] + ([living] if living else [])
        return SynthesisData(
            company=company,
            logo=logo,
            dossier_number=number,
            borrowers=people,
            project=project,
            plan=stored.plan,
            result=result,
            verdicts=tuple((s.label, s.text) for s in said),
            notes=notes,
            printed_on=self._today(),
        )

    def write_synthesis(
        self, simulation_id: int, target: Path, stop: Callable[[], bool] | None = None
    ) -> Path:
        """The PDF of a simulation into `target` (written whole, or not at all)."""
        from app.simulation.synthesis_pdf import write_synthesis  # reportlab: 0.2 s

        data = self.synthesis(simulation_id)
        with atomic_path(target) as partial:
            write_synthesis(data, partial, stop)
        return target

    # --- reading -----------------------------------------------------------------------

    def list(self, dossier_id: int) -> SimulationsInfo:
        with self._db.read() as session:
            return self._result(session, self._visible(session, dossier_id))

    def check_plan(self, data: PlanData, borrowers: int) -> PlanData:
        """The plan as it would be stored in a dossier of `borrowers` borrowers, or its
        refusal (nothing is read or written)."""
        cleaned = clean_plan(data, borrowers)
        compute(cleaned.plan())
        return cleaned

    def dossier_numbered(self, number: str) -> int:
        """The id of the dossier of that number, if the user sees it."""
        with self._db.read() as session:
            dossier = session.scalar(select(Dossier).where(Dossier.number == number.strip()))
            if dossier is None:
                raise NotFound(f"Aucun dossier n° {number.strip()}.")
            return self._visible(session, dossier.id).id

    def find(self, dossier_number: str, name: str | None = None) -> int:
        """A simulation of the dossier of that number: the one named so, or else the one the
        client validated, or else the latest."""
        with self._db.read() as session:
            dossier = session.scalar(
                select(Dossier).where(Dossier.number == dossier_number.strip())
            )
            if dossier is None:
                raise NotFound(f"Aucun dossier n° {dossier_number}.")
            self._visible(session, dossier.id)
            return _pick(dossier, name)

    def preferred(self, dossier_id: int) -> int:
        """The simulation a document about the dossier presents: the one the client
        validated, or else the latest (NotFound if it has none)."""
        with self._db.read() as session:
            return _pick(self._visible(session, dossier_id), None)

    def get(self, simulation_id: int) -> StoredSimulation:
        with self._db.read() as session:
            simulation = self._simulation(session, simulation_id)
            return _stored(simulation)

    # --- changing ----------------------------------------------------------------------

    def create(
        self, dossier_id: int, version: int, data: PlanData | None = None
    ) -> SimulationsInfo:
        """A new simulation: `data`, or one line for what the project leaves to finance."""

        def change(session: Session, dossier: Dossier) -> None:
            plan = data if data is not None else _from_project(dossier)
            simulation = Simulation(
                dossier_id=dossier.id, status=SimulationStatus.DRAFT, created_at=now()
            )
            _store(simulation, self._checked(plan, dossier))
            dossier.simulations.append(simulation)
            session.flush()  # its id, for the screen to select it
            touch(dossier)
            session.info["changed_simulation"] = simulation.id

        return self._edit(dossier_id, version, change)

    def save(self, simulation_id: int, version: int, data: PlanData) -> SimulationsInfo:
        def change(session: Session, dossier: Dossier) -> None:
            simulation = _of(dossier, simulation_id)
            _store(simulation, self._checked(data, dossier))
            session.info["changed_simulation"] = simulation.id

        return self._edit(self._dossier_of(simulation_id), version, change)

    def rename(self, simulation_id: int, version: int, name: str) -> SimulationsInfo:
        stored = self.get(simulation_id)
        return self.save(simulation_id, version, replace(stored.plan, name=name))

    def duplicate(self, simulation_id: int, version: int) -> SimulationsInfo:
        def change(session: Session, dossier: Dossier) -> None:
            original = _stored(_of(dossier, simulation_id))
            name = f"Copie de {original.plan.name}"[:NAME_LIMIT]
            copy = Simulation(
                dossier_id=dossier.id, status=SimulationStatus.DRAFT, created_at=now()
            )
            _store(copy, self._checked(replace(original.plan, name=name), dossier))
            dossier.simulations.append(copy)
            session.flush()
            touch(dossier)
            session.info["changed_simulation"] = copy.id

        return self._edit(self._dossier_of(simulation_id), version, change)

    def delete(self, simulation_id: int, version: int) -> SimulationsInfo:
        def change(session: Session, dossier: Dossier) -> None:
            dossier.simulations.remove(_of(dossier, simulation_id))

        return self._edit(self._dossier_of(simulation_id), version, change)

    def set_status(
        self,
        simulation_id: int,
        version: int,
        status: SimulationStatus,
        replace_validated: bool = False,
    ) -> SimulationsInfo:
        """At most one simulation is «Validée client» per dossier: validating another asks
        first (AnotherValidated), then, with `replace_validated`, sets the former one back
        to «Proposée»."""

        def change(session: Session, dossier: Dossier) -> None:
            simulation = _of(dossier, simulation_id)
            if status is SimulationStatus.CLIENT_VALIDATED:
                others = [
                    s
                    for s in dossier.simulations
                    if s.id != simulation.id and s.status is SimulationStatus.CLIENT_VALIDATED
                ]
                if others and not replace_validated:
                    raise AnotherValidated(
                        f"« {others[0].name} » est déjà validée par le client : la remplacer "
                        f"par « {simulation.name} » ?",
                        "status",
                    )
                for other in others:
                    other.status = SimulationStatus.PROPOSED
            simulation.status = status
            session.info["changed_simulation"] = simulation.id

        return self._edit(self._dossier_of(simulation_id), version, change)

    # --- the household's budget (debt ratio, reste à vivre) ------------------------------

    def budget(self, dossier_id: int) -> HouseholdBudget:
        """What the dossier's household earns and pays before the project, as a bank counts
        it, and the thresholds the plan's reste à vivre is held to."""
        with self._db.read() as session:
            dossier = self._visible(session, dossier_id)
            return HouseholdBudget(
                household_of(dossier),
                is_new_build(project_data(dossier.project)),
                _load_living(session),
            )

    def living_thresholds(self) -> LivingThresholds:
        with self._db.read() as session:
            return _load_living(session)

    def save_living_thresholds(self, thresholds: LivingThresholds) -> LivingThresholds:
        for value, field_name in (
            (thresholds.per_adult_cents, "per_adult"),
            (thresholds.per_child_cents, "per_child"),
        ):
            if not 0 <= value <= 10_000_00:
                raise DomainError("Un minimum va de 0 à 10 000 € par mois.", field_name)
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            session.merge(Setting(key=LIVING_ADULT, value=str(thresholds.per_adult_cents)))
            session.merge(Setting(key=LIVING_CHILD, value=str(thresholds.per_child_cents)))
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=(
                    f"Reste à vivre minimum : {thresholds.per_adult_cents // 100} € par adulte, "
                    f"{thresholds.per_child_cents // 100} € par enfant"
                ),
            )
        return thresholds

    # --- the usury rates (Paramètres) --------------------------------------------------

    def usury_rates(self) -> tuple[UsuryRate, ...]:
        """The rates entered, newest first within each category."""
        with self._db.read() as session:
            return tuple(
                UsuryRate(row.category, row.valid_from, Decimal(row.rate_mpct) / 1000)
                for row in session.scalars(
                    select(UsuryRateRow).order_by(
                        UsuryRateRow.category, UsuryRateRow.valid_from.desc()
                    )
                )
            )

    def save_usury_rate(self, rate: UsuryRate) -> tuple[UsuryRate, ...]:
        """Add the rate of a category from a date (or correct the one of that date)."""
        if not Decimal(0) < rate.rate <= Decimal(30) or rate.rate != rate.rate.quantize(
            Decimal("0.01")
        ):
            raise DomainError("Taux invalide : de 0,01 à 30 %, deux décimales.", "rate")
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            row = session.scalar(
                select(UsuryRateRow).where(
                    UsuryRateRow.category == rate.category,
                    UsuryRateRow.valid_from == rate.valid_from,
                )
            )
            if row is None:
                row = UsuryRateRow(category=rate.category, valid_from=rate.valid_from)
                session.add(row)
            row.rate_mpct = int(rate.rate * 1000)
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=(
                    f"Taux d'usure « {rate.category.label} » au "
                    f"{rate.valid_from:%d/%m/%Y} : {rate.rate} %"
                ),
            )
        return self.usury_rates()

    def remove_usury_rate(
        self, category: UsuryCategory, valid_from: dt.date
    ) -> tuple[UsuryRate, ...]:
        with write_as(self._db, self._user, Right.MANAGE_SETTINGS) as session:
            session.execute(
                delete(UsuryRateRow).where(
                    UsuryRateRow.category == category, UsuryRateRow.valid_from == valid_from
                )
            )
            audit.record(
                session,
                self._user,
                AuditAction.SETTINGS_CHANGED,
                details=f"Taux d'usure « {category.label} » du {valid_from:%d/%m/%Y} retiré",
            )
        return self.usury_rates()

    # --- helpers -----------------------------------------------------------------------

    def _checked(self, data: PlanData, dossier: Dossier) -> PlanData:
        # The maths' own checks too: amounts, rates, deferrals, fees.
        return self.check_plan(data, len(dossier.borrowers))

    def _simulation(self, session: Session, simulation_id: int) -> Simulation:
        simulation = session.get(Simulation, simulation_id)
        if simulation is None:
            raise NotFound("Cette simulation n'existe plus.")
        self._visible(session, simulation.dossier_id)
        return simulation

    def _dossier_of(self, simulation_id: int) -> int:
        with self._db.read() as session:
            return self._simulation(session, simulation_id).dossier_id

    def _result(self, session: Session, dossier: Dossier) -> SimulationsInfo:
        session.flush()
        summaries = tuple(
            SimulationSummary(
                s.id,
                s.name,
                s.status,
                s.amount_cents,
                s.rate_mpct,
                s.duration_months,
                s.created_at,
            )
            for s in session.scalars(
                select(Simulation)
                .where(Simulation.dossier_id == dossier.id)
                .order_by(Simulation.created_at, Simulation.id)
            )
        )
        return SimulationsInfo(
            dossier_id=dossier.id,
            version=dossier.version,
            read_only=read_only_for(self._user, dossier),
            borrowers=len(dossier.borrowers),
            simulations=summaries,
            changed_id=session.info.pop("changed_simulation", None),
        )


LIVING_ADULT = "simulation.living_per_adult_cents"
LIVING_CHILD = "simulation.living_per_child_cents"


@dataclass(frozen=True)
class HouseholdBudget:
    budget: Budget
    new_build: bool
    living: LivingThresholds


def _load_living(session: Session) -> LivingThresholds:
    stored = dict(
        session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_((LIVING_ADULT, LIVING_CHILD)))
        ).all()
    )
    default = LivingThresholds()
    try:
        return LivingThresholds(
            int(stored.get(LIVING_ADULT, default.per_adult_cents)),
            int(stored.get(LIVING_CHILD, default.per_child_cents)),
        )
    except ValueError:
        return default


def _pick(dossier: Dossier, name: str | None) -> int:
    simulations = sorted(dossier.simulations, key=lambda s: (s.created_at, s.id))
    if name is not None:
        named = [s for s in simulations if s.name == name.strip()]
        if not named:
            raise NotFound(f"Le dossier {dossier.number} n'a pas de simulation « {name} ».")
        return named[-1].id
    if not simulations:
        raise NotFound(
            f"Le dossier {dossier.number} n'a pas encore de simulation : créez-en une dans "
            "l'onglet « Simulations »."
        )
    validated = [s for s in simulations if s.status is SimulationStatus.CLIENT_VALIDATED]
    return (validated or simulations)[-1].id


def _contacts(borrower) -> tuple[tuple[str, str], ...]:
    address = " ".join(
        part for part in (borrower.address, borrower.postal_code, borrower.city) if part
    )
    pairs = (
        ("Date de naissance", format_date(borrower.birth_date)),
        ("Adresse", address),
        ("Téléphone", borrower.phone),
        ("E-mail", borrower.email),
        ("Profession", borrower.profession),
    )
    return tuple((label, value) for label, value in pairs if value)


def _of(dossier: Dossier, simulation_id: int) -> Simulation:
    simulation = next((s for s in dossier.simulations if s.id == simulation_id), None)
    if simulation is None:
        raise NotFound("Cette simulation n'existe plus.")
    return simulation


def _from_project(dossier: Dossier) -> PlanData:
    amount = project_data(dossier.project).to_finance_cents
    if amount <= 0:
        raise DomainError(
            "Renseignez d'abord le projet (onglet « Projet ») : son montant à financer "
            "donne celui de la simulation.",
            "amount",
        )
    number = len(dossier.simulations) + 1
    return PlanData(
        name=f"Simulation {number}",
        lines=(LineData(amount, DEFAULT_RATE, DEFAULT_MONTHS),),
    )


def _store(simulation: Simulation, data: PlanData) -> None:
    """Write the plan into the rows, and its summary into the simulation's own columns."""
    simulation.name = data.name
    simulation.dossier_fees_cents = data.dossier_fees_cents
    simulation.guarantee = data.guarantee
    simulation.guarantee_fees_cents = data.guarantee_fees_cents
    simulation.brokerage_fees_cents = data.brokerage_fees_cents
    simulation.smoothing = data.smoothing
    simulation.rental_method = data.rental_method
    simulation.lines = [
        SimulationLine(
            position=position,
            bank_id=line.bank_id,
            kind=line.kind,
            amount_cents=line.amount_cents,
            rate_mpct=int(line.rate * 1000),
            months=line.months,
            deferral=line.deferral,
            deferral_months=line.deferral_months if line.deferral is not Deferral.NONE else 0,
            covers=[
                SimulationCover(
                    borrower_rank=cover.borrower_rank,
                    share_bp=int(cover.share * 100),
                    base=cover.base,
                    rate_mpct=int(cover.rate * 1000),
                    monthly_cents=cover.monthly_cents,
                    mandatory=cover.mandatory,
                    guarantees=",".join(g for g in cover.guarantees),
                )
                for cover in line.covers
            ],
        )
        for position, line in enumerate(data.lines, start=1)
    ]
    main = next((line for line in data.lines if line.kind is not LineKind.PTZ), data.lines[0])
    simulation.amount_cents = sum(line.amount_cents for line in data.lines)
    simulation.rate_mpct = int(main.rate * 1000)
    simulation.duration_months = max(line.months for line in data.lines)


def _stored(simulation: Simulation) -> StoredSimulation:
    return StoredSimulation(
        simulation.id, simulation.dossier_id, simulation.status, plan_of(simulation)
    )
