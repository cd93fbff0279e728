"""Laptops that take dossiers away and bring them back (issue 11): «Emporter des dossiers»
marks them read-only on the server and copies them, whole, into an encrypted file of the
laptop; «Rapporter» applies the laptop's changes in one transaction, and what changed on
both sides (after a manager forced them back) is settled field by field, nothing lost."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from sqlalchemy import func, select

from app.carry.carry_service import LAPTOP, OFFICE
from app.dossier.dossier_service import NewDossier
from app.errors import Cancelled, DomainError, PermissionDenied
from app.paths import carry_paths
from models.audit import AuditEvent
from models.carry import CarriedDossier, Carry, CarryConflict
from models.dossier import Borrower, Comment, Document, Dossier
from models.enums import AuditAction, DocumentFolder, DossierStatus, DossierTab, Right
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


def test_dossiers_leave_read_only_and_the_laptop_holds_them_encrypted(
    broker, login_as, office_location, laptops
):
    ids = own_dossiers(broker, 3)
    steps: list[tuple[int, int]] = []

    out = broker.carries.check_out(
        ids, PASSWORD, "p1", lambda done, total: steps.append((done, total)) or True
    )

    assert out.carry.dossier_count == 3 and out.carry.prefix == "P1"
    assert steps[-1][0] == steps[-1][1]
    # At the office: read-only for everyone, the broker and the administrator included.
    admin = login_as("admin")
    detail = admin.dossiers.get(ids[0])
    assert "emporté par" in detail.carried and detail.is_read_only
    with pytest.raises(PermissionDenied, match="emporté par"):
        admin.dossiers.save_note(ids[0], detail.version, "<p>Au bureau</p>")
    with pytest.raises(PermissionDenied, match="lecture seule"):
        broker.comments.add(ids[1], DossierTab.GENERAL, "Au bureau")
    assert [carry.id for carry in admin.carries.carries()] == [out.carry.id]
    # The laptop's file: encrypted, its three dossiers, the broker alone can log in there.
    assert out.file == carry_paths(office_location).database
    assert out.file.read_bytes()[:16] != b"SQLite format 3\x00"
    laptop = laptops(office_location)
    with laptop.database.read() as session:
        assert sorted(session.scalars(select(Dossier.id))) == ids
    assert laptop.carries.laptop_carry().id == out.carry.id
    assert not laptop.user.can(Right.MANAGE_SETTINGS)
    assert not laptop.user.can(Right.DELETE_DOSSIER)
    with pytest.raises(DomainError):
        laptops(office_location, "admin")
    # A second departure from this computer waits for the first to come back.
    with pytest.raises(DomainError, match="déjà emportés"):
        broker.carries.check_out(own_dossiers(broker, 4)[3:], PASSWORD, "P1")


def test_the_laptop_work_comes_back_whole_and_the_dossiers_are_free_again(
    broker, login_as, office_location, laptops, first_provenance, tmp_path
):
    ids = own_dossiers(broker, 3)
    broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    # Offline: a note, a phone, a comment, a document, a new dossier.
    note = laptop.dossiers.get(ids[0])
    laptop.dossiers.save_note(ids[0], note.version, "<p>Vu le client chez lui</p>")
    set_phone(laptop, ids[1], "06 11 22 33 44")
    laptop.comments.add(ids[2], DossierTab.GENERAL, "Rappeler la banque lundi")
    scan = tmp_path / "avis.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + os.urandom(3000))
    version = laptop.dossiers.get(ids[2]).version
    laptop.documents.attach(ids[2], version, [scan], DocumentFolder.SUPPORTING)
    created = laptop.dossiers.create(
        NewDossier(DossierStatus.PROSPECT, "HORSBUREAU", "Léo", laptop.user.id, first_provenance)
    )
    assert created.number.startswith("P1-")
    plan = laptop.carries.plan_return(office_location)
    assert plan.conflicts == () and not plan.blocked and not plan.forced_back
    assert plan.new_dossiers == 1 and plan.changed_dossiers == 3

    returned = laptop.carries.bring_back(office_location, {})

    assert returned.dossiers == 3 and returned.new_dossiers == 1 and returned.conflicts == 0
    admin = login_as("admin")
    assert "Vu le client" in admin.dossiers.get(ids[0]).internal_note
    assert phone_on(admin, ids[1]) == "06 11 22 33 44"
    with admin.database.read() as session:
        assert (
            session.scalar(
                select(func.count()).where(
                    Comment.dossier_id == ids[2], Comment.body.contains("banque lundi")
                )
            )
            == 1
        )
        new = session.scalars(select(Dossier).where(Dossier.number == created.number)).one()
        assert new.holder_name == "HORSBUREAU Léo" and new.id not in ids
        document = session.scalars(
            select(Document).where(Document.dossier_id == ids[2], Document.filename == "avis.pdf")
        ).one()
        assert session.scalar(select(func.count()).select_from(CarriedDossier)) == 0
        carry = session.scalars(select(Carry)).one()
        assert carry.ended_how == "returned"
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {AuditAction.DOSSIERS_CARRIED, AuditAction.DOSSIERS_RETURNED} <= actions
    assert AuditAction.DOSSIER_CREATED in actions  # the laptop's log, appended
    content, _name = admin.documents.content(document.id)
    assert bytes(content) == scan.read_bytes()
    # The dossiers are free again; the laptop's file is kept aside, read-only.
    detail = broker.dossiers.get(ids[0])
    assert detail.carried == "" and not detail.is_read_only
    broker.dossiers.save_note(ids[0], detail.version, "<p>De retour</p>")
    assert not carry_paths(office_location).database.exists()
    assert returned.kept_file is not None
    assert not os.stat(returned.kept_file).st_mode & stat.S_IWUSR
    # Nothing comes back twice.
    with pytest.raises(DomainError):
        laptop.carries.plan_return(office_location)


def test_forced_back_then_changed_on_both_sides_is_settled_field_by_field(
    broker, login_as, office_location, laptops
):
    ids = own_dossiers(broker, 2)
    out = broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    set_phone(laptop, ids[0], "06 00 00 00 01", city="Laptopville")
    # The manager takes them back; at the office someone changes the same phone and the
    # note (not changed on the laptop).
    manager = login_as("pmoreau")
    with pytest.raises(PermissionDenied):
        broker.carries.force_back(out.carry.id)
    manager.carries.force_back(out.carry.id)
    assert manager.carries.carries() == []
    set_phone(manager, ids[0], "01 99 99 99 99")
    detail = manager.dossiers.get(ids[0])
    manager.dossiers.save_note(ids[0], detail.version, "<p>Note du bureau</p>")

    plan = laptop.carries.plan_return(office_location)

    assert plan.forced_back
    assert [conflict.what for conflict in plan.conflicts] == [
        plan.conflicts[0].what
    ] and "Téléphone" in plan.conflicts[0].what
    (conflict,) = plan.conflicts
    assert conflict.office == "01 99 99 99 99" and conflict.laptop == "06 00 00 00 01"
    assert conflict.dossier_number
    # Unsettled: nothing is written.
    with pytest.raises(DomainError, match="trancher"):
        laptop.carries.bring_back(office_location, {})
    assert phone_on(manager, ids[0]) == "01 99 99 99 99"

    laptop.carries.bring_back(office_location, {conflict.key: LAPTOP})

    # The laptop's phone and city, the office's note: nothing lost.
    assert phone_on(manager, ids[0]) == "06 00 00 00 01"
    assert "Note du bureau" in manager.dossiers.get(ids[0]).internal_note
    with manager.database.read() as session:
        kept = session.scalars(select(CarryConflict)).one()
        assert (kept.office_value, kept.laptop_value, kept.kept) == (
            "01 99 99 99 99",
            "06 00 00 00 01",
            LAPTOP,
        )
        city = session.scalars(
            select(Borrower.city).where(Borrower.dossier_id == ids[0], Borrower.rank == 1)
        ).one()
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.CARRY_CONFLICT)
        ).one()
    assert city == "Laptopville"
    assert "01 99" not in event.details and "portable" in event.details
    # The dossier itself says what was chosen and what the other side had.
    (said,) = [
        comment for comment in manager.comments.list(ids[0]) if "Retour du portable" in comment.body
    ]
    assert "Téléphone" in said.body and "06 00 00 00 01" in said.body
    assert "01 99 99 99 99" in said.body


def test_the_office_version_may_be_kept(broker, login_as, office_location, laptops):
    ids = own_dossiers(broker, 1)
    out = broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    set_phone(laptop, ids[0], "06 00 00 00 02")
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    set_phone(manager, ids[0], "01 00 00 00 02")
    (conflict,) = laptop.carries.plan_return(office_location).conflicts
    laptop.carries.bring_back(office_location, {conflict.key: OFFICE})
    assert phone_on(manager, ids[0]) == "01 00 00 00 02"


def test_a_cancelled_or_refused_departure_leaves_the_dossiers_free(broker, office_location):
    ids = own_dossiers(broker, 2)
    with pytest.raises(DomainError, match="Mot de passe"):
        broker.carries.check_out(ids, "pas le bon", "P1")
    with pytest.raises(DomainError, match="préfixe"):
        broker.carries.check_out(ids, PASSWORD, "")
    with pytest.raises(Cancelled):
        broker.carries.check_out(ids, PASSWORD, "P1", lambda done, total: done == 0)
    assert not carry_paths(office_location).database.exists()
    assert not carry_paths(office_location).folder.exists()
    detail = broker.dossiers.get(ids[0])
    assert detail.carried == ""
    broker.dossiers.save_note(ids[0], detail.version, "<p>Libre</p>")
    with broker.database.read() as session:
        assert session.scalars(select(Carry.ended_how)).all() == ["cancelled"]


def test_someone_elses_dossier_needs_the_right_to_change_it(login_as):
    assistant = login_as("kbenali")
    other = own_dossiers(login_as("slegrand"), 1)
    with pytest.raises((PermissionDenied, DomainError)):
        assistant.carries.check_out(other, PASSWORD, "P2")


def test_the_commands_take_dossiers_out_and_bring_them_back(
    broker, login_as, office_location, laptops, monkeypatch, capsys
):
    import main

    monkeypatch.setenv("DOSSIA_PASSWORD", PASSWORD)
    from urllib.parse import urlsplit

    server_password = urlsplit(office_location.url).password
    if server_password:  # the laptop's file keeps the address without it
        monkeypatch.setenv("DOSSIA_DB_PASSWORD", server_password)
    numbers = [broker.dossiers.get(key).number for key in own_dossiers(broker, 2)]
    address = office_location.address

    assert (
        main.main(
            [
                "carry-out",
                "--db",
                address,
                "--user",
                "slegrand",
                "--prefix",
                "p7",
                "--numbers",
                *numbers,
            ]
        )
        == 0
    )
    assert "2 dossier(s) emporté(s)" in capsys.readouterr().out
    # This computer's own prefix is left alone; the next departure proposes the last one.
    assert broker.machine.machine_prefix() == ""
    assert broker.carries.suggested_prefix() == "P7"
    ids = own_dossiers(broker, 2)
    laptop = laptops(office_location)
    set_phone(laptop, ids[0], "06 70 70 70 70")
    manager = login_as("pmoreau")
    (carry,) = manager.carries.carries()
    assert (
        main.main(["carries", "--db", address, "--user", "pmoreau", "--force-back", str(carry.id)])
        == 0
    )
    set_phone(manager, ids[0], "01 70 70 70 70")
    laptop.close()
    laptop_file = str(carry_paths(office_location).database)

    # A conflict and no choice: listed, nothing written.
    assert main.main(["carry-in", "--db", laptop_file, "--user", "slegrand"]) == 3
    output = capsys.readouterr()
    assert "Conflit" in output.out and "01 70 70 70 70" in output.out and "--keep" in output.err
    assert phone_on(manager, ids[0]) == "01 70 70 70 70"

    assert (
        main.main(["carry-in", "--db", laptop_file, "--user", "slegrand", "--keep", "portable"])
        == 0
    )
    assert "1 conflit(s) tranché(s)" in capsys.readouterr().out
    assert phone_on(manager, ids[0]) == "06 70 70 70 70"


def test_plans_and_invoices_made_offline_come_back_with_the_laptop_numbers(
    login_as, office_location, laptops
):
    from app.dossier.dossier_service import DossierDate
    from app.invoicing.invoices import InvoiceData
    from models.dossier import Counter, Simulation, SimulationLine
    from models.enums import InvoiceKind
    from models.office import Invoice
    from tests.helpers import new_dossier

    admin = login_as("admin")
    detail = new_dossier(admin, last_name="Durand", first_name="Paul")
    admin.carries.check_out([detail.id], PASSWORD, "P9")
    laptop = laptops(office_location, "admin")
    # Offline: a project, a financing plan (its lines), the funds released, an invoice.
    from app.dossier.situation import ProjectData

    situation = laptop.situation.get(detail.id)
    laptop.situation.save_project(detail.id, situation.version, ProjectData(price_cents=250_000_00))
    info = laptop.simulations.create(detail.id, laptop.dossiers.get(detail.id).version)
    day = laptop.dossiers.get(detail.id)
    day = laptop.dossiers.set_date(detail.id, day.version, DossierDate.OFFER_SIGNED, TODAY)
    laptop.dossiers.set_date(detail.id, day.version, DossierDate.FUNDS_RELEASED, TODAY)
    data = InvoiceData(
        InvoiceKind.FEES,
        "Paul Durand",
        "3 rue Vauban 33000 Bordeaux",
        description="Honoraires",
        amount_cents=1_200_00,
    )
    draft = laptop.invoices.create_draft(detail.id, data)
    issued = laptop.invoices.issue(draft.changed_id)
    number = next(i.number for i in issued.invoices if i.id == draft.changed_id)
    assert number == f"F-P9-{TODAY.year}-0001"

    laptop.carries.bring_back(office_location, {})

    with admin.database.read() as session:
        simulation = session.scalars(
            select(Simulation).where(Simulation.dossier_id == detail.id)
        ).one()
        assert simulation.name == info.simulations[0].name
        assert (
            session.scalar(
                select(func.count()).where(SimulationLine.simulation_id == simulation.id)
            )
            >= 1
        )
        invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
        assert invoice.dossier_id == detail.id and invoice.total_cents > 0
        assert session.get(Counter, f"facture:F-P9-{TODAY.year}").value == 1
    # The office's own series goes on untouched; the laptop's continues next time.
    assert admin.dossiers.get(detail.id).funds_released_on == TODAY


def test_a_dossier_deleted_at_the_office_meanwhile_may_be_kept(
    broker, login_as, office_location, laptops
):
    ids = own_dossiers(broker, 2)
    out = broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    set_phone(laptop, ids[0], "06 12 12 12 12")
    laptop.comments.add(ids[0], DossierTab.GENERAL, "Écrit hors du bureau")
    admin = login_as("admin")
    admin.carries.force_back(out.carry.id)
    admin.dossiers.delete(ids[0])
    admin.dossiers.delete(ids[1])  # not changed on the laptop: stays deleted, no question

    (conflict,) = laptop.carries.plan_return(office_location).conflicts
    assert conflict.office == "(supprimé)" and conflict.dossier_number

    laptop.carries.bring_back(office_location, {conflict.key: LAPTOP})

    with admin.database.read() as session:
        assert sorted(session.scalars(select(Dossier.id).where(Dossier.id.in_(ids)))) == [ids[0]]
        assert (
            session.scalar(
                select(func.count()).where(
                    Comment.dossier_id == ids[0], Comment.body.contains("hors du bureau")
                )
            )
            == 1
        )
    assert phone_on(admin, ids[0]) == "06 12 12 12 12"


def test_a_co_borrower_added_on_both_sides_is_one_person_compared_field_by_field(
    broker, login_as, office_location, laptops
):
    from app.dossier.household import BorrowerData

    (key,) = [
        key for key in own_dossiers(broker, 20) if len(broker.household.get(key).borrowers) == 1
    ][:1]
    out = broker.carries.check_out([key], PASSWORD, "P1")
    laptop = laptops(office_location)
    version = laptop.household.get(key).version
    laptop.household.save_borrower(
        key, version, 2, BorrowerData("Martin", "Zoé", phone="06 11 11 11 11")
    )
    manager = login_as("pmoreau")
    manager.carries.force_back(out.carry.id)
    version = manager.household.get(key).version
    manager.household.save_borrower(
        key, version, 2, BorrowerData("Martin", "Zoé", phone="01 22 22 22 22")
    )

    (conflict,) = laptop.carries.plan_return(office_location).conflicts
    assert "Co-emprunteur" in conflict.what and "Téléphone" in conflict.what

    laptop.carries.bring_back(office_location, {conflict.key: LAPTOP})

    with manager.database.read() as session:
        phones = session.execute(
            select(Borrower.rank, Borrower.phone).where(Borrower.dossier_id == key)
        ).all()
    assert sorted(phones)[1] == (2, "06 11 11 11 11")


def test_a_return_interrupted_after_its_commit_is_not_applied_twice(
    broker, office_location, laptops, monkeypatch
):
    from app.carry import carry_service

    ids = own_dossiers(broker, 1)
    broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.comments.add(ids[0], DossierTab.GENERAL, "Une seule fois")
    # Dossia stops right after the commit, before the laptop's file is set aside.
    with monkeypatch.context() as patched:
        patched.setattr(carry_service, "set_aside", lambda paths: None)
        laptop.carries.bring_back(office_location, {})
    assert carry_paths(office_location).database.exists()

    with pytest.raises(DomainError, match="déjà été rapportés"):
        laptop.carries.bring_back(office_location, {})

    with broker.database.read() as session:
        assert session.scalar(select(func.count()).where(Comment.body == "Une seule fois")) == 1
    assert not carry_paths(office_location).folder.exists()  # set aside, kept read-only


def test_annuler_during_the_return_writes_nothing_and_it_can_be_done_again(
    broker, office_location, laptops, tmp_path
):
    ids = own_dossiers(broker, 1)
    broker.carries.check_out(ids, PASSWORD, "P1")
    laptop = laptops(office_location)
    laptop.comments.add(ids[0], DossierTab.GENERAL, "Pas encore")
    scan = tmp_path / "nouveau.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    laptop.documents.attach(ids[0], laptop.dossiers.get(ids[0]).version, [scan])

    for stop_at in (0, 600):  # while the documents travel, then while the rows are written
        with pytest.raises(Cancelled):
            laptop.carries.bring_back(
                office_location, {}, lambda done, total, stop_at=stop_at: done < stop_at
            )
        with broker.database.read() as session:
            assert session.scalar(select(func.count()).where(Comment.body == "Pas encore")) == 0
            assert session.scalar(select(func.count()).select_from(CarriedDossier)) == 1
    assert carry_paths(office_location).database.exists()

    laptop.carries.bring_back(office_location, {})
    with broker.database.read() as session:
        assert session.scalar(select(func.count()).where(Comment.body == "Pas encore")) == 1
