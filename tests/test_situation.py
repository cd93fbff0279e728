"""«Projet», «Crédit», «Patrimoine»: the service rules."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dossier.situation import (
    ChargeData,
    ItemKind,
    LoanData,
    ProjectData,
    RealEstateData,
    SavingsData,
)
from app.errors import DomainError
from models.enums import ChargeKind, DossierTab, LoanKind, ProjectNature, SavingsKind
from tests.helpers import new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


TODAY = dt.date.today()


@pytest.fixture
def dossier(workspace):
    return new_dossier(workspace)


def auto(workspace, dossier_id, tab):
    return [c for c in workspace.comments.list(dossier_id) if c.automatic and c.tab is tab]


def test_project_totals_and_rules(workspace, dossier):
    situation = workspace.situation
    info = situation.save_project(
        dossier.id,
        dossier.version,
        ProjectData(
            nature=ProjectNature.EXISTING,
            price_cents=300_000_00,
            notary_fees_cents=24_000_00,
            agency_fees_cents=10_000_00,
            works_cents=15_000_00,
            contribution_cents=20_000_00,
        ),
    )
    assert info.project.total_cents == 349_000_00 and info.project.to_finance_cents == 329_000_00
    [comment] = auto(workspace, dossier.id, DossierTab.PROJECT)
    assert "ne couvre pas les frais" in comment.body and "34\u202f000,00" in comment.body
    info = situation.save_project(
        dossier.id,
        info.version,
        ProjectData(
            price_cents=300_000_00, notary_fees_cents=24_000_00, contribution_cents=40_000_00
        ),
    )
    assert auto(workspace, dossier.id, DossierTab.PROJECT) == []
    with pytest.raises(DomainError, match="dépasse le coût total") as error:
        situation.save_project(
            dossier.id, info.version, ProjectData(price_cents=100_00, contribution_cents=200_00)
        )
    assert error.value.field == "contribution_cents"
    with pytest.raises(DomainError, match="négatif"):
        situation.save_project(dossier.id, info.version, ProjectData(price_cents=-1))
    with pytest.raises(DomainError, match="invraisemblable"):
        situation.save_project(dossier.id, info.version, ProjectData(price_cents=10**12 * 100))
    assert situation.get(dossier.id) == info


def test_loans_charges_and_the_buyback_rule(workspace, dossier):
    situation = workspace.situation
    loan = LoanData(
        "Cetelem", LoanKind.CAR, 250_00, 6_000_00, TODAY + dt.timedelta(days=700), to_buy_back=True
    )
    info = situation.save_item(dossier.id, dossier.version, ItemKind.LOAN, None, loan)
    info = situation.save_item(
        dossier.id, info.version, ItemKind.CHARGE, None, ChargeData(ChargeKind.ALIMONY, 300_00)
    )
    info = situation.save_item(
        dossier.id, info.version, ItemKind.LOAN, None, LoanData("LCL", LoanKind.MORTGAGE, 900_00)
    )
    assert info.monthly_debts_cents == 1_200_00  # the loan to buy back is not counted
    [comment] = auto(workspace, dossier.id, DossierTab.CREDIT)
    assert "Crédit auto / LOA Cetelem" in comment.body and "racheter" in comment.body
    loan_id = info.items[ItemKind.LOAN][0].id
    info = situation.save_item(
        dossier.id, info.version, ItemKind.LOAN, loan_id, LoanData("Cetelem", LoanKind.CAR, 250_00)
    )
    assert auto(workspace, dossier.id, DossierTab.CREDIT) == []  # no longer bought back
    with pytest.raises(DomainError, match="Organisme prêteur"):
        situation.save_item(
            dossier.id, info.version, ItemKind.LOAN, None, LoanData("", LoanKind.CAR, 1)
        )
    with pytest.raises(DomainError, match="à venir"):
        situation.save_item(
            dossier.id,
            info.version,
            ItemKind.LOAN,
            None,
            LoanData("X", LoanKind.CAR, 1, end_date=TODAY - dt.timedelta(days=1)),
        )
    info = situation.remove_item(dossier.id, info.version, ItemKind.LOAN, loan_id)
    assert len(info.items[ItemKind.LOAN]) == 1


def test_assets_and_net_worth(workspace, dossier):
    situation = workspace.situation
    info = situation.save_item(
        dossier.id,
        dossier.version,
        ItemKind.REAL_ESTATE,
        None,
        RealEstateData("Studio à Pau", 120_000_00, 40_000_00),
    )
    info = situation.save_item(
        dossier.id,
        info.version,
        ItemKind.SAVINGS,
        None,
        SavingsData(SavingsKind.LIFE_INSURANCE, 25_000_00),
    )
    assert info.net_worth_cents == 105_000_00
    with pytest.raises(DomainError, match="Bien"):
        situation.save_item(
            dossier.id, info.version, ItemKind.REAL_ESTATE, None, RealEstateData(" ", 1)
        )


def test_abandoned_dossier_situation_is_read_only(workspace, dossier):
    from models.enums import AbandonReason

    abandoned = workspace.dossiers.abandon(dossier.id, dossier.version, AbandonReason.COMPETITION)
    with pytest.raises(DomainError, match="lecture seule"):
        workspace.situation.save_project(
            abandoned.id, abandoned.version, ProjectData(price_cents=1)
        )
    assert workspace.situation.get(dossier.id).read_only
