"""The TAEG and the debt ratio of a dossier's client-validated simulation, as the «Export
C1» reports them: the same as the simulation's «Synthèse» says, kept in step with the
plan, its status and the household, and worked out once for the simulations validated
before Dossia kept them (or made by the demo)."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.dossier.household import BorrowerData
from app.dossier.situation import ProjectData
from app.exports.c1 import C1Filters, ExportModel
from app.simulation.finance import compute
from app.simulation.rules import debt_ratio
from models.dossier import Simulation
from models.enums import SimulationStatus
from tests.conftest import TEMPLATE_DOSSIERS
from tests.helpers import new_dossier

MODEL = ExportModel("Taux", ("number", "taeg", "debt_ratio"))


def _shown(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") + "\u00a0%"


def _row(workspace, number: str) -> tuple[str, ...]:
    rows = workspace.c1_exports.preview(C1Filters(), MODEL).rows
    return next(row for row in rows if row[0] == number)


def _synthesis_figures(workspace, dossier_id: int, simulation_id: int) -> tuple[str, str]:
    """What the simulation's «Synthèse» works out: its TAEG and the ratio with the plan."""
    stored = workspace.simulations.get(simulation_id)
    result = compute(stored.plan.plan())
    budget = workspace.simulations.budget(dossier_id).budget
    after = debt_ratio(budget, stored.plan.rental_method, max(result.monthly_cents))
    return _shown(result.taeg), _shown(after.ratio)


def _couple_with_a_plan(workspace, income: int = 3_000_00):
    detail = new_dossier(workspace, "Morel", "Inès")
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id,
        situation.version,
        ProjectData(price_cents=250_000_00, notary_fees_cents=18_750_00, contribution_cents=0),
    )
    household = workspace.household.get(detail.id)
    household = workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData(last_name="Morel", first_name="Inès", net_monthly_income_cents=income),
    )
    detail = workspace.dossiers.get(detail.id)
    info = workspace.simulations.create(detail.id, detail.version)
    info = workspace.simulations.create(detail.id, info.version)
    return detail, info


def test_the_validated_plans_taeg_and_debt_ratio_follow_its_plan_status_and_household(
    workspace,
):
    detail, info = _couple_with_a_plan(workspace)
    first, second = (s.id for s in info.simulations)
    assert _row(workspace, detail.number) == (detail.number, "", "")  # none validated

    info = workspace.simulations.set_status(first, info.version, SimulationStatus.CLIENT_VALIDATED)
    taeg, ratio = _synthesis_figures(workspace, detail.id, first)
    assert _row(workspace, detail.number) == (detail.number, taeg, ratio)

    # The household earns more: the ratio falls, the TAEG stays.
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData(last_name="Morel", first_name="Inès", net_monthly_income_cents=4_500_00),
    )
    richer = _synthesis_figures(workspace, detail.id, first)
    assert richer[0] == taeg and richer[1] != ratio
    assert _row(workspace, detail.number) == (detail.number, *richer)

    # The plan changes: a longer loan, a lower payment, another TAEG.
    stored = workspace.simulations.get(first)
    longer = stored.plan.lines[0].__class__(
        **{**stored.plan.lines[0].__dict__, "months": 300, "rate": Decimal("3.90")}
    )
    info = workspace.simulations.save(
        first,
        workspace.dossiers.get(detail.id).version,
        stored.plan.__class__(**{**stored.plan.__dict__, "lines": (longer,)}),
    )
    changed = _synthesis_figures(workspace, detail.id, first)
    assert changed != richer and _row(workspace, detail.number) == (detail.number, *changed)

    # Another simulation validated instead: its figures; then none validated: none.
    info = workspace.simulations.set_status(
        second, info.version, SimulationStatus.CLIENT_VALIDATED, replace_validated=True
    )
    other = _synthesis_figures(workspace, detail.id, second)
    assert _row(workspace, detail.number) == (detail.number, *other)
    workspace.simulations.set_status(second, info.version, SimulationStatus.PROPOSED)
    assert _row(workspace, detail.number) == (detail.number, "", "")


def test_no_debt_ratio_without_incomes(workspace):
    detail, info = _couple_with_a_plan(workspace, income=0)
    workspace.simulations.set_status(
        info.simulations[0].id, info.version, SimulationStatus.CLIENT_VALIDATED
    )
    _number, taeg, ratio = _row(workspace, detail.number)
    assert taeg.endswith("\u00a0%") and ratio == ""


def test_figures_due_are_worked_out_once_before_the_first_report(workspace):
    """The demo's validated simulations — like an office's validated before Dossia kept
    their figures (migration 0025) — are due: the first report works them all out."""
    database = workspace.database
    with database.write() as session:
        session.execute(
            update(Simulation)
            .where(Simulation.status == SimulationStatus.CLIENT_VALIDATED)
            .values(taeg_bp=None, debt_ratio_bp=None, figures_due=True)
        )
    with database.read() as session:
        validated = session.scalars(
            select(Simulation.dossier_id).where(
                Simulation.status == SimulationStatus.CLIENT_VALIDATED
            )
        ).all()
    assert validated, "the template office has validated simulations"
    rows = workspace.c1_exports.preview(C1Filters(), MODEL).rows
    assert len(rows) == TEMPLATE_DOSSIERS
    with database.read() as session:
        assert not session.scalars(select(Simulation.id).where(Simulation.figures_due)).all()
        numbers = dict(
            session.execute(
                select(Simulation.dossier_id, Simulation.taeg_bp).where(
                    Simulation.status == SimulationStatus.CLIENT_VALIDATED
                )
            ).all()
        )
    assert all(taeg and 100 < taeg < 1500 for taeg in numbers.values())
    assert sum(1 for _n, taeg, _r in rows if taeg) == len(validated)


def test_the_files_type_the_rates(workspace, tmp_path):
    from openpyxl import load_workbook

    detail, info = _couple_with_a_plan(workspace)
    simulation = info.simulations[0].id
    workspace.simulations.set_status(simulation, info.version, SimulationStatus.CLIENT_VALIDATED)
    taeg, ratio = _synthesis_figures(workspace, detail.id, simulation)
    service = workspace.c1_exports
    service.export(C1Filters(), MODEL, tmp_path / "c1.xlsx")
    book = load_workbook(tmp_path / "c1.xlsx", read_only=True)
    try:
        rows = list(book["Dossiers"].iter_rows(min_row=2))
        cells = next(row for row in rows if row[0].value == detail.number)
        assert cells[1].number_format == "0.00 %" and cells[2].number_format == "0.00 %"
        assert _shown(Decimal(str(cells[1].value)) * 100) == taeg
        assert _shown(Decimal(str(cells[2].value)) * 100) == ratio
    finally:
        book.close()
    service.export(C1Filters(), MODEL, tmp_path / "c1.csv")
    with open(tmp_path / "c1.csv", encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream, delimiter=";"))
    assert lines[0] == ["N° dossier", "TAEG", "Taux d'endettement"]
    line = next(line for line in lines if line[0] == detail.number)
    assert line == [detail.number, taeg.replace("\u00a0", " "), ratio.replace("\u00a0", " ")]


def test_erasing_a_borrower_keeps_the_figures_in_step(workspace):
    """The right to be forgotten takes a co-emprunteur's incomes and insurance out of the
    dossier outside the dossier's own commands: the report follows all the same."""
    detail, info = _couple_with_a_plan(workspace)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        2,
        BorrowerData(last_name="Morel", first_name="Paul", net_monthly_income_cents=2_500_00),
    )
    info = workspace.simulations.list(detail.id)
    simulation = info.simulations[0].id
    workspace.simulations.set_status(simulation, info.version, SimulationStatus.CLIENT_VALIDATED)
    as_a_couple = _synthesis_figures(workspace, detail.id, simulation)
    assert _row(workspace, detail.number) == (detail.number, *as_a_couple)
    co = next(p.borrower_id for p in workspace.privacy.people(detail.id) if p.rank == 2)
    workspace.privacy.erase_person(detail.id, co)
    alone = _synthesis_figures(workspace, detail.id, simulation)
    assert alone != as_a_couple
    assert _row(workspace, detail.number) == (detail.number, *alone)


def test_every_report_finds_the_figures_due_by_their_index(workspace):
    """Each preview asks which figures are due: its statement walks the partial index of
    the few due, never the whole table of simulations."""
    import sqlite3

    from sqlalchemy.dialects import sqlite

    from app.simulation import figures

    statement = select(Simulation.id).where(figures._DUE)
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    connection = sqlite3.connect(workspace.paths.database)
    try:
        plan = " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))
    finally:
        connection.close()
    assert "INDEX ix_simulations_figures_due" in plan, plan


def test_a_user_refused_since_login_works_nothing_out(workspace):
    """The figures due are written by the export: a user whose «Exporter C1» was withdrawn
    after his login (or whose account was closed) writes none of them."""
    from app.errors import PermissionDenied
    from app.office.office import NewUser
    from app.workspace import OfficeDatabase
    from models.enums import Right

    roles = workspace.roles.create_role("Contrôle", frozenset({Right.EXPORT_C1}))
    role = next(r for r in roles if r.name == "Contrôle")
    workspace.users.create_user(NewUser("ctrl", "Camille", "Contrôle", "motdepasse-1"), role.id)
    office = OfficeDatabase(workspace.paths)
    user = office.workspace_for(office.authenticate("ctrl", "motdepasse-1"))
    try:
        workspace.roles.update_role(role.id, "Contrôle", frozenset())
        with workspace.database.read() as session:
            due = len(session.scalars(select(Simulation.id).where(Simulation.figures_due)).all())
        assert due, "the template office's validated plans are due"
        with pytest.raises(PermissionDenied):
            user.c1_exports.preview(C1Filters(), MODEL)
        with workspace.database.read() as session:
            still = len(session.scalars(select(Simulation.id).where(Simulation.figures_due)).all())
        assert still == due
    finally:
        user.close()


def test_closing_the_dialog_stops_the_figures_being_worked_out(workspace):
    from app.errors import Cancelled

    with pytest.raises(Cancelled):
        workspace.c1_exports.preview(C1Filters(), MODEL, cancelled=lambda: True)
