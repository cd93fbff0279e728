"""Every dossier command fed random and hostile values (hypothesis).

Each call either succeeds and stores exactly what the rules say, or raises a DomainError
with a French message and changes nothing. Never another exception, never half a write.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dossier.dossier_service import DossierDate, DossierFlag
from app.errors import DomainError
from app.text import person_name
from models.enums import AbandonReason, DossierStatus, DossierTab
from tests.helpers import new_dossier

EXAMPLES = int(os.environ.get("DOSSIA_HYPOTHESIS_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\t\n\r",
        "'; DROP TABLE dossiers; --",
        '" OR 1=1 --',
        "<script>alert('x')</script>",
        "<b>gras</b><img src=x onerror=alert(1)>",
        "😀👍🏽‍👩‍👩‍👧",
        "Ζ̸̢̧A̵L̷G̸O̶",
        "\u202eRTL\u202c",
        "a" * 100_000,
        "NEAR(a b)",
        "*",
        "\ufeff",
        "\ud800",  # a lone surrogate: not even valid UTF-8
        "Ma\udfffrie",
        "²",  # digits for Python's isdigit, not for an amount
        "١٢٣",
        "marie\x00@exemple.fr",
        "\u2066isolé\u2069",
    ]
)
TEXT = st.one_of(
    HOSTILE, st.text(max_size=300), st.text(alphabet=st.characters(codec="utf-8"), max_size=50)
)
DATES = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))


def unchanged(service, before) -> None:
    assert service.get(before.id) == before


@pytest.fixture
def dossier(workspace):
    return new_dossier(workspace)


@SETTINGS
@given(last=TEXT, first=TEXT, co_last=TEXT)
def test_create(workspace, last, first, co_last):
    service = workspace.dossiers
    try:
        detail = new_dossier(workspace, last, first, co_last_name=co_last)
    except DomainError as error:
        assert error.message
        return
    norm = " ".join
    assert detail.holder_name == person_name(norm(first.split()), norm(last.split()))
    assert service.get(detail.id) == detail


@SETTINGS
@given(number=TEXT)
def test_renumber(workspace, dossier, number):
    service = workspace.dossiers
    before = service.get(dossier.id)
    try:
        after = service.renumber(before.id, before.version, number)
    except DomainError:
        unchanged(service, before)
        return
    assert after.number == number.strip()
    assert service.get(before.id).number == number.strip()


@SETTINGS
@given(detail_text=TEXT, with_referrer=st.booleans())
def test_change_provenance(workspace, dossier, detail_text, with_referrer):
    service = workspace.dossiers
    before = service.get(dossier.id)
    provenance = workspace.office.active_provenances()[-1].id
    referrer = workspace.office.active_referrers()[0].id if with_referrer else None
    try:
        after = service.change_provenance(
            before.id, before.version, provenance, detail_text, referrer
        )
    except DomainError:
        unchanged(service, before)
        return
    assert after.provenance_detail == " ".join(detail_text.split())
    assert service.get(before.id) == after


@SETTINGS
@given(which=st.sampled_from(list(DossierDate)), value=DATES)
def test_set_date(workspace, dossier, which, value):
    service = workspace.dossiers
    before = service.get(dossier.id)
    try:
        after = service.set_date(before.id, before.version, which, value)
    except DomainError:
        unchanged(service, before)
        return
    assert getattr(service.get(before.id), which.value) == value == getattr(after, which.value)


@SETTINGS
@given(markup=TEXT)
def test_save_note(workspace, dossier, markup):
    service = workspace.dossiers
    before = service.get(dossier.id)
    try:
        after = service.save_note(before.id, before.version, markup)
    except DomainError:
        unchanged(service, before)
        return
    stored = service.get(before.id).internal_note
    assert stored == after.internal_note
    for forbidden in ("<script", "<img", "onerror", "javascript:"):
        assert forbidden not in stored.lower()


@SETTINGS
@given(reason=st.one_of(st.none(), st.sampled_from(list(AbandonReason))), text=TEXT)
def test_abandon(workspace, reason, text):
    service = workspace.dossiers
    before = new_dossier(workspace)
    try:
        after = service.abandon(before.id, before.version, reason, text)
    except DomainError:
        unchanged(service, before)
        return
    assert after.status is DossierStatus.ABANDONED and after.abandon_reason is reason
    expected = " ".join(text.split()) if reason is AbandonReason.OTHER else ""
    assert service.get(before.id).abandon_detail == expected


@SETTINGS
@given(status=st.sampled_from(list(DossierStatus)), created_on=DATES)
def test_resume(workspace, status, created_on):
    service = workspace.dossiers
    fresh = new_dossier(workspace)
    before = service.abandon(fresh.id, fresh.version, AbandonReason.COMPETITION)
    try:
        after = service.resume(before.id, before.version, status, created_on)
    except DomainError:
        unchanged(service, before)
        return
    assert (after.status, after.created_on) == (status, created_on)


@SETTINGS
@given(
    name=TEXT,
    amount=st.integers(-(10**15), 10**15),
    rate=st.integers(-(10**6), 10**6),
    months=st.integers(-1000, 10_000),
)
def test_add_simulation(workspace, dossier, name, amount, rate, months):
    service = workspace.dossiers
    before = service.get(dossier.id)
    try:
        after = service.add_simulation(before.id, before.version, name, amount, rate, months)
    except DomainError:
        unchanged(service, before)
        return
    added = after.simulations[-1]
    assert (added.amount_cents, added.rate_mpct, added.duration_months) == (amount, rate, months)
    assert service.get(before.id) == after


@SETTINGS
@given(
    moves=st.lists(st.sampled_from([1, -1]), max_size=12),
    flags=st.lists(st.sampled_from(list(DossierFlag))),
)
def test_steps_and_flags(workspace, dossier, moves, flags):
    service = workspace.dossiers
    detail = service.get(dossier.id)
    for direction in moves:
        try:
            detail = service.move_step(detail.id, detail.version, direction)
        except DomainError:
            assert service.get(detail.id) == detail
    for flag in flags:
        detail = service.set_flag(detail.id, detail.version, flag, not getattr(detail, flag.value))
    assert service.get(detail.id) == detail


# --- the household, the situation and the comments ---------------------------------------

AMOUNTS = st.one_of(st.none(), st.integers(-(10**15), 10**15))


@SETTINGS
@given(last=TEXT, city=TEXT, phone=TEXT, email=TEXT, postal=TEXT, income=AMOUNTS, birth=DATES)
def test_save_borrower(workspace, dossier, last, city, phone, email, postal, income, birth):
    from app.dossier.household import BorrowerData

    household = workspace.household
    before = household.get(dossier.id)
    data = BorrowerData(
        last_name=last,
        city=city,
        phone=phone,
        email=email,
        postal_code=postal,
        net_monthly_income_cents=income,
        birth_date=birth,
    )
    try:
        after = household.save_borrower(dossier.id, before.version, 1, data)
    except DomainError as error:
        assert error.message
        assert household.get(dossier.id) == before
        return
    assert household.get(dossier.id) == after
    assert after.borrowers[0].last_name == " ".join(last.split())


@SETTINGS
@given(name=TEXT, birth=DATES, custody=st.booleans())
def test_add_child(workspace, dossier, name, birth, custody):
    from app.dossier.household import ChildData

    household = workspace.household
    before = household.get(dossier.id)
    try:
        after = household.add_child(
            dossier.id, before.version, ChildData(name, birth, True, custody)
        )
    except DomainError:
        assert household.get(dossier.id) == before
        return
    assert after.children[-1].data.first_name == " ".join(name.split())


@SETTINGS
@given(price=AMOUNTS, contribution=AMOUNTS, city=TEXT, postal=TEXT)
def test_save_project(workspace, dossier, price, contribution, city, postal):
    from app.dossier.situation import ProjectData

    situation = workspace.situation
    before = situation.get(dossier.id)
    try:
        after = situation.save_project(
            dossier.id,
            before.version,
            ProjectData(
                price_cents=price, contribution_cents=contribution, city=city, postal_code=postal
            ),
        )
    except DomainError:
        assert situation.get(dossier.id) == before
        return
    assert (after.project.price_cents, after.project.contribution_cents) == (price, contribution)


@SETTINGS
@given(body=TEXT, tab=st.sampled_from(list(DossierTab)), flag=st.booleans())
def test_add_comment(workspace, dossier, body, tab, flag):
    comments = workspace.comments
    before = comments.list(dossier.id)
    try:
        added = comments.add(dossier.id, tab, body, flag)
    except DomainError:
        assert comments.list(dossier.id) == before
        return
    assert added.body and "<script" not in added.body.lower()
    assert comments.list(dossier.id)[0] == added
