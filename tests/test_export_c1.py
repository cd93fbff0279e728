"""«Export C1»: the office manager's control report, written to Excel, CSV and PDF, read
back; its filters, models, rights, audit, cancel and refused targets; the command line."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import Cancelled, DomainError, PermissionDenied
from app.exports.c1 import C1Filters, Completeness, DateField, default_model
from models.enums import AbandonReason, AuditAction, Right
from tests.conftest import PASSWORD, TEMPLATE_DOSSIERS
from tests.helpers import db_argument, location_of, new_dossier

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


ROOT = Path(__file__).resolve().parent.parent


def _read_xlsx(path: Path):
    from openpyxl import load_workbook

    return load_workbook(path)


def test_excel_has_typed_cells_a_frozen_header_a_filter_and_totals(workspace, tmp_path):
    service = workspace.c1_exports
    result = service.export(C1Filters(), default_model(), tmp_path / "c1.xlsx")
    assert result.rows == TEMPLATE_DOSSIERS
    book = _read_xlsx(tmp_path / "c1.xlsx")
    sheet = book["Dossiers"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["N° dossier", "Statut", "Étape", "Avancement"]
    assert "Dossier complet" in headers and "TAEG" in headers and "Taux d'endettement" in headers
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row == TEMPLATE_DOSSIERS + 1
    column = {header: index for index, header in enumerate(headers)}
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    created = [row[column["Date de création"]] for row in rows]
    assert all(isinstance(value, dt.datetime) for value in created)
    assert created == sorted(created)  # in the order the dossiers were created
    first = next(sheet.iter_rows(min_row=2, max_row=2))
    assert first[column["Date de création"]].number_format == "dd/mm/yyyy"
    assert first[column["Avancement"]].number_format == "0 %"
    assert 0 < first[column["Avancement"]].value <= 1
    financed = [
        (row, cells)
        for row, cells in enumerate(sheet.iter_rows(min_row=2), start=2)
        if cells[column["Montant financé"]].value is not None
    ]
    assert financed, "the demo has validated plans"
    amount = financed[0][1][column["Montant financé"]]
    assert isinstance(amount.value, int | float) and "€" in amount.number_format
    assert {row[column["Dossier complet"]] for row in rows} <= {"Oui", "Non"}
    totals = book["Totaux"]
    lines = list(totals.iter_rows(values_only=True))
    assert lines[0][:3] == ("Par courtier", "Dossiers", "Complets")
    total_row = next(line for line in lines if line[0] == "Total")
    assert total_row[1] == TEMPLATE_DOSSIERS
    assert total_row[2] == sum(row[column["Dossier complet"]] == "Oui" for row in rows)
    assert any(line[0] == "Par étape" for line in lines)


def test_csv_for_french_excel_neutralises_formulas(workspace, tmp_path):
    hostile = new_dossier(workspace, '=HYPERLINK("http://x")', "Paul")
    service = workspace.c1_exports
    service.export(C1Filters(), default_model(), tmp_path / "c1.csv")
    raw = (tmp_path / "c1.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    with open(tmp_path / "c1.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    headers = rows[0]
    assert len(rows) == TEMPLATE_DOSSIERS + 2
    mine = next(row for row in rows if row[0] == hostile.number)
    assert mine[headers.index("Porteur de projet")].startswith("'=")
    amounts = [
        row[headers.index("Montant du projet")]
        for row in rows[1:]
        if row[headers.index("Montant du projet")]
    ]
    assert amounts and all("," in a and "." not in a and " " not in a for a in amounts)
    assert {row[headers.index("Statut")] for row in rows[1:]} == {"Prospect", "Client", "Abandonné"}


def test_the_pdf_sums_up_by_broker_and_step_and_lists_the_incomplete(workspace, tmp_path):
    from pypdf import PdfReader

    service = workspace.c1_exports
    result = service.export(
        C1Filters(statuses=frozenset({"client"})), default_model(), tmp_path / "c1.pdf"
    )
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "c1.pdf").pages)
    text = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert "EXPORT C1" in text and "Par courtier" in text and "Par étape" in text
    incomplete = len(result.summary.incomplete)
    assert f"Dossiers incomplets ({incomplete})" in text
    assert result.summary.whole.dossiers == result.rows
    assert "Abandonné" not in text  # clients only


def test_filters_and_the_scope_of_a_user_who_sees_only_his_dossiers(workspace, login_as):
    from app.office.office import NewUser
    from app.workspace import OfficeDatabase

    service = workspace.c1_exports
    model = default_model()
    every = service.preview(C1Filters(), model).count
    assert every == TEMPLATE_DOSSIERS
    by_status = {
        status: service.preview(C1Filters(statuses=frozenset({status})), model).count
        for status in ("prospect", "client", "abandoned")
    }
    assert sum(by_status.values()) == every
    complete = service.preview(C1Filters(completeness=Completeness.YES), model).count
    incomplete = service.preview(C1Filters(completeness=Completeness.NO), model).count
    assert complete + incomplete == every and complete > 0
    released = service.preview(
        C1Filters(date_field=DateField.RELEASE, start=dt.date(2000, 1, 1)), model
    )
    assert 0 < released.count < every
    assert all(row[12] for row in released.rows)  # «Date de déblocage» filled
    karim = service.broker_by_login("kbenali")
    mine = service.preview(C1Filters(broker_ids=frozenset({karim})), model)
    assert 0 < mine.count < every and {row[4] for row in mine.rows} == {"Karim Benali"}
    with pytest.raises(DomainError, match="précède"):
        service.preview(C1Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1)), model)
    # A profile that may export but sees only its own dossiers exports only those.
    roles = workspace.roles.create_role("Contrôle", frozenset({Right.EXPORT_C1}))
    role = next(r.id for r in roles if r.name == "Contrôle")
    workspace.users.create_user(NewUser("ctrl", "Camille", "Contrôle", "motdepasse-1"), role)
    office = OfficeDatabase(location_of(workspace))
    own = office.workspace_for(office.authenticate("ctrl", "motdepasse-1"))
    try:
        assert own.c1_exports.preview(C1Filters(), model).count == 0
        assert own.c1_exports.brokers() == [(own.user.id, "Camille Contrôle")]
    finally:
        own.close()


def test_models_are_named_choices_of_columns(workspace):
    service = workspace.c1_exports
    assert [m.name for m in service.models()] == ["Modèle complet"]
    saved = service.save_model("  Réseau   partenaire ", ["number", "holder", "complete"])
    assert saved.name == "Réseau partenaire"
    assert [m.name for m in service.models()] == ["Modèle complet", "Réseau partenaire"]
    preview = service.preview(C1Filters(), service.model("réseau partenaire"))
    assert preview.headers == ("N° dossier", "Porteur de projet", "Dossier complet")
    for name, columns, message in (
        ("", ["number"], "nom"),
        ("Modèle complet", ["number"], "modèle de Dossia"),
        ("X", [], "au moins une colonne"),
        ("X", ["cout_total"], "inconnue"),
        ("X", ["number", "number"], "deux fois"),
    ):
        with pytest.raises(DomainError, match=message):
            service.save_model(name, columns)
    service.delete_model("Réseau partenaire")
    assert [m.name for m in service.models()] == ["Modèle complet"]
    with pytest.raises(DomainError, match="Aucun modèle"):
        service.model("Réseau partenaire")


def test_the_right_is_checked_and_each_export_audited(workspace, login_as, tmp_path):
    broker = login_as("slegrand")
    with pytest.raises(PermissionDenied):
        broker.c1_exports.preview(C1Filters(), default_model())
    with pytest.raises(PermissionDenied):
        broker.c1_exports.export(C1Filters(), default_model(), tmp_path / "c1.csv")
    assert not (tmp_path / "c1.csv").exists()
    manager = login_as("pmoreau")
    manager.c1_exports.export(
        C1Filters(statuses=frozenset({"abandoned"})), default_model(), tmp_path / "c1.csv"
    )
    events = workspace.settings.audit_events(action=AuditAction.C1_EXPORTED)
    assert len(events) == 1 and events[0].user_login == "pmoreau"
    assert "Abandonné" in events[0].details and "c1.csv" in events[0].details


def test_a_cancelled_export_leaves_no_file_and_the_previous_one_intact(workspace, tmp_path):
    service = workspace.c1_exports
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    target = tmp_path / "c1.xlsx"
    # Cancelled while the demo's TAEG are worked out (before any row): nothing written.
    with pytest.raises(Cancelled, match="aucun fichier"):
        service.export(C1Filters(), default_model(), target, cancelled=lambda: True)
    assert not target.exists() and not list(tmp_path.iterdir())
    service.preview(C1Filters(), default_model())  # they are worked out: cancel in the rows
    for previous in (None, b"the export of last month"):
        if previous is not None:
            target.write_bytes(previous)
        seen = []
        with pytest.raises(Cancelled):
            service.export(
                C1Filters(),
                default_model(),
                target,
                progress=lambda done, total, seen=seen: seen.append((done, total)),
                cancelled=lambda seen=seen: bool(seen),
            )
        assert seen and seen[0][1] == TEMPLATE_DOSSIERS
        assert (target.read_bytes() if target.exists() else None) == previous
        assert [p.name for p in tmp_path.iterdir()] == ([target.name] if previous else [])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_target_that_cannot_be_written_says_so_in_french(workspace, tmp_path):
    folder = tmp_path / "lecture seule"
    folder.mkdir()
    (folder / "c1.csv").write_text("ancien")
    folder.chmod(0o500)
    try:
        with pytest.raises(DomainError, match=r"accès refusé.*intact") as error:
            workspace.c1_exports.export(C1Filters(), default_model(), folder / "c1.csv")
        assert error.value.field == "target"
        assert (folder / "c1.csv").read_text() == "ancien"
    finally:
        folder.chmod(0o700)


def test_a_target_that_cannot_be_written_leaves_the_previous_file(workspace, tmp_path, monkeypatch):
    """The same on any account, root included: the disk refuses (full) while writing."""
    import errno

    from app.exports import c1_files

    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    target = tmp_path / "c1.csv"
    target.write_text("ancien")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(c1_files.csv, "writer", full)
    with pytest.raises(DomainError, match=r"disque est plein.*intact"):
        workspace.c1_exports.export(C1Filters(), default_model(), target)
    assert target.read_text() == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["c1.csv"]


def _cli(db: str, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOSSIA_PASSWORD": password}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export-c1", "--db", db, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.file_only("SQLite's write lock held by another program")
def test_a_busy_database_is_exit_code_5_whatever_step_meets_it(workspace, tmp_path):
    """A scheduled export that finds the office busy (another program writing the whole
    time) says so with its own exit code, from the login to the TAEG worked out first."""
    import sqlite3

    paths = workspace.paths
    workspace.close()
    holder = sqlite3.connect(paths.database)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held while the command runs
    try:
        busy = _cli(str(paths.database), "--user", "pmoreau", "--out", str(tmp_path / "c1.csv"))
    finally:
        holder.rollback()
        holder.close()
    assert busy.returncode == 5, busy.stderr
    assert "Traceback" not in busy.stderr and not (tmp_path / "c1.csv").exists()


def test_the_command_line_for_a_scheduled_task(workspace, tmp_path):
    db = db_argument(workspace)
    detail = new_dossier(workspace, "Lefort", "Anne")
    workspace.dossiers.abandon(detail.id, detail.version, AbandonReason.COMPETITION, "")
    workspace.close()
    done = _cli(
        db,
        "--user",
        "pmoreau",
        "--out",
        str(tmp_path / "c1.csv"),
        "--status",
        "abandoned",
        "--complete",
        "no",
        "--from",
        "01/01/2000",
    )
    assert done.returncode == 0, done.stderr
    assert "dossier(s)" in done.stdout
    with open(tmp_path / "c1.csv", encoding="utf-8-sig") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert {row[1] for row in rows[1:]} == {"Abandonné"}
    assert detail.number in {row[0] for row in rows}
    nothing = _cli(
        db, "--user", "pmoreau", "--out", str(tmp_path / "n.xlsx"), "--from", "01/01/2090"
    )
    assert nothing.returncode == 3 and "Aucun dossier" in nothing.stderr
    assert not (tmp_path / "n.xlsx").exists()
    for args, message in (
        (("--out", str(tmp_path / "x.csv")), "--user"),
        (("--user", "slegrand", "--out", str(tmp_path / "x.csv")), "(exporter c1)"),
        (("--user", "pmoreau", "--out", str(tmp_path / "x.txt")), ".xlsx"),
        (("--user", "pmoreau", "--out", str(tmp_path / "x.csv"), "--broker", "nobody"), "nobody"),
        (("--user", "pmoreau", "--out", str(tmp_path / "x.csv"), "--from", "32/01/2026"), "--from"),
    ):
        refused = _cli(db, *args)
        assert refused.returncode == 2, (args, refused.stderr)
        assert message in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "x.csv").exists()
    usage = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export-c1", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert "Codes de sortie" in usage.stdout and "--date-field" in usage.stdout


def test_missing_documents_as_the_documents_tab_counts_them(workspace, tmp_path):
    """«Pièces manquantes»: what the dossier's checklist still waits for — not what a file
    answers nor what was ticked by hand — the same as its «Documents» tab."""
    from app.exports.c1 import ExportModel

    detail = new_dossier(workspace, "Morel", "Inès")
    info = workspace.documents.list(detail.id)
    first, second = info.checklist[0].item, info.checklist[1].item
    info = workspace.documents.tick(detail.id, info.version, first.key, True)
    source = tmp_path / "avis.pdf"
    source.write_bytes(b"%PDF-1.4 avis")
    workspace.documents.attach(detail.id, info.version, [source], second.folder, second.key)
    waited = [s.item.text for s in workspace.documents.list(detail.id).checklist if not s.received]
    model = ExportModel("Pièces", ("number", "missing"))
    rows = workspace.c1_exports.preview(C1Filters(start=detail.created_on), model).rows
    missing = next(row[1] for row in rows if row[0] == detail.number)
    assert missing.split(" ; ") == waited
    assert first.text not in missing and second.text not in missing
    assert "MOREL Inès" in missing


def test_no_file_without_its_audit_line(workspace, tmp_path, monkeypatch):
    """The file takes its name only once the export is audited: a database that cannot
    record it (busy, full) leaves no file, and the previous one intact."""
    from app.errors import StorageError
    from app.exports import c1_service

    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "c1.xlsx"
    target.write_bytes(b"last month")

    def busy(*_args, **_kwargs):
        raise StorageError("La base de données est occupée par un autre programme.")

    monkeypatch.setattr(c1_service.audit, "record", busy)
    with pytest.raises(StorageError):
        workspace.c1_exports.export(C1Filters(), default_model(), target)
    assert target.read_bytes() == b"last month"
    assert [p.name for p in folder.iterdir()] == ["c1.xlsx"]


def test_a_full_disk_under_excel_says_so_in_french(workspace, tmp_path, monkeypatch):
    import errno

    import xlsxwriter

    folder = tmp_path / "exports"
    folder.mkdir()

    def full(self):  # the disk fills as XlsxWriter's own close() writes the file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "_store_workbook", full)
    with pytest.raises(DomainError, match="disque est plein") as error:
        workspace.c1_exports.export(C1Filters(), default_model(), folder / "c1.xlsx")
    assert error.value.field == "target"
    assert list(folder.iterdir()) == []


def test_cancelled_at_the_last_moment_writes_nothing(workspace, tmp_path):
    """«Annuler» once every row is read, while the file is being finished: no file, no
    audit line."""
    folder = tmp_path / "exports"
    folder.mkdir()
    done = []
    with pytest.raises(Cancelled):
        workspace.c1_exports.export(
            C1Filters(),
            default_model(),
            folder / "c1.csv",
            progress=lambda rows, total: done.append(rows == total),
            cancelled=lambda: any(done),
        )
    assert list(folder.iterdir()) == []
    assert not workspace.settings.audit_events(action=AuditAction.C1_EXPORTED)


def test_rights_taken_away_narrow_the_next_export(workspace, tmp_path):
    """«Voir tous les dossiers» withdrawn while the user is logged in: his next export holds
    only his own dossiers (the rights are read again, not those of the login)."""
    from app.office.office import NewUser
    from app.workspace import OfficeDatabase

    rights = frozenset({Right.EXPORT_C1, Right.VIEW_ALL_DOSSIERS})
    roles = workspace.roles.create_role("Contrôle", rights)
    role = next(r for r in roles if r.name == "Contrôle")
    workspace.users.create_user(NewUser("ctrl", "Camille", "Contrôle", "motdepasse-1"), role.id)
    office = OfficeDatabase(location_of(workspace))
    user = office.workspace_for(office.authenticate("ctrl", "motdepasse-1"))
    try:
        assert user.c1_exports.export(C1Filters(), default_model(), tmp_path / "a.csv").rows > 0
        workspace.roles.update_role(role.id, "Contrôle", frozenset({Right.EXPORT_C1}))
        assert user.c1_exports.export(C1Filters(), default_model(), tmp_path / "b.csv").rows == 0
    finally:
        user.close()


def test_model_names_are_one_whatever_their_case(workspace):
    service = workspace.c1_exports
    service.save_model("Réseau", ["number"])
    service.save_model("réseau", ["number", "holder"])
    assert [m.name for m in service.models()] == ["Modèle complet", "réseau"]
    assert service.model("RÉSEAU").columns == ("number", "holder")
    with pytest.raises(DomainError, match="modèle de Dossia"):
        service.save_model("modèle COMPLET", ["number"])


def test_missing_documents_match_every_dossiers_documents_tab(workspace):
    """Every dossier of the office, couples included, lacks in the export exactly what its
    «Documents» tab says it lacks — with a piece whose name holds braces and a per-borrower
    one added by the office."""
    from app.exports.c1 import ExportModel
    from models.enums import RequirementRule

    documents = workspace.documents
    documents.save_requirement(None, "Relevé {compte} joint", RequirementRule.PER_BORROWER)
    documents.save_requirement(None, "Attestation {x}", RequirementRule.ONCE)
    model = ExportModel("Pièces", ("number", "missing", "co_borrower"))
    rows = workspace.c1_exports.preview(C1Filters(), model).rows
    assert len(rows) == TEMPLATE_DOSSIERS
    couples = 0
    for number, missing, co in rows:
        dossier_id = workspace.simulations.dossier_numbered(number)
        waited = [s.item.text for s in documents.list(dossier_id).checklist if not s.received]
        assert (missing.split(" ; ") if missing else []) == waited, number
        couples += bool(co)
        assert "{" not in missing.replace("{compte}", "").replace("{x}", "")
    assert couples, "the template office holds couples"
