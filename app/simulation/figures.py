"""The figures the office's reports read of a dossier's client-validated simulation — its
TAEG and the household's debt ratio with it — kept in the simulation's row.

Both take the whole schedule (about a millisecond a plan): worked out for 100,000 dossiers
at each export, they would take minutes. So they are kept in step where they change:
inside every change of a dossier (`keep_in_step`, run by `DossierCommands._edit` for the
plan, its status and the household alike), and, for the simulations validated before
Dossia kept them (or made by the demo), the first time a report needs them
(`complete_due`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.dossier.household import borrower_data, child_data
from app.dossier.situation import ItemKind, project_data
from app.errors import Cancelled, DomainError
from app.simulation.finance import compute
from app.simulation.plans import CoverData, LineData, PlanData
from app.simulation.rules import Budget, debt_ratio, household_budget
from app.storage.database import Database
from models.dossier import Dossier, Simulation, SimulationLine
from models.enums import SimulationStatus

_BATCH = 200  # due simulations worked out per transaction (a prompt cancel, short locks)
# «figures_due = 1» on SQLite: the very term of the partial index `ix_simulations_figures_due`
# (SQLite uses a partial index only for a query holding its condition as written).
_DUE = Simulation.figures_due


def plan_of(simulation: Simulation) -> PlanData:
    """The plan a simulation's rows hold."""
    lines = tuple(
        LineData(
            amount_cents=line.amount_cents,
            rate=Decimal(line.rate_mpct) / 1000,
            months=line.months,
            kind=line.kind,
            deferral=line.deferral,
            deferral_months=line.deferral_months,
            bank_id=line.bank_id,
            covers=tuple(
                CoverData(
                    borrower_rank=cover.borrower_rank,
                    share=Decimal(cover.share_bp) / 100,
                    base=cover.base,
                    rate=Decimal(cover.rate_mpct) / 1000,
                    monthly_cents=cover.monthly_cents,
                    mandatory=cover.mandatory,
                    guarantees=tuple(g for g in cover.guarantees.split(",") if g),
                )
                for cover in line.covers
            ),
        )
        for line in simulation.lines
    )
    return PlanData(
        name=simulation.name,
        lines=lines,
        dossier_fees_cents=simulation.dossier_fees_cents,
        guarantee=simulation.guarantee,
        guarantee_fees_cents=simulation.guarantee_fees_cents,
        brokerage_fees_cents=simulation.brokerage_fees_cents,
        smoothing=simulation.smoothing,
        rental_method=simulation.rental_method,
    )


def household_of(dossier: Dossier) -> Budget:
    """What the dossier's household earns and pays before the project, as a bank counts it."""
    return household_budget(
        [borrower_data(b) for b in dossier.borrowers],
        [child_data(c) for c in dossier.children],
        [ItemKind.LOAN.to_data(loan) for loan in dossier.loans],
        [ItemKind.CHARGE.to_data(charge) for charge in dossier.charges],
        project_data(dossier.project),
    )


def work_out(simulation: Simulation, dossier: Dossier) -> tuple[int | None, int | None]:
    """The plan's TAEG and the household's debt ratio with it (on the plan's highest
    monthly payment, insurance included, as the «Synthèse» says it), in hundredths of a
    percent; None for a plan the maths refuse, or a ratio without incomes."""
    plan = plan_of(simulation)
    try:
        result = compute(plan.plan(), details=False)
    except DomainError:
        return None, None
    after = debt_ratio(household_of(dossier), plan.rental_method, max(result.monthly_cents))
    ratio = int(after.ratio * 100) if after.income_cents > 0 else None
    return int(result.taeg * 100), ratio


def keep_in_step(session: Session, dossier: Dossier) -> None:
    """Inside a change of the dossier: its validated simulation's figures worked out again
    (its plan, its status or the household may have changed), the others' cleared."""
    for simulation in dossier.simulations:
        if simulation.status is SimulationStatus.CLIENT_VALIDATED:
            figures = work_out(simulation, dossier)
        else:
            figures = (None, None)
        if (simulation.taeg_bp, simulation.debt_ratio_bp) != figures or simulation.figures_due:
            simulation.taeg_bp, simulation.debt_ratio_bp = figures
            simulation.figures_due = False


def complete_due(
    database: Database,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    check: Callable[[Session], object] | None = None,
) -> int:
    """Work out the figures still due, `_BATCH` simulations per transaction; returns how
    many. Derived figures, no one's change: no version bumped, nothing audited — but each
    transaction first runs `check` (the user still active and entitled: it raises if not).
    A cancel keeps the batches done (they are right) and raises Cancelled."""
    with database.read() as session:
        due = session.scalars(select(Simulation.id).where(_DUE)).all()
    for start in range(0, len(due), _BATCH):
        if cancelled is not None and cancelled():
            raise Cancelled("Calcul des TAEG interrompu.")
        if progress is not None:
            progress(start, len(due))
        with database.write() as session:
            if check is not None:
                check(session)
            _complete(session, due[start : start + _BATCH])
    if progress is not None and due:
        progress(len(due), len(due))
    return len(due)


def _complete(session: Session, ids: Sequence[int]) -> None:
    simulations = session.scalars(
        select(Simulation)
        .where(Simulation.id.in_(ids), _DUE)
        .options(selectinload(Simulation.lines).selectinload(SimulationLine.covers))
    ).all()
    dossiers = {
        d.id: d
        for d in session.scalars(
            select(Dossier)
            .where(Dossier.id.in_({s.dossier_id for s in simulations}))
            .options(
                selectinload(Dossier.borrowers),
                selectinload(Dossier.children),
                selectinload(Dossier.loans),
                selectinload(Dossier.charges),
                selectinload(Dossier.project),
            )
        )
    }
    for simulation in simulations:
        validated = simulation.status is SimulationStatus.CLIENT_VALIDATED
        taeg, ratio = (
            work_out(simulation, dossiers[simulation.dossier_id]) if validated else (None, None)
        )
        simulation.taeg_bp, simulation.debt_ratio_bp = taeg, ratio
        simulation.figures_due = False
