"""«Migrer vers le serveur» (issue 11): the file office copied to an empty server database in
one verified transaction, the file kept read-only and saying where the office went."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.dossier.dossier_service import NewDossier
from app.errors import DomainError, PermissionDenied
from app.startup import OfficeState, open_office
from app.storage import server_migration
from app.storage.moved import MOVED_NAME
from app.workspace import OfficeDatabase
from models.audit import AuditEvent
from models.dossier import Document, Dossier
from models.enums import AuditAction, DossierStatus
from tests import postgres_server
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("server")


@pytest.fixture
def server():
    postgres_server.server_url()  # skips (or fails, when required) without a server


@pytest.fixture
def empty_server():
    with postgres_server.fresh_database() as location:
        yield location


def _tables_on(location) -> int:
    with postgres_server.engine_on(location) as engine, engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        ).scalar_one()


def test_the_office_moves_whole_verified_and_the_file_stays_as_a_backup(
    workspace, paths, empty_server, first_provenance
):
    with workspace.database.read() as session:
        dossiers = session.scalar(select(func.count()).select_from(Dossier))
        highest = session.scalar(select(func.max(Dossier.id)))
    steps: list[tuple[int, int]] = []

    migrated = workspace.migration.migrate(
        empty_server, PASSWORD, lambda done, total: steps.append((done, total)) or True
    )

    # Every table verified, the progress reaching its end.
    assert all(table.same for table in migrated.copy.tables)
    names = {table.name for table in migrated.copy.tables}
    assert {"dossiers", "users", "audit_events", "invoices"} <= names
    assert steps[-1][0] == steps[-1][1] > 0
    report = migrated.report.read_text(encoding="utf-8")
    assert "rapport de migration" in report and "identique" in report
    assert "DIFFÉRENTE" not in report and migrated.server in report
    # The office opens on the server, the same users logging in with the same passwords.
    office = OfficeDatabase(empty_server)
    try:
        broker = office.workspace_for(office.authenticate("slegrand", PASSWORD))
        with broker.database.read() as session:
            assert session.scalar(select(func.count()).select_from(Dossier)) == dossiers
            event = session.scalars(
                select(AuditEvent).where(AuditEvent.action == AuditAction.OFFICE_MIGRATED)
            ).one()
            assert event.user_login == "admin"
        # A dossier created on the server gets a new id and the next number of its year.
        admin = office.workspace_for(office.authenticate("admin", PASSWORD))
        created = admin.dossiers.create(
            NewDossier(DossierStatus.CLIENT, "APRÈS", "Léa", admin.user.id, first_provenance)
        )
        assert created.id > highest
    finally:
        office.close()
    # The file: kept read-only, and a start on it says where the office went.
    assert not os.stat(paths.database).st_mode & stat.S_IWUSR
    opening = open_office(paths)
    assert opening.state is OfficeState.UNUSABLE
    assert "migré vers le serveur" in opening.message
    assert opening.moved_to == migrated.server and "secret" not in opening.message


def test_a_database_holding_an_office_is_refused_and_nothing_moves(
    workspace, paths, server_template_db
):
    with (
        postgres_server.fresh_database(server_template_db) as occupied,
        pytest.raises(DomainError, match="base vide"),
    ):
        workspace.migration.migrate(occupied, PASSWORD)
    assert not (paths.folder / MOVED_NAME).exists()
    assert open_office(paths).state is OfficeState.READY


def test_only_an_administrator_migrates_with_the_right_password(login_as, empty_server):
    with pytest.raises(PermissionDenied):
        login_as("slegrand").migration.migrate(empty_server, PASSWORD)
    with pytest.raises(DomainError, match="Mot de passe incorrect"):
        login_as("admin").migration.migrate(empty_server, "pas le bon")
    assert _tables_on(empty_server) == 0


def test_annuler_or_a_difference_leaves_the_server_empty_and_the_file_as_it_was(
    workspace, paths, empty_server, monkeypatch
):
    with pytest.raises(server_migration.MigrationCancelled):
        workspace.migration.migrate(empty_server, PASSWORD, lambda done, total: done < total // 3)
    assert _tables_on(empty_server) == 0
    assert open_office(paths).state is OfficeState.READY

    # A row lost on the way (read back one short): the verification refuses the commit.
    reading = server_migration._server_rows

    def one_short(target, table):
        for batch in reading(target, table):
            yield batch[:-1] if table.name == "comments" and batch else batch

    monkeypatch.setattr(server_migration, "_server_rows", one_short)
    office = OfficeDatabase(paths)
    try:
        admin = office.workspace_for(office.authenticate("admin", PASSWORD))
        with pytest.raises(server_migration.VerificationFailed, match="comments"):
            admin.migration.migrate(empty_server, PASSWORD)
    finally:
        office.close()
    assert _tables_on(empty_server) == 0
    assert not (paths.folder / MOVED_NAME).exists()
    assert os.stat(paths.database).st_mode & stat.S_IWUSR


def test_another_dossia_open_on_the_data_refuses_the_migration(login_as, empty_server):
    login_as("pmoreau")  # another window on the same data (its own session mark)
    with pytest.raises(DomainError, match="ouvert ailleurs"):
        login_as("admin").migration.migrate(empty_server, PASSWORD)
    assert _tables_on(empty_server) == 0


def _migrate_command(paths, location) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "migrate-to-server",
            "--db",
            str(paths.database),
            "--user",
            "admin",
            location.url,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DOSSIA_PASSWORD": PASSWORD},
        timeout=120,
        check=False,
    )


def test_the_command_migrates_and_reports(paths, empty_server):
    done = _migrate_command(paths, empty_server)
    assert done.returncode == 0, done.stderr
    assert "toutes vérifiées" in done.stdout and "Rapport :" in done.stdout
    assert "document(s)" in done.stdout
    again = _migrate_command(paths, empty_server)
    assert again.returncode == 2 and "migré vers le serveur" in again.stderr


@pytest.fixture
def with_files(paths, template_db):
    """The office with its document files (the samples its dossiers refer to), and a logo."""
    shutil.copytree(template_db.parent / "documents", paths.documents)
    return paths


def _documents_read_on(location):
    """Each document's bytes as the server office gives them to a broker, by content hash."""
    office = OfficeDatabase(location)
    try:
        workspace = office.workspace_for(office.authenticate("admin", PASSWORD))
        with workspace.database.read() as session:
            documents = session.execute(
                select(Document.id, Document.dossier_id, Document.content_hash)
            ).all()
        contents = {}
        for document_id, _dossier, content_hash in documents:
            content = workspace.documents.content(document_id)[0]
            contents[content_hash] = bytes(content) if content is not None else None
        return contents
    finally:
        office.close()


def _files_by_hash(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found[hashlib.sha256(content).hexdigest()] = content
    return found


def test_the_documents_move_into_the_server_database_checked_one_by_one(
    with_files, empty_server, tmp_path
):
    files = _files_by_hash(with_files.documents)
    office = OfficeDatabase(with_files)
    try:
        admin = office.workspace_for(office.authenticate("admin", PASSWORD))
        # One document's file gone from this computer: its row moves, its name is reported.
        with admin.database.read() as session:
            lost = session.execute(
                select(Document.content_hash, Document.title).order_by(Document.id)
            ).first()
        (with_files.documents / lost.content_hash[:2] / lost.content_hash).unlink()
        migrated = admin.migration.migrate(empty_server, PASSWORD)
    finally:
        office.close()
    assert migrated.copy.documents.count == len(files) - 1
    assert migrated.copy.documents.size == sum(
        len(content) for key, content in files.items() if key != lost.content_hash
    )
    report = migrated.report.read_text(encoding="utf-8")
    assert "Documents absents de ce poste (" in report and lost.title in report
    read = _documents_read_on(empty_server)
    assert read[lost.content_hash] is None  # said missing there as it was here
    for content_hash, content in read.items():
        if content_hash != lost.content_hash:
            assert content == files[content_hash]


def test_an_encrypted_office_moves_its_documents_decrypted(with_files, empty_server):
    files = _files_by_hash(with_files.documents)
    office = OfficeDatabase(with_files)
    admin = office.workspace_for(office.authenticate("admin", PASSWORD))
    admin.encryption.encrypt(PASSWORD)
    office.close()
    assert not _files_by_hash(with_files.documents).keys() & files.keys()  # encrypted now
    office = OfficeDatabase(with_files)
    try:
        admin = office.workspace_for(office.authenticate("admin", PASSWORD))
        migrated = admin.migration.migrate(empty_server, PASSWORD)
    finally:
        office.close()
    assert all(table.same for table in migrated.copy.tables)
    assert migrated.copy.documents.count == len(files) and not migrated.copy.documents.missing
    read = _documents_read_on(empty_server)
    assert read and all(content == files[key] for key, content in read.items())


def test_a_document_altered_on_this_computer_stops_the_migration(with_files, empty_server):
    victim = next(path for path in with_files.documents.rglob("*") if path.is_file())
    victim.write_bytes(victim.read_bytes() + b"altered")
    office = OfficeDatabase(with_files)
    try:
        admin = office.workspace_for(office.authenticate("admin", PASSWORD))
        with pytest.raises(DomainError, match="n'est pas celui que sa ligne"):
            admin.migration.migrate(empty_server, PASSWORD)
    finally:
        office.close()
    assert _tables_on(empty_server) == 0


def test_a_dossia_opened_during_the_copy_stops_it_before_the_commit(paths, empty_server):
    office = OfficeDatabase(paths)
    admin = office.workspace_for(office.authenticate("admin", PASSWORD))
    late: list[OfficeDatabase] = []

    def progress(done: int, total: int) -> bool:
        if not late and done > total // 2:  # another window opens meanwhile
            late.append(OfficeDatabase(paths))
        return True

    try:
        with pytest.raises(DomainError, match="pendant la copie"):
            admin.migration.migrate(empty_server, PASSWORD, progress)
    finally:
        for other in late:
            other.close()
        office.close()
    assert _tables_on(empty_server) == 0
    assert not (paths.folder / MOVED_NAME).exists()
    assert open_office(paths).state is OfficeState.READY


def test_the_file_is_marked_before_the_commit_and_a_failed_report_changes_nothing(
    workspace, paths, empty_server, monkeypatch
):
    from app.office import migration_service

    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(migration_service.MigrationService, "_write_report_to", full_disk)
    migrated = workspace.migration.migrate(empty_server, PASSWORD)
    assert migrated.report is None and all(table.same for table in migrated.copy.tables)
    assert open_office(paths).state is OfficeState.UNUSABLE  # the file says where it went


def test_a_value_the_server_refuses_is_named_without_showing_it(workspace, paths, empty_server):
    # A NUL character (pasted from a broken PDF): a file keeps it, PostgreSQL's text cannot.
    with workspace.database.write() as session:
        session.execute(text("UPDATE borrowers SET city = :city"), {"city": "Sec\x00ret-ville"})
    with pytest.raises(DomainError) as refused:
        workspace.migration.migrate(empty_server, PASSWORD)
    message = refused.value.message
    assert "« borrowers »" in message and "rien n'a été écrit" in message
    assert "Sec" not in message and "ville" not in message
    assert _tables_on(empty_server) == 0
    assert not (paths.folder / MOVED_NAME).exists()


def test_amounts_above_21_million_euros_fit_on_the_server(workspace, empty_server):
    """PostgreSQL's INTEGER stops at 21,474,836.47 €; amounts are BIGINT there (0030), and
    their sums come back as ints (not the NUMERIC PostgreSQL's sum() of a BIGINT gives)."""
    with workspace.database.write() as session:
        session.execute(text("UPDATE projects SET price_cents = 2500000000"))  # 25 M€
        session.execute(text("UPDATE invoices SET total_cents = 2500000000 WHERE id = 1"))
    migrated = workspace.migration.migrate(empty_server, PASSWORD)
    assert all(table.same for table in migrated.copy.tables)
    with postgres_server.engine_on(empty_server) as engine, engine.connect() as connection:
        highest = connection.execute(text("SELECT max(price_cents) FROM projects")).scalar()
    assert highest == 2500000000
    office = OfficeDatabase(empty_server)
    try:
        admin = office.workspace_for(office.authenticate("admin", PASSWORD))
        with admin.database.read() as session:
            from models.base import money_sum
            from models.office import Invoice

            total = session.scalar(select(money_sum(Invoice.total_cents)))
        assert isinstance(total, int) and total >= 2500000000
    finally:
        office.close()
