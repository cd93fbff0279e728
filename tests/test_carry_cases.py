"""Laptops' dossiers brought back (issue 11): the hard cases — a hostile review's, each
first seen failing — on PostgreSQL: ids SQLite gives again, rows known by what they are,
plans that come back whole, invoices that outlive their dossier, prefixes, erasures."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time

import pytest
from sqlalchemy import func, select

from app import clock
from app.carry.carry_service import LAPTOP, OFFICE
from app.dossier.dossier_service import NewDossier
from app.errors import DomainError, PermissionDenied
from app.paths import carry_paths
from models.carry import CarryConflict
from models.dossier import Comment, Document, Dossier, Simulation, SimulationLine
from models.enums import DossierStatus, DossierTab
from tests.carry_support import (  # noqa: F401  (the fixtures)
    broker,
    engine,
    laptops,
    own_dossiers,
    phone_on,
    server,
    set_phone,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("server")

TODAY = dt.date.today()


def _with_co_borrower(workspace) -> int:
    for key in own_dossiers(workspace, 40):
        if len(workspace.household.get(key).borrowers) == 2:
            return key
    raise AssertionError("no dossier with a co-borrower")


def _with_simulation(workspace) -> tuple[int, int]:
    with workspace.database.read() as session:
        row = session.execute(
            select(Dossier.id, Simulation.id)
            .join(Simulation, Simulation.dossier_id == Dossier.id)
            .where(
                Dossier.owner_id == workspace.user.id,
                Dossier.status != DossierStatus.ABANDONED,
            )
            .order_by(Dossier.id, Simulation.id)
        ).first()
    assert row is not None
    return row[0], row[1]


def test_automatic_comments_follow_the_new_ids_of_the_laptop_rows(
    login_as, office_location, laptops
):
    """An automatic comment names its fact by the row's id («child-57»): a child added
    offline gets a new id at the office, and its comment follows it (a dismissed one stays
    dismissed)."""
    from app.dossier.household import ChildData
    from models.dossier import Child
    from tests.helpers import new_dossier

    admin = login_as("admin")
    detail = new_dossier(admin, last_name="Durand", first_name="Paul")
    admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    laptop.household.add_child(
        detail.id,
        laptop.household.get(detail.id).version,
        ChildData("Léa", dt.date(2018, 3, 1), True, True),
    )
    with laptop.database.read() as session:
        auto = session.scalars(
            select(Comment).where(Comment.dossier_id == detail.id, Comment.rule_key.is_not(None))
        ).one()
    laptop.comments.delete(auto.id)  # dismissed on the laptop
    laptop.carries.bring_back(office_location, {})

    with admin.database.read() as session:
        child_id = session.scalars(select(Child.id).where(Child.dossier_id == detail.id)).one()
        facts = session.scalars(
            select(Comment.fact_key).where(
                Comment.dossier_id == detail.id, Comment.rule_key.is_not(None)
            )
        ).all()
    assert facts == [f"child-{child_id}"]
    set_phone(admin, detail.id, "06 10 20 30 40")
    with admin.database.read() as session:
        shown = session.scalars(
            select(Comment.body).where(
                Comment.dossier_id == detail.id,
                Comment.rule_key.is_not(None),
                Comment.dismissed.is_(False),
            )
        ).all()
    assert shown == [], shown


def test_a_dossier_deleted_at_the_office_with_an_invoice_can_be_kept(
    login_as, office_location, laptops
):
    """A dossier deleted at the office keeps its invoices there (ON DELETE SET NULL): put
    back from the laptop, it finds them again instead of writing them twice."""
    from app.invoicing.invoices import InvoiceData
    from models.enums import InvoiceKind
    from tests.helpers import new_dossier

    admin = login_as("admin")
    detail = new_dossier(admin, last_name="Durand", first_name="Paul")
    admin.invoices.create_draft(
        detail.id,
        InvoiceData(
            InvoiceKind.FEES,
            "Paul Durand",
            "3 rue Vauban 33000 Bordeaux",
            description="Honoraires",
            amount_cents=1_200_00,
        ),
    )
    out = admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    laptop.dossiers.save_note(detail.id, laptop.dossiers.get(detail.id).version, "<p>Hors</p>")
    admin.carries.force_back(out.carry.id)
    admin.dossiers.delete(detail.id)

    (conflict,) = laptop.carries.plan_return(office_location).conflicts
    laptop.carries.bring_back(office_location, {conflict.key: LAPTOP})
    assert "Hors" in admin.dossiers.get(detail.id).internal_note


def test_invoice_balances_match_the_payments_after_a_return(login_as, office_location, laptops):
    """Paid on the laptop and at the office (after a forced return): both payments come
    back, and the invoice's balance is their sum."""
    from app.dossier.dossier_service import DossierDate
    from app.invoicing.invoices import InvoiceData, PaymentData
    from models.enums import InvoiceKind, PaymentMeans
    from models.office import Invoice, Payment
    from tests.helpers import new_dossier

    admin = login_as("admin")
    detail = new_dossier(admin, last_name="Durand", first_name="Paul")
    day = admin.dossiers.set_date(detail.id, detail.version, DossierDate.OFFER_SIGNED, TODAY)
    admin.dossiers.set_date(detail.id, day.version, DossierDate.FUNDS_RELEASED, TODAY)
    draft = admin.invoices.create_draft(
        detail.id,
        InvoiceData(
            InvoiceKind.FEES,
            "Paul Durand",
            "3 rue Vauban 33000 Bordeaux",
            description="Honoraires",
            amount_cents=1_000_00,
        ),
    )
    admin.invoices.issue(draft.changed_id)
    invoice_id = draft.changed_id
    out = admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    laptop.invoices.pay(invoice_id, PaymentData(TODAY, 300_00, PaymentMeans.TRANSFER))
    admin.carries.force_back(out.carry.id)
    admin.invoices.pay(invoice_id, PaymentData(TODAY, 500_00, PaymentMeans.CHEQUE))

    plan = laptop.carries.plan_return(office_location)
    laptop.carries.bring_back(office_location, {c.key: LAPTOP for c in plan.conflicts})
    with admin.database.read() as session:
        invoice = session.get(Invoice, invoice_id)
        paid = session.scalar(
            select(func.sum(Payment.amount_cents)).where(Payment.invoice_id == invoice_id)
        )
    assert invoice.paid_cents == paid, (invoice.paid_cents, paid)


def test_co_borrower_replaced_on_the_laptop_changed_at_the_office_keep_office(
    broker, login_as, office_location, laptops
):
    """The laptop replaced the co-borrower, the office changed the one it had: it is one
    person (same rank), compared field by field, whichever side is kept."""
    from app.dossier.household import BorrowerData

    key = _with_co_borrower(broker)
    others = [k for k in own_dossiers(broker, 40) if k > key][:1]  # a higher borrower id
    out = broker.carries.check_out([key, *others], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.household.remove_co_borrower(key, laptop.household.get(key).version)
    laptop.household.save_borrower(
        key,
        laptop.household.get(key).version,
        2,
        BorrowerData("Martin", "Zoé", phone="06 11 11 11 11"),
    )
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    set_phone(manager, key, "01 22 22 22 22", rank=2)

    plan = laptop.carries.plan_return(office_location)
    laptop.carries.bring_back(office_location, {c.key: OFFICE for c in plan.conflicts})


def test_deactivating_a_step_does_not_change_a_carried_dossier(
    broker, login_as, office_location, laptops
):
    """Read-only at the office for everyone: Paramètres › étapes does not move a dossier
    that is out on a laptop."""
    (key,) = own_dossiers(broker, 1)
    broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.dossiers.move_step(key, laptop.dossiers.get(key).version, 1)
    admin = login_as("admin")
    with admin.database.read() as session:
        step_id = session.get(Dossier, key).step_id
    steps = admin.settings.steps()
    target = next(s.id for s in steps if s.id != step_id)
    with pytest.raises(PermissionDenied):
        admin.settings.deactivate_step(step_id, target)


def test_no_conflict_without_a_forced_return(broker, login_as, office_location, laptops):
    (key,) = own_dossiers(broker, 1)
    broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.dossiers.move_step(key, laptop.dossiers.get(key).version, 1)
    admin = login_as("admin")
    with admin.database.read() as session:
        step_id = session.get(Dossier, key).step_id
    with laptop.database.read() as session:
        moved_to = session.get(Dossier, key).step_id
    target = next(s.id for s in admin.settings.steps() if s.id not in (step_id, moved_to))
    try:
        admin.settings.deactivate_step(step_id, target)
    except PermissionDenied:
        return
    plan = laptop.carries.plan_return(office_location)
    assert not plan.forced_back
    assert plan.conflicts == (), [(c.what, c.office, c.laptop) for c in plan.conflicts]


def test_a_document_deleted_on_the_laptop_leaves_no_bytes_at_the_office(
    broker, office_location, laptops, tmp_path
):
    from models.dossier import DocumentContent

    (key,) = own_dossiers(broker, 1)
    scan = tmp_path / "piece.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    broker.documents.attach(key, broker.dossiers.get(key).version, [scan])
    with broker.database.read() as session:
        document = session.scalars(
            select(Document).where(Document.dossier_id == key, Document.filename == "piece.pdf")
        ).one()
        doc_id, content_hash = document.id, document.content_hash
    broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.documents.delete(key, laptop.dossiers.get(key).version, [doc_id])
    laptop.carries.bring_back(office_location, {})
    with broker.database.read() as session:
        assert session.get(Document, doc_id) is None
        left = session.scalar(
            select(func.count()).where(DocumentContent.content_hash == content_hash)
        )
    assert left == 0  # as a deletion at the office would (discard_orphan_files)


def test_a_prefix_stays_with_a_laptop_forced_back_until_it_returns(
    broker, login_as, office_location, laptops
):
    """Forced back, laptop A still holds «P1-…» numbers it will bring back: another
    departure may not take «P1» meanwhile."""
    a, b = own_dossiers(broker, 2)
    out = broker.carries.check_out([a], PASSWORD, "P1")
    login_as("pmoreau").carries.force_back(out.carry.id)
    laptops(office_location).carries.bring_back(office_location, {})  # P1 free again
    out = broker.carries.check_out([b], PASSWORD, "P1")
    login_as("pmoreau").carries.force_back(out.carry.id)
    shutil.rmtree(carry_paths(office_location).folder)  # that laptop is another computer

    with pytest.raises(DomainError, match="pas encore rapportés") as refused:
        broker.carries.check_out([a], PASSWORD, "P1")
    assert refused.value.field == "prefix"
    broker.carries.check_out([a], PASSWORD, "P2")


def test_a_comment_replaced_on_the_laptop_is_not_lost(broker, office_location, laptops, login_as):
    """SQLite gives the highest id again once its row is deleted: a comment deleted on the
    laptop and a new one written is a new comment, not an edit of the old one."""
    (key,) = own_dossiers(broker, 1)
    broker.comments.add(key, DossierTab.GENERAL, "Premier commentaire")
    old = broker.comments.add(key, DossierTab.GENERAL, "Ancien commentaire")
    out = broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.comments.delete(old.id)
    # Written at least a second later, as by anyone: time stamps are to the second, and a
    # row made in the same second under the same id is not told from the old one (a
    # fast machine ran the whole test within one second).
    while clock.now() == old.created_at:
        time.sleep(0.05)
    new = laptop.comments.add(key, DossierTab.GENERAL, "Nouveau, hors du bureau")
    assert new.id == old.id  # SQLite gave the freed id again
    login_as("pmoreau").carries.force_back(out.carry.id)
    broker.comments.update(old.id, "Ancien commentaire, complété au bureau", True)

    plan = laptop.carries.plan_return(office_location)
    laptop.carries.bring_back(office_location, {c.key: OFFICE for c in plan.conflicts})
    with broker.database.read() as session:
        bodies = set(session.scalars(select(Comment.body).where(Comment.dossier_id == key)))
    assert "Nouveau, hors du bureau" in bodies


def test_an_invoice_issued_offline_outlives_its_dossier_deleted_at_the_office(
    login_as, office_location, laptops
):
    """An issued invoice outlives its dossier (kept ten years): made offline on a dossier
    the office then deleted, it comes back without its dossier, its number kept."""
    from app.dossier.dossier_service import DossierDate
    from app.invoicing.invoices import InvoiceData
    from models.enums import InvoiceKind
    from models.office import Invoice
    from tests.helpers import new_dossier

    admin = login_as("admin")
    detail = new_dossier(admin, last_name="Durand", first_name="Paul")
    out = admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    laptop.machine.set_machine_prefix("P9")
    day = laptop.dossiers.get(detail.id)
    day = laptop.dossiers.set_date(detail.id, day.version, DossierDate.OFFER_SIGNED, TODAY)
    laptop.dossiers.set_date(detail.id, day.version, DossierDate.FUNDS_RELEASED, TODAY)
    draft = laptop.invoices.create_draft(
        detail.id,
        InvoiceData(
            InvoiceKind.FEES,
            "Paul Durand",
            "3 rue Vauban 33000 Bordeaux",
            description="Honoraires",
            amount_cents=1_200_00,
        ),
    )
    issued = laptop.invoices.issue(draft.changed_id)
    number = next(i.number for i in issued.invoices if i.id == draft.changed_id)
    admin.carries.force_back(out.carry.id)
    admin.dossiers.delete(detail.id)

    plan = laptop.carries.plan_return(office_location)
    laptop.carries.bring_back(office_location, {c.key: OFFICE for c in plan.conflicts})
    with admin.database.read() as session:
        assert (
            session.scalars(select(Invoice).where(Invoice.number == number)).first() is not None
        ), number


def test_a_laptop_dossier_and_an_office_dossier_never_share_a_number(
    broker, office_location, laptops, first_provenance
):
    ids = own_dossiers(broker, 1)
    broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    offline = laptop.dossiers.create(
        NewDossier(DossierStatus.PROSPECT, "HORSBUREAU", "Léo", laptop.user.id, first_provenance)
    )
    at_office = broker.dossiers.create(
        NewDossier(DossierStatus.PROSPECT, "BUREAU", "Zoé", broker.user.id, first_provenance)
    )
    assert offline.number != at_office.number, offline.number
    laptop.carries.bring_back(office_location, {})  # IntegrityError: duplicate number


def test_the_laptop_comes_back_after_the_office_made_a_dossier(
    broker, office_location, laptops, first_provenance
):
    ids = own_dossiers(broker, 1)
    broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.dossiers.create(
        NewDossier(DossierStatus.PROSPECT, "HORSBUREAU", "Léo", laptop.user.id, first_provenance)
    )
    broker.dossiers.create(
        NewDossier(DossierStatus.PROSPECT, "BUREAU", "Zoé", broker.user.id, first_provenance)
    )
    laptop.carries.bring_back(office_location, {})


def test_erasing_a_person_erases_the_conflict_values_kept_about_them(
    broker, login_as, office_location, laptops
):
    """Erasing a person also erases the values a laptop's return kept about them."""
    key = next(k for k in own_dossiers(broker, 40) if len(broker.household.get(k).borrowers) == 2)
    out = broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    set_phone(laptop, key, "06 44 44 44 44", rank=2)
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    set_phone(manager, key, "01 55 55 55 55", rank=2)
    (conflict,) = laptop.carries.plan_return(office_location).conflicts
    laptop.carries.bring_back(office_location, {conflict.key: LAPTOP})

    admin = login_as("admin")
    co = next(p for p in admin.privacy.people(key) if p.rank == 2)
    admin.privacy.erase_person(key, co.borrower_id)
    with admin.database.read() as session:
        kept = session.execute(
            select(CarryConflict.office_value, CarryConflict.laptop_value).where(
                CarryConflict.dossier_id == key
            )
        ).all()
    assert not any("44 44" in v or "55 55" in v for row in kept for v in row), kept


def test_an_abandoned_dossier_does_not_leave(login_as, broker, office_location):
    """An abandoned dossier does not leave (only dossiers in progress do)."""
    with broker.database.read() as session:
        key = session.scalar(
            select(Dossier.id).where(
                Dossier.owner_id == broker.user.id, Dossier.status == DossierStatus.ABANDONED
            )
        )
    assert key is not None
    with pytest.raises((DomainError, PermissionDenied)):
        broker.carries.check_out([key], PASSWORD, "P1")


def test_new_lines_of_a_simulation_deleted_at_the_office_do_not_block_the_return(
    broker, login_as, office_location, laptops
):
    """A plan saved again as it was on the laptop, deleted at the office: nothing to
    settle, it stays deleted, and the return goes through."""
    dossier_id, simulation_id = _with_simulation(broker)
    out = broker.carries.check_out([dossier_id], PASSWORD, "P1")
    laptop = laptops(office_location)
    stored = laptop.simulations.get(simulation_id)
    laptop.simulations.save(simulation_id, laptop.dossiers.get(dossier_id).version, stored.plan)
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    manager.simulations.delete(simulation_id, manager.dossiers.get(dossier_id).version)

    plan = laptop.carries.plan_return(office_location)
    assert plan.conflicts == ()  # nothing to choose: the broker cannot avoid it
    choices = {conflict.key: OFFICE for conflict in plan.conflicts}
    laptop.carries.bring_back(office_location, choices)  # must not fail
    with manager.database.read() as session:
        assert session.get(Simulation, simulation_id) is None


def test_a_plan_saved_on_both_sides_keeps_one_set_of_lines(
    broker, login_as, office_location, laptops
):
    """A plan saved on both sides comes back whole, never its lines mixed or doubled."""
    dossier_id, simulation_id = _with_simulation(broker)
    with broker.database.read() as session:
        before = session.scalar(
            select(func.count()).where(SimulationLine.simulation_id == simulation_id)
        )
    out = broker.carries.check_out([dossier_id], PASSWORD, "P1")
    laptop = laptops(office_location)
    stored = laptop.simulations.get(simulation_id)
    laptop.simulations.save(simulation_id, laptop.dossiers.get(dossier_id).version, stored.plan)
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    stored = manager.simulations.get(simulation_id)
    manager.simulations.save(simulation_id, manager.dossiers.get(dossier_id).version, stored.plan)

    plan = laptop.carries.plan_return(office_location)
    laptop.carries.bring_back(office_location, {c.key: LAPTOP for c in plan.conflicts})
    with broker.database.read() as session:
        after = session.scalar(
            select(func.count()).where(SimulationLine.simulation_id == simulation_id)
        )
    assert (plan.conflicts, after) == ((), before), (len(plan.conflicts), before, after)
