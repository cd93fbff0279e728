"""Simulations stored as plans: create from the project, save lines and insurance, rename,
duplicate, delete, statuses; the dossier's rights and state apply."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from app.dossier.household import BorrowerData
from app.dossier.situation import ProjectData
from app.errors import ConflictError, DomainError, PermissionDenied
from app.simulation.finance import compute
from app.simulation.plans import AnotherValidated, CoverData, LineData, PlanData
from models.enums import (
    AbandonReason,
    Deferral,
    Guarantee,
    InsuranceBase,
    LineKind,
    SimulationStatus,
)
from tests.helpers import db_argument, new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def _with_project(workspace, price=250_000_00, notary=18_750_00, contribution=20_000_00):
    detail = new_dossier(workspace)
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id,
        situation.version,
        ProjectData(price_cents=price, notary_fees_cents=notary, contribution_cents=contribution),
    )
    return workspace.dossiers.get(detail.id)


def test_a_new_simulation_finances_what_the_project_leaves(workspace):
    detail = _with_project(workspace)
    info = workspace.simulations.create(detail.id, detail.version)
    [summary] = info.simulations
    assert summary.name == "Simulation 1" and summary.status is SimulationStatus.DRAFT
    assert summary.amount_cents == 248_750_00  # 250 000 + 18 750 − 20 000
    stored = workspace.simulations.get(summary.id)
    assert stored.plan.lines[0].months == 240
    assert info.version == detail.version + 1
    assert workspace.dossiers.get(detail.id).simulations[0].name == "Simulation 1"


def test_without_a_project_the_broker_is_told_where_to_start(workspace):
    detail = new_dossier(workspace)
    with pytest.raises(DomainError, match="onglet « Projet »"):
        workspace.simulations.create(detail.id, detail.version)


def test_a_plan_is_saved_with_its_lines_insurance_and_fees_and_read_back(workspace):
    detail = _with_project(workspace)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, household.version, 2, BorrowerData(last_name="Durand", first_name="Paul")
    )
    detail = workspace.dossiers.get(detail.id)
    info = workspace.simulations.create(detail.id, detail.version)
    simulation_id = info.simulations[0].id
    plan = PlanData(
        name="Avec PTZ",
        lines=(
            LineData(
                188_750_00,
                D("3.85"),
                300,
                covers=(
                    CoverData(1, D(50), InsuranceBase.INITIAL, D("0.34")),
                    CoverData(2, D(50), InsuranceBase.REMAINING, D("0.25"), mandatory=False),
                ),
            ),
            LineData(60_000_00, D(0), 240, LineKind.PTZ, Deferral.TOTAL, 60),
        ),
        dossier_fees_cents=1_000_00,
        guarantee=Guarantee.CREDIT_LOGEMENT,
        guarantee_fees_cents=2_400_00,
        smoothing=True,
    )
    info = workspace.simulations.save(simulation_id, info.version, plan)
    stored = workspace.simulations.get(simulation_id)
    assert stored.plan == plan
    [summary] = info.simulations
    assert (summary.amount_cents, summary.rate_mpct, summary.duration_months) == (
        248_750_00,
        3850,
        300,
    )
    result = compute(stored.plan.plan())
    assert len(set(result.monthly_without_insurance_cents[:-1])) == 1  # smoothed
    assert result.line_taegs[0] > D("3.85") > result.taeg  # the PTZ pulls the plan's down


def test_bad_plans_are_refused_and_change_nothing(workspace):
    detail = _with_project(workspace)
    info = workspace.simulations.create(detail.id, detail.version)
    simulation_id = info.simulations[0].id
    stored = workspace.simulations.get(simulation_id)
    for bad, field in (
        (replace(stored.plan, name=" "), "name"),
        (replace(stored.plan, lines=()), "lines"),
        (
            replace(stored.plan, lines=(replace(stored.plan.lines[0], rate=D(25)),)),
            "rate",
        ),
        (  # insurance for a co-borrower the dossier does not have
            replace(
                stored.plan,
                lines=(replace(stored.plan.lines[0], covers=(CoverData(2, rate=D("0.3")),)),),
            ),
            "insurance",
        ),
    ):
        with pytest.raises(DomainError) as refused:
            workspace.simulations.save(simulation_id, info.version, bad)
        assert refused.value.field == field
    assert workspace.simulations.get(simulation_id) == stored


def test_rename_duplicate_delete(workspace):
    detail = _with_project(workspace)
    info = workspace.simulations.create(detail.id, detail.version)
    first = info.simulations[0].id
    info = workspace.simulations.rename(first, info.version, "Offre BNP")
    info = workspace.simulations.duplicate(first, info.version)
    names = [s.name for s in info.simulations]
    assert names == ["Offre BNP", "Copie de Offre BNP"]
    copy = info.changed_id
    assert workspace.simulations.get(copy).plan.lines == workspace.simulations.get(first).plan.lines
    info = workspace.simulations.delete(first, info.version)
    assert [s.id for s in info.simulations] == [copy]
    with pytest.raises(ConflictError):
        workspace.simulations.delete(copy, info.version - 1)  # an old version: refused


def test_one_simulation_validated_per_dossier_after_asking(workspace):
    detail = _with_project(workspace)
    info = workspace.simulations.create(detail.id, detail.version)
    info = workspace.simulations.create(detail.id, info.version)
    first, second = (s.id for s in info.simulations)
    info = workspace.simulations.set_status(first, info.version, SimulationStatus.CLIENT_VALIDATED)
    with pytest.raises(AnotherValidated, match="déjà validée par le client"):
        workspace.simulations.set_status(second, info.version, SimulationStatus.CLIENT_VALIDATED)
    info = workspace.simulations.set_status(
        second, info.version, SimulationStatus.CLIENT_VALIDATED, replace_validated=True
    )
    statuses = {s.id: s.status for s in info.simulations}
    assert statuses == {
        first: SimulationStatus.PROPOSED,
        second: SimulationStatus.CLIENT_VALIDATED,
    }


def test_the_dossiers_rights_and_state_apply(login_as):
    admin, broker = login_as("admin"), login_as("slegrand")
    detail = _with_project(admin)
    info = admin.simulations.create(detail.id, detail.version)
    simulation_id = info.simulations[0].id
    with pytest.raises(DomainError):  # someone else's dossier: not even visible
        broker.simulations.get(simulation_id)
    with pytest.raises((PermissionDenied, DomainError)):
        broker.simulations.delete(simulation_id, info.version)
    detail = admin.dossiers.get(detail.id)
    admin.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    info = admin.simulations.list(detail.id)
    assert info.read_only
    with pytest.raises(DomainError):
        admin.simulations.rename(simulation_id, info.version, "Trop tard")


def test_the_demo_and_older_simulations_are_plans(workspace):
    with workspace.database.read() as session:
        from sqlalchemy import select

        from models.dossier import Simulation

        ids = list(session.scalars(select(Simulation.id).limit(20)))
    assert ids
    for simulation_id in ids:
        stored = workspace.simulations.get(simulation_id)
        assert stored.plan.lines  # every simulation has its lines
        compute(stored.plan.plan())  # and they compute


def test_usury_rates_are_kept_by_managers_and_audited(login_as):
    import datetime as dt

    from app.simulation.rules import UsuryRate
    from models.enums import UsuryCategory
    from tests.helpers import audit_events

    admin, broker = login_as("admin"), login_as("slegrand")
    rate = UsuryRate(UsuryCategory.FIXED_20_AND_MORE, dt.date(2027, 1, 1), D("6.29"))
    demo = admin.simulations.usury_rates()  # the demo office's own, kept as they are

    def added(rates: tuple[UsuryRate, ...]) -> set[UsuryRate]:
        assert set(demo) <= set(rates)
        return set(rates) - set(demo)

    with pytest.raises(PermissionDenied):
        broker.simulations.save_usury_rate(rate)
    assert added(admin.simulations.save_usury_rate(rate)) == {rate}
    corrected = replace(rate, rate=D("6.30"))
    assert added(admin.simulations.save_usury_rate(corrected)) == {corrected}  # same date
    assert "6.30 %" in audit_events(admin)[-1].details
    assert added(broker.simulations.usury_rates()) == {corrected}  # everyone reads them
    with pytest.raises(DomainError, match="Taux invalide"):
        admin.simulations.save_usury_rate(replace(rate, rate=D("6.295")))
    assert admin.simulations.remove_usury_rate(rate.category, rate.valid_from) == demo


def test_a_borrower_who_leaves_takes_his_insurance_out_of_the_plans(workspace):
    detail = _with_project(workspace)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, household.version, 2, BorrowerData(last_name="Durand", first_name="Paul")
    )
    detail = workspace.dossiers.get(detail.id)
    info = workspace.simulations.create(detail.id, detail.version)
    simulation_id = info.simulations[0].id
    plan = workspace.simulations.get(simulation_id).plan
    covered = replace(
        plan.lines[0],
        covers=(CoverData(1, D(50), rate=D("0.3")), CoverData(2, D(50), rate=D("0.2"))),
    )
    info = workspace.simulations.save(simulation_id, info.version, replace(plan, lines=(covered,)))
    household = workspace.household.remove_co_borrower(detail.id, info.version)
    [cover] = workspace.simulations.get(simulation_id).plan.lines[0].covers
    assert cover.borrower_rank == 1
    info = workspace.simulations.list(detail.id)
    workspace.simulations.rename(simulation_id, info.version, "Encore modifiable")  # not refused
    # The porteur erased (GDPR): the co-borrower's cover becomes the porteur's.
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, household.version, 2, BorrowerData(last_name="Durand", first_name="Paul")
    )
    info = workspace.simulations.list(detail.id)
    plan = workspace.simulations.get(simulation_id).plan
    two = replace(plan.lines[0], covers=(CoverData(1, rate=D("0.3")), CoverData(2, rate=D("0.2"))))
    workspace.simulations.save(simulation_id, info.version, replace(plan, lines=(two,)))
    porteur = next(p for p in workspace.privacy.people(detail.id) if p.rank == 1)
    workspace.privacy.erase_person(detail.id, porteur.borrower_id)
    [cover] = workspace.simulations.get(simulation_id).plan.lines[0].covers
    assert (cover.borrower_rank, cover.rate) == (1, D("0.2"))


def test_the_synthesis_pdf_says_the_plan_and_the_flagged_notes(workspace, tmp_path):
    from pypdf import PdfReader

    from models.enums import DossierTab

    detail = _with_project(workspace)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData(
            last_name="Quénéhervé",
            first_name="Éloïse",
            email="eloise.q@example.fr",
            phone="06 12 34 56 78",
            net_monthly_income_cents=4_200_00,
        ),
    )
    workspace.comments.add(
        detail.id,
        DossierTab.GENERAL,
        "<p>Client <b>très sérieux</b> &amp; <i>épargnant</i></p><ul><li>CDI</li><li>Apport</li></ul>"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; <u>souligné</u></p>",
        True,
    )
    workspace.comments.add(detail.id, DossierTab.PROJECT, "<p>Pas dans la synthèse</p>", False)
    detail = workspace.dossiers.get(detail.id)
    info = workspace.simulations.create(detail.id, detail.version)
    target = tmp_path / "synthese.pdf"
    workspace.simulations.write_synthesis(info.simulations[0].id, target)
    pages = PdfReader(target).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages).replace("\u00a0", " ")
    assert "Synthèse de financement — Simulation 1" in text
    assert "QUÉNÉHERVÉ Éloïse" in text and "eloise.q@example.fr" in text
    assert "Note de synthèse" in text and "très sérieux & épargnant" in text
    assert "• CDI" in text and "<script>alert(1)</script>" in text
    assert "Pas dans la synthèse" not in text
    assert "Taux d'endettement" in text and "Page 1 / " in text
    assert "Annexe : tableau d'amortissement par année" in text
    # The chart: its legend (capital, interest, insurance, capital still owed) and scales.
    # The chart: 20 years, one in two labelled; its legend; the scale of what is owed.
    assert "Remboursement année par année 1 3 5 7 9 11 13 15 17 19 0 €" in text
    assert "Capital Intérêts Assurance Capital restant dû" in text and "300 000 €" in text
    # Contact details hidden when the dossier says so.
    detail = workspace.dossiers.get(detail.id)
    from app.dossier.dossier_service import DossierFlag

    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.HIDE_CONTACTS, True)
    workspace.simulations.write_synthesis(info.simulations[0].id, target)
    hidden = " ".join(page.extract_text() for page in PdfReader(target).pages)
    assert "QUÉNÉHERVÉ" in hidden and "eloise.q@example.fr" not in hidden
    assert "06 12 34 56 78" not in hidden


def test_the_simulation_pdf_command(workspace, tmp_path, monkeypatch, capsys):
    import main
    from tests.conftest import PASSWORD

    detail = _with_project(workspace)
    info = workspace.simulations.create(detail.id, detail.version)
    workspace.simulations.rename(info.simulations[0].id, info.version, "Offre BNP")
    monkeypatch.setenv("DOSSIA_PASSWORD", PASSWORD)
    out = tmp_path / "s.pdf"
    arguments = ["simulation-pdf", "--db", db_argument(workspace), "--user", "admin"]
    assert main.main([*arguments, "--dossier", detail.number, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF") and str(out) in capsys.readouterr().out
    assert (
        main.main(
            [*arguments, "--dossier", detail.number, "--simulation", "Autre", "--out", str(out)]
        )
        == 2
    )
    assert "pas de simulation « Autre »" in capsys.readouterr().err
    assert main.main([*arguments, "--dossier", "1999-99999", "--out", str(out)]) == 2
    assert "Aucun dossier" in capsys.readouterr().err
    other = ["simulation-pdf", "--db", db_argument(workspace), "--user", "slegrand"]
    assert main.main([*other, "--dossier", detail.number, "--out", str(out)]) == 2  # not his
