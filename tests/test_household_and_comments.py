"""The «Emprunteurs» and «Enfants» data, comments and automatic comments (service level)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from app.dossier.auto_comments import RULES, Snapshot, expected_comments
from app.dossier.household import BorrowerData, ChildData, describe_household
from app.errors import ConflictError, DomainError, PermissionDenied
from app.validation import normalize_phone
from models.enums import AbandonReason, Contract, DossierTab, MaritalStatus
from tests.helpers import new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


TODAY = dt.date.today()


def borrower(**changes) -> BorrowerData:
    base = BorrowerData(last_name="Quénéhervé", first_name="Éloïse", civility="Mme")
    return replace(base, **changes)


@pytest.fixture
def dossier(workspace):
    return new_dossier(workspace)


def auto_comments(workspace, dossier_id):
    return [c for c in workspace.comments.list(dossier_id) if c.automatic]


def test_borrower_details_are_saved_and_normalised(workspace, dossier):
    household = workspace.household
    info = household.get(dossier.id)
    data = borrower(
        birth_date=dt.date(1988, 4, 2),
        phone="06.12.34.56.78",
        email=" eloise@exemple.fr ",
        postal_code="33 000",
        marital_status=MaritalStatus.MARRIED,
        contract=Contract.CDI,
        net_monthly_income_cents=2_850_00,
        last_name="d'Artagnan-Lefèvre",
    )
    info = household.save_borrower(dossier.id, info.version, 1, data)
    saved = info.borrowers[0]
    assert (saved.phone, saved.email, saved.postal_code) == (
        "06 12 34 56 78",
        "eloise@exemple.fr",
        "33000",
    )
    assert household.get(dossier.id).borrowers[0] == saved
    detail = workspace.dossiers.get(dossier.id)
    assert detail.holder_name == "D'ARTAGNAN-LEFÈVRE Éloïse"  # the summary and the list follow
    from app.listing import ListQuery

    assert [r.id for r in workspace.list_page(ListQuery(search="artagnan"), 0, 5)] == [dossier.id]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "téléphone invalide"),
        ({"email": "marie@"}, "email", "e-mail invalide"),
        ({"postal_code": "3300"}, "postal_code", "5 chiffres"),
        ({"birth_date": TODAY + dt.timedelta(days=1)}, "birth_date", "futur"),
        ({"net_monthly_income_cents": -1}, "net_monthly_income_cents", "négatif"),
        ({"net_monthly_income_cents": 10**12 * 100}, "net_monthly_income_cents", "invraisemblable"),
        ({"last_name": "  "}, "last_name", "nom"),
        ({"city": "x" * 500}, "city", "caractères au plus"),
    ],
)
def test_bad_borrower_data_is_refused_near_its_field(workspace, dossier, changes, field, message):
    info = workspace.household.get(dossier.id)
    with pytest.raises(DomainError, match=message) as error:
        workspace.household.save_borrower(dossier.id, info.version, 1, borrower(**changes))
    assert error.value.field == field
    assert workspace.household.get(dossier.id) == info


def test_phone_numbers():
    assert normalize_phone("+33 6 12 34 56 78") == "06 12 34 56 78"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("") == ""


def test_co_borrower_added_then_removed(workspace, dossier):
    household = workspace.household
    info = household.get(dossier.id)
    info = household.save_borrower(
        dossier.id, info.version, 2, borrower(last_name="Martin", first_name="Paul")
    )
    assert info.co_borrower.last_name == "Martin"
    info = household.remove_co_borrower(dossier.id, info.version)
    assert info.co_borrower is None
    with pytest.raises(DomainError, match="pas de co-emprunteur"):
        household.remove_co_borrower(dossier.id, info.version)


def test_family_is_derived_from_the_tabs(workspace, dossier):
    household = workspace.household
    info = household.get(dossier.id)
    info = household.save_borrower(
        dossier.id, info.version, 1, borrower(marital_status=MaritalStatus.MARRIED)
    )
    info = household.save_borrower(
        dossier.id,
        info.version,
        2,
        borrower(first_name="Paul", marital_status=MaritalStatus.MARRIED),
    )
    info = household.add_child(dossier.id, info.version, ChildData("Léo", dt.date(2015, 5, 1)))
    info = household.add_child(
        dossier.id, info.version, ChildData("Inès", dt.date(2018, 1, 9), alternating_custody=True)
    )
    assert info.household == "Couple marié, 2 enfants dont 1 en garde alternée"
    assert workspace.dossiers.get(dossier.id).household == info.household
    assert describe_household([MaritalStatus.PACS], [ChildData("A", alternating_custody=True)]) == (
        "Couple pacsé (un emprunteur), 1 enfant en garde alternée"
    )
    assert describe_household([None], []) == "Emprunteur seul"


def test_alternating_custody_fires_once_per_child_and_follows_the_data(workspace, dossier):
    household = workspace.household
    info = household.add_child(
        dossier.id, dossier.version, ChildData("Inès", alternating_custody=True)
    )
    child_id = info.children[0].id
    [comment] = auto_comments(workspace, dossier.id)
    assert (
        comment.tab is DossierTab.CHILDREN
        and not comment.in_synthesis
        and "garde alternée" in comment.body
    )
    assert comment.heading.endswith("Enfants — Automatique")
    info = household.update_child(
        dossier.id,
        info.version,
        child_id,
        ChildData("Inès", dt.date(2019, 3, 3), alternating_custody=True),
    )
    assert len(auto_comments(workspace, dossier.id)) == 1  # edited again: no duplicate
    info = household.update_child(
        dossier.id, info.version, child_id, ChildData("Inès Marie", alternating_custody=True)
    )
    [renamed] = auto_comments(workspace, dossier.id)
    assert "Inès Marie" in renamed.body and renamed.id == comment.id  # updated, not re-created
    info = household.update_child(
        dossier.id, info.version, child_id, ChildData("Inès Marie", alternating_custody=False)
    )
    assert auto_comments(workspace, dossier.id) == []  # unticked: gone
    info = household.update_child(
        dossier.id, info.version, child_id, ChildData("Inès Marie", alternating_custody=True)
    )
    info = household.remove_child(dossier.id, info.version, child_id)
    assert auto_comments(workspace, dossier.id) == []  # child removed: gone


def test_a_user_ticks_an_automatic_comment_into_the_synthesis(workspace, dossier):
    household = workspace.household
    info = household.save_borrower(dossier.id, dossier.version, 1, borrower(contract=Contract.CDD))
    [comment] = auto_comments(workspace, dossier.id)
    assert "CDD" in comment.body and not comment.in_synthesis
    ticked = workspace.comments.update(comment.id, comment.body, in_synthesis=True)
    assert ticked.in_synthesis
    household.save_borrower(
        dossier.id, info.version, 1, borrower(contract=Contract.CDD, city="Bordeaux")
    )
    [still] = auto_comments(workspace, dossier.id)
    assert still.in_synthesis  # a later save keeps the user's choice


def test_a_deleted_automatic_comment_stays_hidden_while_its_fact_holds(workspace, dossier):
    info = workspace.household.save_borrower(
        dossier.id, dossier.version, 1, borrower(rental_income_cents=800_00)
    )
    [comment] = auto_comments(workspace, dossier.id)
    assert "70 %" in comment.body and "560,00" in comment.body
    workspace.comments.delete(comment.id)
    workspace.household.save_borrower(
        dossier.id, info.version, 1, borrower(rental_income_cents=900_00)
    )
    assert auto_comments(workspace, dossier.id) == []


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (borrower(contract=Contract.CDI_TRIAL), "short-contract"),
        (borrower(contract=Contract.INTERIM), "short-contract"),
        (
            borrower(
                contract=Contract.SELF_EMPLOYED, employed_since=TODAY - dt.timedelta(days=400)
            ),
            "young-business",
        ),
        (borrower(contract=Contract.COMPANY_HEAD), "young-business"),
        (borrower(rental_income_cents=1), "rental-income"),
        (
            borrower(contract=Contract.CDI, employed_since=TODAY - dt.timedelta(days=100)),
            "recent-hire",
        ),
        (borrower(contract=Contract.UNEMPLOYED), "unemployed"),
    ],
)
def test_each_rule_fires_on_its_fact(data, rule):
    found = expected_comments(Snapshot(((1, data),), (), TODAY))
    assert [key[0] for key in found] == [rule]


def test_rules_stay_quiet_on_ordinary_data():
    settled = borrower(
        contract=Contract.SELF_EMPLOYED, employed_since=TODAY - dt.timedelta(days=5 * 365)
    )
    quiet = (
        settled,
        borrower(contract=Contract.CDI, employed_since=dt.date(2010, 1, 1)),
        borrower(),
    )
    for data in quiet:
        assert expected_comments(Snapshot(((1, data),), ((1, ChildData("A")),), TODAY)) == {}
    assert len({rule.key for rule in RULES}) == len(RULES)


def test_comments_are_written_edited_and_deleted_by_their_author(workspace, login_as, dossier):
    comments = workspace.comments
    with pytest.raises(DomainError, match="vide"):
        comments.add(dossier.id, DossierTab.GENERAL, "<p><br></p>")
    first = comments.add(
        dossier.id, DossierTab.GENERAL, "<p>Clients <b>motivés</b><script>x</script></p>"
    )
    assert first.body == "<p>Clients <b>motivés</b></p>" and first.in_synthesis
    second = comments.add(
        dossier.id, DossierTab.BORROWERS, "<ul><li>Bulletins</li></ul>", in_synthesis=False
    )
    assert [c.id for c in comments.list(dossier.id)] == [second.id, first.id]  # newest first
    edited = comments.update(first.id, "<p>Clients très motivés</p>", in_synthesis=False)
    assert edited.body == "<p>Clients très motivés</p>" and not edited.in_synthesis
    assistant = login_as("assistant").comments  # not the author, not a manager
    with pytest.raises(PermissionDenied):
        assistant.update(first.id, "<p>autre</p>", True)
    with pytest.raises(PermissionDenied):
        assistant.delete(first.id)
    login_as("pmoreau").comments.delete(second.id)  # a manager may
    comments.delete(first.id)
    assert comments.list(dossier.id) == ()


def test_comments_of_an_abandoned_dossier_are_read_only(workspace, dossier):
    comment = workspace.comments.add(dossier.id, DossierTab.GENERAL, "<p>avant</p>")
    workspace.dossiers.abandon(dossier.id, dossier.version, AbandonReason.COMPETITION)
    with pytest.raises(DomainError, match="lecture seule"):
        workspace.comments.add(dossier.id, DossierTab.GENERAL, "<p>après</p>")
    with pytest.raises(DomainError, match="lecture seule"):
        workspace.comments.update(comment.id, "<p>x</p>", True)


def test_household_edits_use_the_dossier_version(workspace, dossier):
    info = workspace.household.get(dossier.id)
    workspace.household.add_child(dossier.id, info.version, ChildData("Léo"))
    with pytest.raises(ConflictError):
        workspace.household.add_child(dossier.id, info.version, ChildData("Léa"))
    assert [c.data.first_name for c in workspace.household.get(dossier.id).children] == ["Léo"]


def test_deleting_the_dossier_deletes_household_and_comments(workspace, dossier):
    info = workspace.household.add_child(
        dossier.id, dossier.version, ChildData("Léo", alternating_custody=True)
    )
    workspace.comments.add(dossier.id, DossierTab.CHILDREN, "<p>note</p>")
    workspace.dossiers.delete(dossier.id)
    from models.dossier import Child, Comment
    from tests.helpers import count_rows

    assert count_rows(workspace, Child, dossier_id=dossier.id) == 0
    assert count_rows(workspace, Comment, dossier_id=dossier.id) == 0
    assert info.children
