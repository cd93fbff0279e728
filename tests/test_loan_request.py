"""«Demande de prêt»: the PDF a bank reads (contacts masked when the dossier says so, the
note, hostile markup), and the sending prepared for a bank (folder or ZIP, readable names,
kept in the dossier, recorded in the «Pipeline» tab, nothing left when cancelled)."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.dossier.dossier_service import DossierFlag
from app.dossier.household import BorrowerData, ChildData
from app.dossier.situation import ItemKind, LoanData, ProjectData, SavingsData
from app.errors import Cancelled, DomainError
from app.loan_request.request_data import sending_names, seniority
from models.enums import (
    Contract,
    DocumentFolder,
    DossierTab,
    LoanKind,
    MaritalStatus,
    ProjectNature,
    SavingsKind,
    SubmissionStatus,
)
from tests.helpers import new_dossier


def _text(path) -> str:
    reader = PdfReader(path)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _full_dossier(workspace, tmp_path):
    detail = new_dossier(workspace, first_name="Éloïse", last_name="Quénéhervé")
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id,
        household.version,
        1,
        BorrowerData(
            "Quénéhervé",
            "Éloïse",
            civility="Mme",
            birth_date=dt.date(1988, 4, 2),
            birth_place="Brest",
            nationality="Française",
            marital_status=MaritalStatus.MARRIED,
            address="12 rue de Siam",
            postal_code="29200",
            city="Brest",
            phone="06 12 34 56 78",
            email="eloise.q@example.fr",
            profession="Infirmière <b>& cadre</b>",
            employer="CHU de Brest",
            contract=Contract.CIVIL_SERVANT,
            employed_since=dt.date(2015, 9, 1),
            net_monthly_income_cents=2_850_00,
        ),
    )
    household = workspace.household.get(detail.id)
    workspace.household.add_child(
        detail.id, household.version, ChildData("Lou", dt.date(2019, 3, 1))
    )
    situation = workspace.situation.get(detail.id)
    situation = workspace.situation.save_project(
        detail.id,
        situation.version,
        ProjectData(
            nature=ProjectNature.EXISTING, price_cents=240_000_00, contribution_cents=20_000_00
        ),
    )
    situation = workspace.situation.save_item(
        detail.id, situation.version, ItemKind.LOAN, None, LoanData("Cetelem", LoanKind.CAR, 210_00)
    )
    workspace.situation.save_item(
        detail.id,
        situation.version,
        ItemKind.SAVINGS,
        None,
        SavingsData(SavingsKind.LIVRET, 15_000_00),
    )
    workspace.comments.add(
        detail.id,
        DossierTab.GENERAL,
        "<p>Cliente <b>sérieuse</b> &amp; <script>x</script></p>",
        True,
    )
    detail = workspace.dossiers.get(detail.id)
    info = workspace.simulations.create(detail.id, detail.version)
    payslip = tmp_path / "bulletin.pdf"
    payslip.write_bytes(b"%PDF-1.4 bulletin")
    documents = workspace.documents.list(detail.id)
    workspace.documents.attach(detail.id, documents.version, [payslip])
    return workspace.dossiers.get(detail.id), info.simulations[0].id


def test_the_request_says_everything_a_bank_reads(workspace, tmp_path):
    detail, _simulation = _full_dossier(workspace, tmp_path)
    target = workspace.loan_requests.write_pdf(detail.id, tmp_path / "demande.pdf")
    text = _text(target)
    for expected in (
        "Demande de prêt",
        f"Dossier {detail.number}",
        "Atlantique Courtage Immobilier",
        "Emprunteur : QUÉNÉHERVÉ Éloïse",
        "02/04/1988 à Brest",
        "Infirmière <b>& cadre</b>",  # typed text, shown as typed
        "Fonctionnaire",
        "depuis le 01/09/2015",
        "2 850,00 €",
        "Enfants",
        "Lou",
        "Crédits en cours",
        "Cetelem",
        "Épargne",
        "Plan de financement",
        "TAEG",
        "Note de synthèse",
        "Cliente sérieuse &",
        "Pièces justificatives jointes",
        "bulletin",
        "12 rue de Siam",
        "eloise.q@example.fr",
    ):
        assert expected in text, expected
    assert PdfReader(target).metadata.title == f"Demande de prêt — dossier {detail.number}"


def test_masked_contacts_appear_nowhere(workspace, tmp_path):
    detail, _simulation = _full_dossier(workspace, tmp_path)
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.HIDE_CONTACTS, True)
    target = workspace.loan_requests.write_pdf(detail.id, tmp_path / "demande.pdf")
    text = _text(target)
    for hidden in ("12 rue de Siam", "29200", "06 12 34 56 78", "eloise.q@example.fr"):
        assert hidden not in text
    metadata = " ".join(str(v) for v in (PdfReader(target).metadata or {}).values())
    assert "eloise" not in metadata and "06 12" not in metadata
    assert "QUÉNÉHERVÉ Éloïse" in text and "coordonnées des emprunteurs ne figurent pas" in text


def test_a_dossier_without_simulation_is_told_so(workspace, tmp_path):
    detail = new_dossier(workspace)
    with pytest.raises(DomainError, match="pas encore de simulation"):
        workspace.loan_requests.write_pdf(detail.id, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_sending_is_prepared_kept_and_recorded(workspace, tmp_path, as_zip):
    detail, simulation = _full_dossier(workspace, tmp_path)
    documents = workspace.documents.list(detail.id)
    bank = next(b for b in workspace.pipeline.list(detail.id).banks if b.label.startswith("LCL"))
    target = tmp_path / ("envoi.zip" if as_zip else "Envoi LCL")
    sending = workspace.loan_requests.prepare_sending(
        detail.id, detail.version, bank.id, simulation, [documents.documents[0].id], target
    )
    assert sending.files == (
        f"{detail.number} - Demande de prêt - LCL.pdf",
        f"{detail.number} - bulletin.pdf",
    )
    if as_zip:
        with zipfile.ZipFile(sending.path) as archive:
            assert sorted(archive.namelist()) == sorted(sending.files)
            assert archive.read(sending.files[1]) == b"%PDF-1.4 bulletin"
    else:
        assert sorted(p.name for p in sending.path.iterdir()) == sorted(sending.files)
    [submission] = sending.pipeline.submissions
    assert submission.bank_name == "LCL" and submission.status is SubmissionStatus.PREPARED
    assert submission.simulation_name == "Simulation 1"
    kept = [
        d
        for d in workspace.documents.list(detail.id).documents
        if d.folder is DocumentFolder.REQUESTS
    ]
    assert [d.title for d in kept] == [f"Demande de prêt — LCL — {dt.date.today():%d/%m/%Y}"]
    assert workspace.dossiers.get(detail.id).version == sending.pipeline.version


def test_a_cancelled_sending_leaves_nothing(workspace, tmp_path):
    detail, simulation = _full_dossier(workspace, tmp_path)
    documents = workspace.documents.list(detail.id)
    bank = workspace.pipeline.list(detail.id).banks[0]
    target = tmp_path / "Envoi"
    with pytest.raises(Cancelled):
        workspace.loan_requests.prepare_sending(
            detail.id,
            detail.version,
            bank.id,
            simulation,
            [documents.documents[0].id],
            target,
            lambda done, total: done < 2,
        )
    assert list(tmp_path.glob("Envoi*")) == []
    assert workspace.pipeline.list(detail.id).submissions == ()
    assert len(workspace.documents.list(detail.id).documents) == 1


def test_readable_names_and_seniority():
    assert sending_names(
        "2026-00042",
        [
            ("Bulletin de salaire - 2026-09", "scan.PDF"),
            ("Bulletin de salaire - 2026-09", "b.pdf"),
            ("CNI / recto", "cni"),
        ],
    ) == [
        "2026-00042 - Bulletin de salaire - 2026-09.pdf",
        "2026-00042 - Bulletin de salaire - 2026-09 (2).pdf",
        "2026-00042 - CNI - recto",
    ]
    assert seniority(dt.date(2015, 9, 1), dt.date(2026, 8, 31)) == "depuis le 01/09/2015 (10 ans)"
    assert seniority(dt.date(2026, 3, 1), dt.date(2026, 8, 31)).endswith("(moins d'un an)")


def test_the_loan_request_command(workspace, tmp_path, monkeypatch, capsys):
    import main

    detail, _simulation = _full_dossier(workspace, tmp_path)
    monkeypatch.setenv("DOSSIA_PASSWORD", "demo")
    database = str(workspace.paths.database)
    pdf = tmp_path / "demande.pdf"
    args = ["--db", database, "loan-request", "--user", "admin", "--dossier", detail.number]
    assert main.main([*args, "--out", str(pdf)]) == 0
    assert "Demande de prêt" in _text(pdf)
    archive = tmp_path / "envoi.zip"
    assert main.main([*args, "--out", str(archive)]) == 2
    assert "--bank" in capsys.readouterr().err
    assert main.main([*args, "--bank", "caisse", "--out", str(archive)]) == 0
    assert "(2 fichiers)" in capsys.readouterr().out
    with zipfile.ZipFile(archive) as opened:
        assert f"{detail.number} - bulletin.pdf" in opened.namelist()
    [submission] = workspace.pipeline.list(detail.id).submissions
    assert submission.bank_name == "Caisse d'Épargne"


# --- what a hostile review found -----------------------------------------------------------


def _bank(workspace, dossier_id, start="LCL"):
    return next(b for b in workspace.pipeline.list(dossier_id).banks if b.label.startswith(start))


def test_a_second_sending_never_replaces_the_first_and_a_late_cancel_changes_nothing(
    workspace, tmp_path
):
    from app.errors import ConflictError

    detail, simulation = _full_dossier(workspace, tmp_path)
    bank = _bank(workspace, detail.id)
    first = workspace.loan_requests.prepare_sending(
        detail.id, detail.version, bank.id, simulation, [], tmp_path / "Envoi.zip"
    )
    before = first.path.read_bytes()
    with pytest.raises(ConflictError):  # recorded on a stale version: refused
        workspace.loan_requests.prepare_sending(
            detail.id, detail.version, bank.id, simulation, [], tmp_path / "Envoi.zip"
        )
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("Envoi*")) == ["Envoi.zip"]
    version = first.pipeline.version
    second = workspace.loan_requests.prepare_sending(
        detail.id,
        version,
        bank.id,
        simulation,
        [],
        tmp_path / "Envoi.zip",
        lambda done, total: done < total,  # «Annuler» as it finishes: too late, said nothing
    )
    assert second.path.name == "Envoi (2).zip" and first.path.read_bytes() == before
    assert len(workspace.pipeline.list(detail.id).submissions) == 2
    assert second.pipeline.changed_id == second.pipeline.submissions[-1].id


def test_hidden_contacts_are_masked_in_the_note_and_the_titles(workspace, tmp_path):
    detail, simulation = _full_dossier(workspace, tmp_path)
    workspace.comments.add(
        detail.id,
        DossierTab.GENERAL,
        "<p>Joindre au 06.12.34.56.78 ou eloise.q@example.fr, 12 Rue de  Siam</p>",
        True,
    )
    proof = tmp_path / "domicile.pdf"
    proof.write_bytes(b"%PDF domicile")
    detail = workspace.dossiers.get(detail.id)
    info = workspace.documents.attach(detail.id, detail.version, [proof])
    added = next(d for d in info.documents if d.filename == "domicile.pdf")
    workspace.documents.rename(detail.id, info.version, added.id, "Facture 12 rue de Siam")
    detail = workspace.dossiers.get(detail.id)
    workspace.dossiers.set_flag(detail.id, detail.version, DossierFlag.HIDE_CONTACTS, True)
    detail = workspace.dossiers.get(detail.id)
    ids = [d.id for d in workspace.documents.list(detail.id).documents]
    sending = workspace.loan_requests.prepare_sending(
        detail.id,
        detail.version,
        _bank(workspace, detail.id).id,
        simulation,
        ids,
        tmp_path / "envoi.zip",
    )
    names = " ".join(sending.files)
    assert "Siam" not in names and "[coordonnée masquée]" in names
    with zipfile.ZipFile(sending.path) as archive:
        request = tmp_path / "demande.pdf"
        request.write_bytes(archive.read(sending.files[0]))
    text = _text(request)
    for hidden in ("06.12.34.56.78", "eloise.q@example.fr", "Siam"):
        assert hidden not in text


def test_an_erased_borrower_takes_the_requests_that_present_him(workspace, tmp_path):
    detail, simulation = _full_dossier(workspace, tmp_path)
    household = workspace.household.get(detail.id)
    workspace.household.save_borrower(
        detail.id, household.version, 2, BorrowerData("Durand", "Paul")
    )
    detail = workspace.dossiers.get(detail.id)
    workspace.loan_requests.prepare_sending(
        detail.id, detail.version, _bank(workspace, detail.id).id, simulation, [], tmp_path / "e"
    )
    paul = next(p.borrower_id for p in workspace.privacy.people(detail.id) if p.rank == 2)
    workspace.privacy.erase_person(detail.id, paul)
    titles = [d.title for d in workspace.documents.list(detail.id).documents]
    assert not any(t.startswith("Demande de prêt") for t in titles)


def test_two_agencies_of_one_bank_stay_two_and_a_renamed_bank_keeps_its_sendings(workspace):
    from app.office.referential import BankData
    from app.pipeline.submissions import SubmissionData

    detail = new_dossier(workspace)
    rows = workspace.referential.save_bank(None, BankData("LCL", "Agence Arcachon", ""))
    pessac = next(r for r in rows if r.data.agency == "Agence Arcachon")
    pipeline = workspace.pipeline
    info = pipeline.list(detail.id)
    merignac = _bank(workspace, detail.id, "LCL — Agence Mérignac")
    for bank_id in (pessac.id, merignac.id):
        info = pipeline.save(
            detail.id, info.version, None, SubmissionData(bank_id, SubmissionStatus.SENT)
        )
    from app.pipeline.submissions import latest_by_bank

    assert len(latest_by_bank(info.submissions)) == 2
    workspace.referential.save_bank(
        pessac.id, BankData("LCL Crédit Lyonnais", "Agence Arcachon", "")
    )
    row = next(r for r in info.submissions if r.bank_id == pessac.id)
    info = pipeline.save(detail.id, info.version, row.id, replace(row.data(), comment="Relance"))
    assert next(r for r in info.submissions if r.id == row.id).bank_name == "LCL"  # as sent


def test_a_long_accented_title_fits_every_disk():
    names = sending_names("2026-00042", [("é" * 300, "a.pdf"), ("é" * 300, "b.pdf")])
    assert all(len(n.encode()) <= 255 and n.endswith(".pdf") for n in names)
    assert names[0] != names[1] and names[1].endswith(" (2).pdf")
