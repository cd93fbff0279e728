"""The «Documents» wing without a screen: names made safe, programs refused, the size
limit, deduplication, cancel, rename / move / delete, «Pièces à fournir» and its PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from app.documents.checklist import (
    BorrowerFacts,
    DossierFacts,
    Requirement,
    expected,
)
from app.documents.files import check_attachment, safe_filename
from app.dossier.household import BorrowerData
from app.dossier.situation import ItemKind, LoanData, ProjectData
from app.errors import Cancelled, DomainError, NotFound, PermissionDenied
from models.enums import (
    AbandonReason,
    Contract,
    DocumentFolder,
    DossierStatus,
    LoanKind,
    ProjectNature,
    RequirementRule,
    Right,
)
from tests.helpers import audit_events, new_dossier, stored_hashes

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def _stored(workspace) -> set[str]:
    return stored_hashes(workspace)


def _file(tmp_path, name: str, content: bytes = b"%PDF-1.4 bulletin") -> object:
    path = tmp_path / name
    path.write_bytes(content)
    return path


# --- names and kinds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\paul\\Bulletin mars.pdf", "Bulletin mars.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("nul", "_nul"),
        ("lpt1.tar.gz", "_lpt1.tar.gz"),
        ("avis\x07 d'impôt\u202e.pdf", "avis d'impôt.pdf"),
        ('rib<2026>:"x"?.pdf', "rib_2026___x__.pdf"),
        ("  ..caché. . ", "caché"),
        ("..", "document"),
        ("", "document"),
    ],
)
def test_a_file_name_is_made_safe_for_every_disk(given, safe):
    assert safe_filename(given) == safe


def test_a_long_name_keeps_its_extension_within_255_bytes():
    name = safe_filename("é" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= 255
    assert name.startswith("é")  # never cut inside a character


@pytest.mark.parametrize("name", ["facture.exe", "bulletin.PDF.js", "photo.scr", "lien.lnk"])
def test_programs_and_scripts_are_refused_by_their_extension(name):
    with pytest.raises(DomainError, match="programme ou un script"):
        check_attachment(name, b"%PDF")


@pytest.mark.parametrize("head", [b"MZ\x90\x00", b"\x7fELF", b"#!/bin/sh"])
def test_a_program_is_refused_whatever_its_name(head):
    with pytest.raises(DomainError, match="contient un programme"):
        check_attachment("avis.pdf", head)
    check_attachment("avis.pdf", b"%PDF-1.7")


# --- attaching ---------------------------------------------------------------------------


def test_files_are_attached_in_their_folder_stored_once_and_audited(workspace, tmp_path):
    detail = new_dossier(workspace)
    same = b"%PDF-1.4 le meme bulletin"
    first = _file(tmp_path, "bulletin-09.pdf", same)
    (tmp_path / "copie").mkdir()
    second = _file(tmp_path / "copie", "bulletin-09 (copie).pdf", same)
    before = _stored(workspace)
    info = workspace.documents.attach(
        detail.id, detail.version, [first, second], DocumentFolder.SUPPORTING
    )
    assert [(d.title, d.filename, d.folder) for d in info.documents] == [
        ("bulletin-09", "bulletin-09.pdf", DocumentFolder.SUPPORTING),
        ("bulletin-09 (copie)", "bulletin-09 (copie).pdf", DocumentFolder.SUPPORTING),
    ]
    assert len(_stored(workspace) - before) == 1  # the same bytes, stored once
    assert info.documents[0].added_by == "Claire Marchetti"
    assert set(info.changed_ids) == {d.id for d in info.documents}
    assert info.version == detail.version + 1
    event = audit_events(workspace, detail.id)[-1]
    assert event.action.label == "Documents joints" and "bulletin-09.pdf" in event.details


def test_a_refused_file_refuses_the_whole_drop_and_stores_nothing(workspace, tmp_path):
    detail = new_dossier(workspace)
    good = _file(tmp_path, "avis.pdf")
    bad = _file(tmp_path, "avis.pdf.exe", b"MZ")
    before = _stored(workspace)
    with pytest.raises(DomainError, match=r"avis\.pdf\.exe"):
        workspace.documents.attach(detail.id, detail.version, [good, bad])
    assert _stored(workspace) == before
    assert workspace.documents.list(detail.id).documents == ()


def test_the_size_limit_is_the_offices_and_said_clearly(workspace, tmp_path):
    detail = new_dossier(workspace)
    assert workspace.documents.size_limit_mb() == 50
    with pytest.raises(DomainError, match="de 1 à 500 Mo"):
        workspace.documents.save_size_limit_mb(0)
    workspace.documents.save_size_limit_mb(1)
    big = _file(tmp_path, "scan.pdf", b"%PDF" + b"0" * (1024 * 1024 + 10))
    before = _stored(workspace)
    with pytest.raises(DomainError, match=r"« scan.pdf » pèse 1 Mo : la limite est de 1 Mo"):
        workspace.documents.attach(detail.id, detail.version, [big])
    assert _stored(workspace) == before
    assert not list(workspace.paths.documents.glob(".part-*"))  # no half copy left


def test_only_managers_change_the_documents_settings(login_as):
    broker = login_as("slegrand")
    with pytest.raises(PermissionDenied):
        broker.documents.save_size_limit_mb(20)
    with pytest.raises(PermissionDenied):
        broker.documents.save_requirement(None, "RIB", RequirementRule.ONCE)
    assert broker.documents.size_limit_mb() == 50  # everyone reads it


def test_a_cancelled_copy_leaves_nothing(workspace, tmp_path):
    detail = new_dossier(workspace)
    big = _file(tmp_path, "scan.pdf", b"%PDF" + b"1" * (3 * 1024 * 1024))
    small = _file(tmp_path, "rib.pdf", b"%PDF rib")
    before = _stored(workspace)
    seen = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 2 * 1024 * 1024  # «Annuler» during the big file

    with pytest.raises(Cancelled):
        workspace.documents.attach(detail.id, detail.version, [small, big], progress=progress)
    assert _stored(workspace) == before  # the small one, copied first, went too
    assert workspace.documents.list(detail.id).documents == ()
    assert seen[0][1] == small.stat().st_size + big.stat().st_size  # one bar for the drop


def test_rename_move_and_delete(workspace, tmp_path):
    detail = new_dossier(workspace)
    other = new_dossier(workspace, "Autre")
    shared = _file(tmp_path, "cni.pdf", b"%PDF partagee")
    info = workspace.documents.attach(
        detail.id, detail.version, [shared, _file(tmp_path, "x.png", b"\x89PNG")]
    )
    workspace.documents.attach(other.id, other.version, [shared])
    first, second = (d.id for d in info.documents)
    info = workspace.documents.rename(detail.id, info.version, first, "  Carte d'identité  ")
    assert info.documents[0].title == "Carte d'identité"
    with pytest.raises(DomainError, match="Donnez un titre"):
        workspace.documents.rename(detail.id, info.version, first, "  ")
    info = workspace.documents.move(detail.id, info.version, [first, second], DocumentFolder.MISC)
    assert {d.folder for d in info.documents} == {DocumentFolder.MISC}
    with pytest.raises(NotFound):  # another dossier's document
        workspace.documents.rename(
            other.id,
            workspace.documents.list(other.id).version,
            first,
            "Pas le mien",
        )
    stored = _stored(workspace)
    info = workspace.documents.delete(detail.id, info.version, [first, second])
    assert info.documents == ()
    gone = stored - _stored(workspace)
    assert len(gone) == 1  # the PNG; the shared PDF is still the other dossier's
    assert [d.filename for d in workspace.documents.list(other.id).documents] == ["cni.pdf"]
    assert audit_events(workspace, detail.id)[-1].action.label == "Document supprimé"


def test_a_viewing_copy_has_the_files_name_and_is_cleared(workspace, tmp_path):
    detail = new_dossier(workspace)
    info = workspace.documents.attach(detail.id, detail.version, [_file(tmp_path, "rib.pdf")])
    copy = workspace.documents.copy_for_viewing(info.documents[0].id)
    assert copy.name == "rib.pdf" and copy.read_bytes() == b"%PDF-1.4 bulletin"
    assert workspace.paths.viewing in copy.parents
    workspace.documents.clear_viewing_copies()
    assert not copy.exists()


def test_who_may_attach(login_as, tmp_path):
    owner, colleague, admin = login_as("slegrand"), login_as("kbenali"), login_as("admin")
    detail = new_dossier(owner)
    source = _file(tmp_path, "avis.pdf")
    assert not colleague.user.can(Right.EDIT_ALL_DOSSIERS)
    with pytest.raises((PermissionDenied, NotFound)):
        colleague.documents.attach(detail.id, detail.version, [source])
    info = owner.documents.attach(detail.id, detail.version, [source])
    detail = admin.dossiers.get(detail.id)
    detail = admin.dossiers.abandon(detail.id, detail.version, AbandonReason.PROJECT_ABANDONED)
    with pytest.raises(DomainError, match="abandonné"):
        owner.documents.attach(detail.id, detail.version, [source])
    assert owner.documents.list(detail.id).read_only
    assert len(owner.documents.list(detail.id).documents) == len(info.documents)


def test_resuming_a_dossier_deletes_its_documents_and_ticks(workspace, tmp_path):
    detail = new_dossier(workspace)
    info = workspace.documents.attach(detail.id, detail.version, [_file(tmp_path, "a.pdf")])
    item = info.checklist[0].item.key
    info = workspace.documents.tick(detail.id, info.version, item, True)
    detail = workspace.dossiers.get(detail.id)
    detail = workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.BANK_REFUSAL)
    stored = _stored(workspace)
    workspace.dossiers.resume(detail.id, detail.version, DossierStatus.CLIENT, dt.date.today())
    after = workspace.documents.list(detail.id)
    assert after.documents == () and not any(s.received for s in after.checklist)
    assert len(stored - _stored(workspace)) == 1


# --- «Pièces à fournir» -------------------------------------------------------------------


def _facts(**changes) -> DossierFacts:
    values = {
        "borrowers": (
            BorrowerFacts(1, "DURAND Paul", Contract.CDI),
            BorrowerFacts(2, "DURAND Léa", Contract.SELF_EMPLOYED, receives_rents=True),
        ),
        "nature": ProjectNature.EXISTING,
    }
    values.update(changes)
    return DossierFacts(**values)


RULES = [Requirement(i, rule.label, rule) for i, rule in enumerate(RequirementRule, start=1)]


def test_each_rule_asks_what_the_dossier_needs():
    asked = {(i.label, i.borrower) for i in expected(RULES, _facts())}
    label = {rule: rule.label for rule in RequirementRule}
    assert (label[RequirementRule.PER_BORROWER], "DURAND Paul") in asked
    assert (label[RequirementRule.PER_BORROWER], "DURAND Léa") in asked
    assert (label[RequirementRule.PER_EMPLOYEE], "DURAND Paul") in asked
    assert (label[RequirementRule.PER_EMPLOYEE], "DURAND Léa") not in asked
    assert (label[RequirementRule.PER_SELF_EMPLOYED], "DURAND Léa") in asked
    assert (label[RequirementRule.PER_LANDLORD], "DURAND Léa") in asked
    assert not any(lbl == label[RequirementRule.PER_RETIRED] for lbl, _b in asked)
    assert (label[RequirementRule.PURCHASE], "") in asked
    for rule in (
        RequirementRule.NEW_BUILD,
        RequirementRule.CONSTRUCTION,
        RequirementRule.WORKS,
        RequirementRule.BUY_BACK,
        RequirementRule.CONTRIBUTION,
    ):
        assert (label[rule], "") not in asked
    other = {
        i.label
        for i in expected(
            RULES,
            _facts(nature=ProjectNature.NEW_BUILD, works=True, buy_back=True, contribution=True),
        )
    }
    assert {label[r] for r in (RequirementRule.NEW_BUILD, RequirementRule.WORKS)} <= other
    assert {label[r] for r in (RequirementRule.BUY_BACK, RequirementRule.CONTRIBUTION)} <= other
    assert label[RequirementRule.PURCHASE] not in other
    inactive = [Requirement(1, "Vieux", RequirementRule.ONCE, is_active=False)]
    assert expected(inactive, _facts()) == []


def test_the_checklist_follows_the_dossier_and_files_tick_it(workspace, tmp_path):
    detail = new_dossier(workspace, first_name="Paul", last_name="Durand")
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData("Durand", "Paul", contract=Contract.CDI, net_monthly_income_cents=3_000_00),
    )
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_project(
        detail.id, situation.version, ProjectData(nature=ProjectNature.EXISTING, price_cents=1)
    )
    info = workspace.documents.list(detail.id)
    texts = [s.item.text for s in info.checklist]
    assert "3 derniers bulletins de salaire — DURAND Paul" in texts
    assert "Compromis de vente signé" in texts
    assert "3 derniers bilans et liasses fiscales — DURAND Paul" not in texts
    assert not any(s.received for s in info.checklist)
    payslips = next(s.item for s in info.checklist if s.item.label.startswith("3 derniers bul"))
    info = workspace.documents.attach(
        detail.id, info.version, [_file(tmp_path, "b.pdf")], answers=payslips.key
    )
    state = next(s for s in info.checklist if s.item == payslips)
    assert state.received and state.received_on == dt.date.today() and state.files == ("b",)
    assert info.documents[0].answers == payslips.text
    assert payslips not in info.missing
    # Ticked by hand, then unticked; an item a file answers stays received.
    deed = next(s.item for s in info.checklist if s.item.label.startswith("Compromis"))
    info = workspace.documents.tick(detail.id, info.version, deed.key, True)
    assert next(s for s in info.checklist if s.item == deed).by_hand
    info = workspace.documents.tick(detail.id, info.version, deed.key, False)
    assert deed in info.missing
    info = workspace.documents.link(detail.id, info.version, info.documents[0].id, None)
    assert payslips in info.missing
    # A self-employed borrower is asked for his accounts instead of payslips.
    situation = workspace.situation.get(detail.id)
    workspace.situation.save_item(
        detail.id,
        situation.version,
        ItemKind.LOAN,
        None,
        LoanData("Cetelem", LoanKind.CONSUMER, 200_00, to_buy_back=True),
    )
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData("Durand", "Paul", contract=Contract.SELF_EMPLOYED),
    )
    texts = [s.item.text for s in workspace.documents.list(detail.id).checklist]
    assert "3 derniers bilans et liasses fiscales — DURAND Paul" in texts
    assert "Offre et tableau d'amortissement des prêts à racheter" in texts
    assert "3 derniers bulletins de salaire — DURAND Paul" not in texts


def test_the_offices_list_is_edited_in_the_settings(workspace):
    first = workspace.documents.requirements()
    assert first[0].label == "Pièce d'identité en cours de validité"
    rows = workspace.documents.save_requirement(None, "RIB", RequirementRule.ONCE)
    rib = rows[len([r for r in first if r.is_active])]
    assert rib.label == "RIB" and rib.is_active
    rows = workspace.documents.move_requirement(rib.id, -1)
    assert [r.id for r in rows].index(rib.id) == [r.id for r in rows if r.is_active].index(rib.id)
    rows = workspace.documents.set_requirement_active(rib.id, False)
    assert rows[-1].id == rib.id and not rows[-1].is_active
    detail = new_dossier(workspace)
    assert "RIB" not in [s.item.label for s in workspace.documents.list(detail.id).checklist]
    with pytest.raises(DomainError, match="Nommez"):
        workspace.documents.save_requirement(rib.id, " ", RequirementRule.ONCE)


def test_the_list_for_the_client_says_what_is_missing_and_replaces_the_last(workspace, tmp_path):
    from pypdf import PdfReader

    detail = new_dossier(workspace, first_name="Éloïse <b>&", last_name="Quénéhervé")
    target = tmp_path / "liste.pdf"
    info = workspace.documents.write_checklist(detail.id, target)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(target).pages)
    assert "Liste des pièces à fournir" in text and detail.number in text
    assert "Pour QUÉNÉHERVÉ Éloïse <b>&" in text
    assert "Pièce d'identité en cours de validité" in text
    assert "Atlantique Courtage Immobilier" in text and "Page 1 / 1" in text
    kept = [d for d in info.documents if d.title.startswith("Liste des pièces à fournir")]
    assert len(kept) == 1 and kept[0].folder is DocumentFolder.MISC
    info = workspace.documents.write_checklist(detail.id, target)
    assert len([d for d in info.documents if d.title.startswith("Liste des pièces")]) == 1


# --- what a hostile review found -----------------------------------------------------------


def test_a_document_opens_twice_and_a_crafted_name_stays_in_its_folder(workspace, tmp_path):
    from models.dossier import Document

    detail = new_dossier(workspace)
    info = workspace.documents.attach(detail.id, detail.version, [_file(tmp_path, "rib.pdf")])
    document_id = info.documents[0].id
    first = workspace.documents.copy_for_viewing(document_id)
    again = workspace.documents.copy_for_viewing(document_id)  # the read-only copy replaced
    assert first == again and again.read_bytes() == b"%PDF-1.4 bulletin"
    with workspace.database.write() as session:  # what a crafted backup could hold
        session.get(Document, document_id).filename = "../../../evil.bat"
    with pytest.raises(DomainError, match="programme ou un script"):
        workspace.documents.copy_for_viewing(document_id)
    with workspace.database.write() as session:
        session.get(Document, document_id).filename = "/tmp/../x/relevé.pdf"
    copy = workspace.documents.copy_for_viewing(document_id)
    assert copy.parent == workspace.paths.viewing / str(document_id) and copy.name == "relevé.pdf"


@pytest.mark.file_only("the file store itself: the server's in test_server_documents")
def test_a_file_being_attached_is_never_discarded_by_another_window(workspace, tmp_path):
    from app.storage.documents import DocumentStore

    store = DocumentStore(workspace.paths.documents)
    content_hash, _size = store.put(_file(tmp_path, "a.pdf"), hold=True)
    store.discard([content_hash])  # a deletion elsewhere, the row not yet committed
    assert store.path_for(content_hash).is_file()
    store.release([content_hash])
    store.discard([content_hash])
    assert not store.path_for(content_hash).exists()


@pytest.mark.file_only("the file store itself: the server's in test_server_documents")
def test_a_program_swapped_in_after_the_first_look_is_refused(workspace, tmp_path):
    from app.storage.documents import DocumentStore

    store = DocumentStore(workspace.paths.documents)
    program = _file(tmp_path, "avis.pdf", b"MZ\x90\x00")
    before = _stored(workspace)
    with pytest.raises(DomainError, match="contient un programme"):
        store.put(program, check_head=lambda head: check_attachment("avis.pdf", head))
    assert _stored(workspace) == before


def test_the_new_list_replaces_only_the_one_dossia_made(workspace, tmp_path):
    detail = new_dossier(workspace)
    signed = _file(tmp_path, "Liste des pièces à fournir signée par M. Durand.pdf")
    workspace.documents.attach(detail.id, detail.version, [signed])
    workspace.documents.write_checklist(detail.id, tmp_path / "Pièces à fournir.pdf")
    info = workspace.documents.write_checklist(detail.id, tmp_path / "Pièces à fournir.pdf")
    titles = sorted(d.title for d in info.documents)
    assert titles[0].startswith("Liste des pièces à fournir (")
    assert titles[1] == "Liste des pièces à fournir signée par M. Durand"
    assert len(titles) == 2


def test_a_piece_is_one_the_dossier_asks_for(workspace, tmp_path):
    detail = new_dossier(workspace)
    info = workspace.documents.list(detail.id)
    identity = info.checklist[0].item
    with pytest.raises(DomainError, match="plus demandée"):
        workspace.documents.attach(
            detail.id,
            info.version,
            [_file(tmp_path, "x.pdf")],
            answers=(identity.requirement_id, 99),
        )


def test_a_co_borrower_who_leaves_takes_his_pieces_along(workspace, tmp_path):
    detail = new_dossier(workspace)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, household.version, 2, BorrowerData("Durand", "Léa")
    )
    info = workspace.documents.list(detail.id)
    leas = [s.item for s in info.checklist if s.item.borrower == "DURAND Léa"]
    info = workspace.documents.attach(
        detail.id, info.version, [_file(tmp_path, "cni-lea.pdf")], answers=leas[0].key
    )
    info = workspace.documents.tick(detail.id, info.version, leas[1].key, True)
    household = workspace.household.get(detail.id)
    workspace.household.remove_co_borrower(detail.id, household.version)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, household.version, 2, BorrowerData("Bernard", "Marc")
    )
    info = workspace.documents.list(detail.id)
    marcs = [s for s in info.checklist if s.item.borrower == "BERNARD Marc"]
    assert marcs and not any(s.received for s in marcs)
    assert info.documents[0].requirement is None  # Léa's file stays, answering nothing


def test_only_who_may_change_the_dossier_changes_its_documents(login_as, tmp_path):
    owner, colleague = login_as("slegrand"), login_as("kbenali")
    detail = new_dossier(owner)
    info = owner.documents.attach(detail.id, detail.version, [_file(tmp_path, "a.pdf")])
    document_id, item = info.documents[0].id, info.checklist[0].item.key
    for attempt in (
        lambda: colleague.documents.rename(detail.id, info.version, document_id, "Pris"),
        lambda: colleague.documents.move(
            detail.id, info.version, [document_id], DocumentFolder.MISC
        ),
        lambda: colleague.documents.link(detail.id, info.version, document_id, item),
        lambda: colleague.documents.tick(detail.id, info.version, item, True),
        lambda: colleague.documents.delete(detail.id, info.version, [document_id]),
        lambda: colleague.documents.copy_for_viewing(document_id),
    ):
        with pytest.raises((PermissionDenied, NotFound)):
            attempt()
    assert owner.documents.list(detail.id).documents[0].title == "a"
