"""Hostile review of issue 11 (carries): each test should PASS once the defect is fixed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import stat

import pytest
from sqlalchemy import func, select

from app.carry.carry_service import LAPTOP, OFFICE
from app.dossier.dossier_service import NewDossier
from app.errors import Cancelled, DomainError, PermissionDenied
from app.paths import DataPaths, carry_paths
from app.workspace import OfficeDatabase
from models.audit import AuditEvent
from models.carry import CarriedDossier, Carry, CarryConflict
from models.dossier import Borrower, Comment, Document, Dossier, Simulation, SimulationLine
from models.enums import AuditAction, DocumentFolder, DossierStatus, DossierTab, Right
from tests import postgres_server
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("server")

TODAY = dt.date.today()


@pytest.fixture
def server():
    postgres_server.server_url()


@pytest.fixture
def engine() -> str:
    return "postgresql"


@pytest.fixture
def broker(login_as):
    return login_as("slegrand")


@pytest.fixture
def laptops():
    opened: list[OfficeDatabase] = []

    def open_laptop(location, login="slegrand", password=PASSWORD, paths=None):
        office = OfficeDatabase(paths or carry_paths(location))
        opened.append(office)
        return office.workspace_for(office.authenticate(login, password))

    yield open_laptop
    for office in opened:
        office.close()


def _own_dossiers(workspace, count: int) -> list[int]:
    with workspace.database.read() as session:
        return list(
            session.scalars(
                select(Dossier.id)
                .where(
                    Dossier.owner_id == workspace.user.id,
                    Dossier.status != DossierStatus.ABANDONED,
                )
                .order_by(Dossier.id)
                .limit(count)
            )
        )


def _phone_on(workspace, dossier_id: int, rank: int = 1) -> str:
    with workspace.database.read() as session:
        return session.scalars(
            select(Borrower.phone).where(Borrower.dossier_id == dossier_id, Borrower.rank == rank)
        ).one()


def _set_phone(workspace, dossier_id: int, phone: str, rank: int = 1) -> None:
    household = workspace.household.get(dossier_id)
    person = household.borrowers[rank - 1]
    changed = dataclasses.replace(person, phone=phone)
    workspace.household.save_borrower(dossier_id, household.version, rank, changed)


def _with_co_borrower(workspace) -> int:
    for key in _own_dossiers(workspace, 40):
        if len(workspace.household.get(key).borrowers) == 2:
            return key
    raise AssertionError("no dossier with a co-borrower")


def test_03_a_dossier_deleted_at_the_office_with_an_invoice_can_be_kept(
    login_as, office_location, laptops
):
    """Its invoices outlive it (ON DELETE SET NULL): putting the dossier back re-inserts the
    invoice rows with their ids, which still exist."""
    from app.invoicing.invoices import InvoiceData
    from models.enums import InvoiceKind
    from tests.helpers import new_dossier

    admin = login_as("admin")
    detail = new_dossier(admin, last_name="Durand", first_name="Paul")
    admin.invoices.create_draft(
        detail.id,
        InvoiceData(InvoiceKind.FEES, "Paul Durand", "3 rue Vauban 33000 Bordeaux",
                    description="Honoraires", amount_cents=1_200_00),
    )
    out = admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    laptop.dossiers.save_note(detail.id, laptop.dossiers.get(detail.id).version, "<p>Hors</p>")
    admin.carries.force_back(out.carry.id)
    admin.dossiers.delete(detail.id)

    (conflict,) = laptop.carries.plan_return(office_location).conflicts
    laptop.carries.bring_back(office_location, {conflict.key: LAPTOP})
    assert "Hors" in admin.dossiers.get(detail.id).internal_note


def test_04_invoice_balances_match_the_payments_after_a_return(login_as, office_location, laptops):
    """Paid on the laptop and at the office (after a forced return): both payments come back,
    but the invoice's kept balance `paid_cents` is a plain field in conflict — whichever side
    is chosen, it no longer equals the sum of its payments."""
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
        InvoiceData(InvoiceKind.FEES, "Paul Durand", "3 rue Vauban 33000 Bordeaux",
                    description="Honoraires", amount_cents=1_000_00),
    )
    admin.invoices.issue(draft.changed_id)
    invoice_id = draft.changed_id
    out = admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    laptop.invoices.pay(invoice_id, PaymentData(TODAY, 300_00, PaymentMeans.TRANSFER))
    admin.carries.force_back(out.carry.id)
    admin.invoices.pay(invoice_id, PaymentData(TODAY, 500_00, PaymentMeans.CHECK))

    plan = laptop.carries.plan_return(office_location)
    print([c.what for c in plan.conflicts])
    laptop.carries.bring_back(office_location, {c.key: LAPTOP for c in plan.conflicts})
    with admin.database.read() as session:
        invoice = session.get(Invoice, invoice_id)
        paid = session.scalar(
            select(func.sum(Payment.amount_cents)).where(Payment.invoice_id == invoice_id)
        )
    assert invoice.paid_cents == paid, (invoice.paid_cents, paid)


def test_05_co_borrower_replaced_on_the_laptop_changed_at_the_office_keep_office(
    broker, login_as, office_location, laptops
):
    """The laptop removes the co-borrower and enters another one; at the office (forced back)
    the former co-borrower's phone changes. Keeping the office's version of the deleted row
    then inserts the laptop's new co-borrower with the same (dossier_id, rank)."""
    from app.dossier.household import BorrowerData

    key = _with_co_borrower(broker)
    others = [k for k in _own_dossiers(broker, 40) if k > key][:1]  # a higher borrower id
    out = broker.carries.check_out([key, *others], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.household.remove_co_borrower(key, laptop.household.get(key).version)
    laptop.household.save_borrower(
        key, laptop.household.get(key).version, 2, BorrowerData("Martin", "Zoé", phone="06 11")
    )
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    _set_phone(manager, key, "01 22 22 22 22", rank=2)

    plan = laptop.carries.plan_return(office_location)
    print([(c.key, c.what) for c in plan.conflicts])
    laptop.carries.bring_back(office_location, {c.key: OFFICE for c in plan.conflicts})


def test_06_deactivating_a_step_does_not_change_a_carried_dossier(
    broker, login_as, office_location, laptops
):
    """Read-only at the office «for everyone»: Paramètres › étapes moves a carried dossier
    to another step (and writes its history) all the same; the laptop moved it too: a
    conflict without anyone forcing the dossiers back."""
    (key,) = _own_dossiers(broker, 1)
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


def test_06b_no_conflict_without_a_forced_return(broker, login_as, office_location, laptops):
    (key,) = _own_dossiers(broker, 1)
    broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.dossiers.move_step(key, laptop.dossiers.get(key).version, 1)
    admin = login_as("admin")
    with admin.database.read() as session:
        step_id = session.get(Dossier, key).step_id
    target = next(s.id for s in admin.settings.steps() if s.id != step_id)
    try:
        admin.settings.deactivate_step(step_id, target)
    except PermissionDenied:
        return
    plan = laptop.carries.plan_return(office_location)
    assert not plan.forced_back
    assert plan.conflicts == (), [(c.what, c.office, c.laptop) for c in plan.conflicts]
