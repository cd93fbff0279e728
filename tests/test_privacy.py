"""The persons' rights: export a person's data, erase a person, purge old abandoned dossiers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re

import pytest
from sqlalchemy import delete, select, update

from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import ItemKind, LoanData
from app.errors import DomainError, NotFound, PermissionDenied
from app.privacy.privacy import (
    REDACTED,
    PersonKeys,
    due_for_purge,
    mention_patterns,
    redact,
    retention_cutoff,
)
from models.audit import AuditEvent
from models.dossier import Borrower, Comment, Dossier
from models.enums import AbandonReason, AuditAction, Contract, DossierTab, LoanKind, Right
from models.office import RoleRight
from tests.helpers import (
    audit_events,
    count_rows,
    new_dossier,
    stored_hashes,
    with_documents_and_simulations,
)

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def person(workspace, dossier_id: int, rank: int) -> int:
    """The borrower id of the person of that rank in the dossier."""
    return next(p.borrower_id for p in workspace.privacy.people(dossier_id) if p.rank == rank)


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages).replace("\u00a0", " ")


MARIE = BorrowerData(
    last_name="Quénéhervé",
    first_name="Éloïse",
    civility="Mme",
    birth_date=dt.date(1985, 3, 15),
    email="eloise.q@example.fr",
    phone="06 12 34 56 78",
    address="3 rue des Lilas",
    postal_code="29000",
    city="Quimper",
    net_monthly_income_cents=2_850_50,
)
PAUL = BorrowerData(last_name="Durand", first_name="Paul", birth_date=dt.date(1983, 1, 2))


def _couple(workspace, tmp_path=None):
    detail = new_dossier(workspace)
    info = workspace.household.save_borrower(detail.id, detail.version, 1, MARIE)
    info = workspace.household.save_borrower(detail.id, info.version, 2, PAUL)
    info = workspace.household.add_child(detail.id, info.version, ChildData("Lou"))
    workspace.situation.save_item(
        detail.id,
        info.version,
        ItemKind.LOAN,
        None,
        LoanData("Banque Populaire", LoanKind.CAR, 250_00),
    )
    workspace.comments.add(
        detail.id,
        DossierTab.GENERAL,
        "<p>Appelé Paul Durand au 06.12.34.56.78 ? non : c'est le numéro d'Éloïse "
        "Quénéhervé. Écrire à eloise.q@example.fr</p>",
        False,
    )
    if tmp_path is not None:
        with_documents_and_simulations(workspace, workspace.dossiers.get(detail.id), tmp_path)
    return workspace.dossiers.get(detail.id)


# --- pure rules --------------------------------------------------------------------------


def test_the_same_person_is_found_by_names_and_birth_date_or_by_email():
    marie = PersonKeys("Éloïse", "Quénéhervé", dt.date(1985, 3, 15), "e@x.fr")
    assert marie.same_person(PersonKeys("eloise", "QUENEHERVE", None))
    assert marie.same_person(PersonKeys("Eloïse", "Quénéhervé", dt.date(1985, 3, 15)))
    assert not marie.same_person(PersonKeys("Éloïse", "Quénéhervé", dt.date(1990, 1, 1)))
    assert not marie.same_person(PersonKeys("Anne", "Quénéhervé", dt.date(1985, 3, 15)))
    # An e-mail is not a person (couples share one); it only confirms a match of the names.
    assert not marie.same_person(PersonKeys("Elo", "Quenherve", None, "E@X.fr"))
    assert marie.surely_same(PersonKeys("ELOISE", "Quenehervé", None, "E@X.fr"))
    assert not marie.surely_same(PersonKeys("Eloise", "Quenehervé", None))


def test_mentions_are_the_full_name_either_way_the_email_and_the_phone_not_the_surname():
    patterns = mention_patterns(
        PersonKeys("Paul", "Durand", email="p@d.fr", phone="06 12 34 56 78")
    )
    text, count = redact(
        "Paul Durand, DURAND  Paul, p@d.fr, 0612345678, 06-12-34-56-78, Mme Durand, Paulette "
        "Durand",
        patterns,
    )
    assert count == 5
    assert text == (
        f"{REDACTED}, {REDACTED}, {REDACTED}, {REDACTED}, {REDACTED}, Mme Durand, Paulette Durand"
    )


def test_a_dossier_is_due_for_purge_after_the_retention_since_the_last_contact():
    today = dt.date(2026, 11, 30)
    assert retention_cutoff(dt.date(2028, 2, 29), 3) == dt.date(2025, 2, 28)
    old = dt.datetime(2023, 11, 30, 10)
    assert due_for_purge(dt.date(2023, 6, 1), old, today, 3)
    assert not due_for_purge(dt.date(2023, 12, 1), old, today, 3)  # abandoned later
    assert not due_for_purge(dt.date(2023, 6, 1), dt.datetime(2024, 1, 1), today, 3)


# --- export ------------------------------------------------------------------------------


def test_the_export_gives_everything_about_the_person_in_a_pdf_and_a_json(workspace, tmp_path):
    detail = _couple(workspace, tmp_path)
    # The same person years later (no birth date typed: a homonym to confirm), with a file.
    again = new_dossier(workspace, "QUENEHERVE", "Eloise")
    again = with_documents_and_simulations(workspace, again, tmp_path, "cni.pdf")
    new_dossier(workspace, "Quénéhervé", "Éloïse-Marie")  # someone else
    other = new_dossier(workspace, "Quénéhervé", "Éloïse")  # a homonym the manager leaves out
    target = tmp_path / "export"
    target.mkdir()
    eloise = person(workspace, detail.id, 1)

    found = workspace.privacy.matches(detail.id, eloise)
    assert {m.number for m in found} == {again.number, other.number}
    assert not any(m.sure for m in found)  # no birth date or e-mail to tell
    chosen = [m.borrower_id for m in found if m.number == again.number]
    done = workspace.privacy.export_person(detail.id, eloise, target, also=chosen)

    assert done.folder.parent == target
    assert done.dossier_numbers == (detail.number, again.number)
    assert done.documents == 1  # only where she is the only borrower
    data = json.loads(done.json.read_text(encoding="utf-8"))
    assert data["format"] == "dossia.donnees-personnelles"
    first, second = data["dossiers"]
    assert first["numero"] == detail.number and first["role"] == "Porteur de projet"
    assert first["identite"]["email"] == "eloise.q@example.fr"
    assert first["identite"]["date_de_naissance"] == "1985-03-15"
    assert first["situation_professionnelle"]["revenu_net_mensuel"] == "2850.50"
    assert first["enfants"] == [
        {"prenom": "Lou", "date_de_naissance": None, "a_charge": True, "garde_alternee": False}
    ]
    assert first["credits_en_cours"][0]["preteur"] == "Banque Populaire"
    comment = first["commentaires"][-1]["texte"]
    assert "eloise.q@example.fr" in comment
    # The co-borrower is named, his own data is not given, his mentions are masked.
    assert first["dossier"]["autre_emprunteur"] == "DURAND Paul"
    assert "Paul Durand" not in comment and "[autre emprunteur]" in comment
    assert "1983" not in done.json.read_text(encoding="utf-8")
    assert first["simulations"][0]["montant"] == "250000.00"
    assert first["documents"][0]["copie"] is None  # a shared dossier: not copied
    copied = done.folder / second["documents"][0]["copie"]
    assert copied.read_bytes().startswith(b"%PDF-1.4 avis d'imposition cni.pdf")
    assert done.pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(done.pdf)
    assert "Données personnelles de QUÉNÉHERVÉ Éloïse" in text
    assert "eloise.q@example.fr" in text and "2 850,50 €" in text
    assert "Banque Populaire" in text and "Page 1 / " in text
    assert "Non copié : dossier commun" in " ".join(text.split())
    events = [e for e in audit_events(workspace) if e.action is AuditAction.PERSON_EXPORTED]
    assert [e.dossier_number for e in events] == [detail.number, again.number]
    assert all("Quénéhervé" not in e.details and "Éloïse" not in e.details for e in events)


def test_a_shared_email_does_not_make_the_co_borrower_the_same_person(workspace, tmp_path):
    detail = _couple(workspace)
    info = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, info.version, 2, dataclasses.replace(PAUL, email=MARIE.email)
    )
    elsewhere = new_dossier(workspace, "Durand", "Paul")
    found = workspace.privacy.matches(detail.id, person(workspace, detail.id, 1))
    assert elsewhere.number not in {m.number for m in found}
    assert detail.number not in {m.number for m in found}


def test_a_dossier_number_cannot_lead_the_copies_out_of_the_export(workspace, tmp_path):
    detail = new_dossier(workspace)
    detail = with_documents_and_simulations(workspace, detail, tmp_path)
    detail = workspace.dossiers.renumber(detail.id, detail.version, "../../../escaped")
    target = tmp_path / "a" / "b"
    target.mkdir(parents=True)
    done = workspace.privacy.export_person(detail.id, person(workspace, detail.id, 1), target)
    copies = [p for p in (tmp_path / "a").rglob("*avis*") if p.is_file()]
    assert copies and all(p.is_relative_to(done.folder) for p in copies)
    assert not list(tmp_path.glob("escaped*")) and not list((tmp_path / "a").glob("escaped*"))


def test_the_export_of_a_hostile_text_stays_text(workspace, tmp_path):
    detail = new_dossier(workspace, '<img src="/etc/passwd"/>', "<b>x")
    done = workspace.privacy.export_person(detail.id, person(workspace, detail.id, 1), tmp_path)
    assert done.pdf.read_bytes().startswith(b"%PDF")
    assert "<img" in done.json.read_text(encoding="utf-8")


def test_the_export_needs_the_personal_data_right_and_writes_nothing_without(login_as, tmp_path):
    admin = login_as("admin")
    detail = new_dossier(admin)
    target = tmp_path / "out"
    target.mkdir()
    borrower = person(admin, detail.id, 1)
    for login in ("slegrand", "assistant"):
        with pytest.raises(PermissionDenied):
            login_as(login).privacy.export_person(detail.id, borrower, target)
    assert list(target.iterdir()) == []
    manager = login_as("pmoreau")
    assert manager.privacy.export_person(detail.id, borrower, target).pdf.exists()


def test_a_right_withdrawn_after_login_stops_the_export_before_any_file(login_as, tmp_path):
    admin, manager = login_as("admin"), login_as("pmoreau")
    detail = new_dossier(admin)
    with admin.database.write() as session:
        session.execute(delete(RoleRight).where(RoleRight.right == Right.PERSONAL_DATA))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(PermissionDenied):
        manager.privacy.export_person(detail.id, person(admin, detail.id, 1), target)
    assert list(target.iterdir()) == []


def test_a_cancelled_export_leaves_no_folder(workspace, tmp_path):
    from app.privacy.privacy_service import ExportCancelled

    detail = _couple(workspace)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ExportCancelled):
        workspace.privacy.export_person(
            detail.id, person(workspace, detail.id, 1), target, progress=lambda done, total: False
        )
    assert list(target.iterdir()) == []
    assert not [e for e in audit_events(workspace) if e.action is AuditAction.PERSON_EXPORTED]


# --- erasure -----------------------------------------------------------------------------


def test_erasing_the_co_borrower_removes_him_and_his_mentions(workspace):
    detail = _couple(workspace)
    erased = workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 2))
    assert erased.mentions == 1 and not erased.whole_dossier
    household = workspace.household.get(detail.id)
    assert [b.last_name for b in household.borrowers] == ["Quénéhervé"]
    with workspace.database.read() as session:
        bodies = [c.body for c in session.query(Comment).filter_by(dossier_id=detail.id)]
    assert not any("Paul Durand" in body for body in bodies)
    assert any(REDACTED in body for body in bodies)
    assert any("Éloïse Quénéhervé" in body for body in bodies)  # the other one stays
    event = audit_events(workspace, detail.id)[-1]
    assert event.action is AuditAction.PERSON_ERASED
    assert event.details == "Co-emprunteur ; 1 mention(s) effacée(s) ; 0 document(s) de la personne"


def test_erasing_the_porteur_makes_the_co_borrower_porteur_and_renames_the_list_row(
    workspace,
):
    detail = _couple(workspace)
    erased = workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 1))
    assert erased.mentions == 3  # her name, her phone, her e-mail
    after = workspace.dossiers.get(detail.id)
    assert after.holder_name == "DURAND Paul"
    household = workspace.household.get(detail.id)
    assert [(b.last_name) for b in household.borrowers] == ["Durand"]
    with workspace.database.read() as session:
        assert session.query(Borrower).filter_by(dossier_id=detail.id).one().rank == 1
        texts = " ".join(c.body for c in session.query(Comment).filter_by(dossier_id=detail.id))
    assert "eloise.q@example.fr" not in texts and "06.12.34.56.78" not in texts


def test_erasing_the_porteur_keeps_the_co_borrowers_automatic_comments(workspace):
    detail = new_dossier(workspace, "Aaa", "Eve")
    info = workspace.household.save_borrower(
        detail.id, detail.version, 1, BorrowerData("Aaa", "Eve", contract=Contract.CDD)
    )
    workspace.household.save_borrower(
        detail.id, info.version, 2, BorrowerData("Bbb", "Bob", contract=Contract.CDD)
    )
    automatic = [c for c in workspace.comments.list(detail.id) if c.automatic]
    eves = next(c for c in automatic if "Eve" in c.body)
    workspace.comments.delete(eves.id)  # hidden by the broker: stays hidden while it holds
    workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 1))
    shown = [c.body for c in workspace.comments.list(detail.id) if c.automatic]
    assert any("Bob" in body and "CDD" in body for body in shown)
    with workspace.database.read() as session:
        bodies = [c.body for c in session.query(Comment).filter_by(dossier_id=detail.id)]
    assert not any("Eve" in body for body in bodies)


def test_mentions_in_the_notepad_and_document_titles_go_too(workspace, tmp_path):
    detail = _couple(workspace, tmp_path)
    detail = workspace.dossiers.save_note(
        detail.id,
        detail.version,
        "<p>Vu <b>Paul</b> Durand et PAUL&nbsp;DÜRAND ; Paul reste joignable.</p>",
    )
    attached = workspace.documents.attach(detail.id, detail.version, [tmp_path / "avis.pdf"])
    workspace.documents.rename(
        detail.id, attached.version, attached.changed_ids[0], "Carte d'identité Paul Durand"
    )
    detail = workspace.dossiers.get(detail.id)
    erased = workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 2))
    with workspace.database.read() as session:
        dossier = session.get(Dossier, detail.id)
        note = dossier.internal_note
        titles = [d.title for d in dossier.documents]
    assert "Durand" not in note and "DÜRAND" not in note
    assert note.count(REDACTED) == 2 and "Paul reste joignable" in note  # a first name alone stays
    assert "<b>" not in note or "</b>" in note  # the markup stays well formed
    assert "Carte d'identité [personne effacée]" in titles
    assert erased.mentions >= 4


def test_an_erasure_does_not_restart_the_retention_clock(workspace):
    detail = _couple(workspace)
    detail = workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, detail.id, dt.date(2020, 1, 1), dt.datetime(2020, 1, 1))
    workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 2))
    assert detail.id in {c.dossier_id for c in workspace.privacy.purge_candidates()}


def test_an_abandoned_dossier_can_be_erased_from(workspace):
    detail = _couple(workspace)
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 2))
    assert len(workspace.household.get(detail.id).borrowers) == 1


def test_the_only_person_is_erased_with_the_whole_dossier(workspace, tmp_path):
    detail = new_dossier(workspace)
    detail = with_documents_and_simulations(workspace, detail, tmp_path)
    alone = person(workspace, detail.id, 1)
    with pytest.raises(DomainError, match="dossier entier"):
        workspace.privacy.erase_person(detail.id, alone)
    assert stored_hashes(workspace)
    erased = workspace.privacy.erase_dossier(detail.id)
    assert erased.whole_dossier and erased.number == detail.number
    assert count_rows(workspace, Dossier, id=detail.id) == 0
    assert not stored_hashes(workspace)
    with pytest.raises(NotFound):
        workspace.privacy.erase_person(detail.id, alone)
    assert audit_events(workspace, detail.id)[-1].details == "Dossier entier"


def test_erasure_needs_the_right(login_as):
    admin = login_as("admin")
    detail = _couple(admin)
    broker = login_as("slegrand")
    paul = person(admin, detail.id, 2)
    for command in (
        lambda: broker.privacy.erase_person(detail.id, paul),
        lambda: broker.privacy.erase_dossier(detail.id),
        lambda: broker.privacy.purge([detail.id]),
    ):
        with pytest.raises(PermissionDenied):
            command()
    assert len(admin.household.get(detail.id).borrowers) == 2


# --- purge -------------------------------------------------------------------------------


def _age(workspace, dossier_id, abandoned_on, updated_at):
    with workspace.database.write() as session:
        session.execute(
            update(Dossier)
            .where(Dossier.id == dossier_id)
            .values(abandoned_on=abandoned_on, updated_at=updated_at)
        )


def test_old_abandoned_dossiers_are_proposed_and_purged_on_confirmation(workspace):
    old, recent, active = (new_dossier(workspace, name) for name in ("Ancien", "Récent", "Actif"))
    for detail in (old, recent):
        workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, old.id, dt.date(2021, 5, 1), dt.datetime(2021, 5, 1, 9))
    _age(workspace, recent.id, dt.date(2025, 5, 1), dt.datetime(2025, 5, 1, 9))
    _age(workspace, active.id, None, dt.datetime(2019, 1, 1, 9))

    ours = {old.number, recent.number, active.number}  # the test office has others
    candidates = [c for c in workspace.privacy.purge_candidates() if c.number in ours]
    assert [c.number for c in candidates] == [old.number]
    assert candidates[0].last_contact == dt.date(2021, 5, 1)
    assert candidates[0].reason == AbandonReason.PROJECT_ABANDONED.label

    workspace.privacy.save_retention_years(1)
    due = {c.number for c in workspace.privacy.purge_candidates()}
    assert due & ours == {old.number, recent.number}
    assert workspace.privacy.purge([old.id, active.id]) == 1  # an active dossier never goes
    assert count_rows(workspace, Dossier, id=old.id) == 0
    assert count_rows(workspace, Dossier, id=active.id) == 1
    event = audit_events(workspace, old.id)[-1]
    assert event.action is AuditAction.DOSSIER_PURGED
    assert event.details == "Abandonné le 01/05/2021 ; conservation 1 ans"


def test_a_purge_reads_again_only_the_chosen_dossiers_and_audits_them_in_the_proposals_order(
    workspace, monkeypatch
):
    from app.privacy import purge

    monkeypatch.setattr(purge, "CHUNK", 2)  # several statements, as beyond 500 dossiers
    dated = {}
    for name, day in (("Cinq", 5), ("Un", 1), ("Trois", 3), ("Deux", 2), ("Quatre", 4)):
        detail = new_dossier(workspace, name)
        workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
        _age(workspace, detail.id, dt.date(2020, 1, day), dt.datetime(2020, 1, day, 9))
        dated[day] = detail
    undated = new_dossier(workspace, "Sans date")  # abandoned before its date was kept
    workspace.dossiers.abandon(undated.id, undated.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, undated.id, None, dt.datetime(2020, 1, 6, 9))
    left = new_dossier(workspace, "Restant")  # due too, but not chosen: kept
    workspace.dossiers.abandon(left.id, left.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, left.id, dt.date(2019, 1, 1), dt.datetime(2019, 1, 1, 9))

    chosen = [dated[day].id for day in (4, 1)] + [undated.id] + [dated[d].id for d in (5, 2, 3)]
    assert workspace.privacy.purge(chosen) == 6
    assert count_rows(workspace, Dossier, id=left.id) == 1
    with workspace.database.read() as session:
        purged = session.scalars(
            select(AuditEvent.dossier_number)
            .where(AuditEvent.action == AuditAction.DOSSIER_PURGED)
            .order_by(AuditEvent.id)
        ).all()
    assert purged == [undated.number] + [dated[day].number for day in (1, 2, 3, 4, 5)]


def test_a_dossier_resumed_meanwhile_is_not_purged(workspace):
    detail = new_dossier(workspace)
    detail = workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, detail.id, dt.date(2020, 1, 1), dt.datetime(2020, 1, 1))
    [candidate] = [c for c in workspace.privacy.purge_candidates() if c.dossier_id == detail.id]
    detail = workspace.dossiers.get(detail.id)
    from models.enums import DossierStatus

    workspace.dossiers.resume(detail.id, detail.version, DossierStatus.PROSPECT, dt.date.today())
    assert workspace.privacy.purge([candidate.dossier_id]) == 0
    assert count_rows(workspace, Dossier, id=detail.id) == 1


def test_a_cancelled_purge_erases_nothing(workspace):
    from app.errors import Cancelled

    detail = new_dossier(workspace)
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, detail.id, dt.date(2020, 1, 1), dt.datetime(2020, 1, 1))
    with pytest.raises(Cancelled):
        workspace.privacy.purge([detail.id], lambda done, total: False)
    assert count_rows(workspace, Dossier, id=detail.id) == 1
    assert audit_events(workspace, detail.id)[-1].action is not AuditAction.DOSSIER_PURGED


def test_the_retention_is_checked(workspace):
    for wrong in (0, 11):
        with pytest.raises(DomainError, match="de 1 à 10 ans"):
            workspace.privacy.save_retention_years(wrong)
    assert workspace.privacy.retention_years() == 3


@pytest.mark.file_only("reads the bytes of the office's file")
def test_the_purged_names_leave_the_file(workspace):
    detail = new_dossier(workspace, "Zébulonnette")
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    _age(workspace, detail.id, dt.date(2020, 1, 1), dt.datetime(2020, 1, 1))
    workspace.privacy.purge([detail.id])
    workspace.close()
    raw = workspace.paths.database.read_bytes()
    assert not re.search(rb"zebulonnette", raw, re.I)
    assert "Zébulonnette".encode() not in raw


def test_the_pdf_leaves_out_emoji_the_font_cannot_draw():
    from app.pdf.house import printable

    assert printable("Super 👍🏽 dossier ❤️ ✅ — «ok» 1\u202f234,56\u00a0€") == (
        "Super  dossier   — «ok» 1\u00a0234,56\u00a0€"
    )
    assert printable("汉字") == "??"  # other scripts the font lacks: said, not hidden


def test_an_erased_persons_own_files_go_with_him(workspace, tmp_path):
    detail = _couple(workspace)
    info = workspace.documents.list(detail.id)
    pauls = next(s.item for s in info.checklist if s.item.borrower.startswith("DURAND"))
    card = tmp_path / "cni-paul.pdf"
    card.write_bytes(b"%PDF carte de Paul")
    shared = tmp_path / "avis.pdf"
    shared.write_bytes(b"%PDF avis du foyer")
    info = workspace.documents.attach(detail.id, info.version, [card], answers=pauls.key)
    workspace.documents.attach(detail.id, info.version, [shared])
    stored = stored_hashes(workspace)
    workspace.privacy.erase_person(detail.id, person(workspace, detail.id, 2))
    left = workspace.documents.list(detail.id).documents
    assert [d.filename for d in left] == ["avis.pdf"]
    gone = stored - stored_hashes(workspace)
    assert list(gone) == [hashlib.sha256(b"%PDF carte de Paul").hexdigest()]
    assert "1 document(s) de la personne" in audit_events(workspace, detail.id)[-1].details
