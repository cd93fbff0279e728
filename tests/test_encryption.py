"""Encrypted offices (issue 16): the files on disk give nothing away, the keys follow the
users, and a backup opens on a new computer with a password or the recovery key."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from app import startup
from app.crypto import unlocked
from app.crypto.keyfile import key_file_path, read_key_file
from app.errors import DamagedDocument, DomainError, UnlockRefused
from app.listing import ListQuery
from app.office.office import NewUser
from app.paths import DataPaths
from app.startup import OfficeState
from app.storage.backup_files import BackupKind, backup_now
from app.workspace import OfficeDatabase
from tests.test_demo_and_cli import run_main

PASSWORD = "demo"
DOSSIERS = 30


@pytest.fixture(scope="module")
def encrypted_template(tmp_path_factory) -> tuple[Path, str]:
    """A demo office created encrypted, as `main.py demo` does (its recovery key kept)."""
    folder = tmp_path_factory.mktemp("encrypted")
    paths = DataPaths(folder / "dossia.sqlite3")
    result = startup.create_demo_office(paths, DOSSIERS, seed=3, password=PASSWORD)
    assert result.recovery_key is not None
    return paths.database, result.recovery_key.text()


@pytest.fixture
def office(tmp_path, encrypted_template) -> DataPaths:
    """A copy of the encrypted office (its key file with it), locked: nobody typed a
    password in this process yet."""
    database, _recovery = encrypted_template
    target = tmp_path / "office" / "dossia.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(database, target)
    shutil.copyfile(key_file_path(database), key_file_path(target))
    shutil.copytree(database.parent / "documents", target.parent / "documents")
    unlocked.forget_all()
    yield DataPaths(target)
    unlocked.forget_all()


def demo_words(database: Path) -> list[bytes]:
    """Names and e-mails of the demo's borrowers and users, read from the unlocked office."""
    office = OfficeDatabase(DataPaths(database))
    try:
        rows = office._store.listing.connection.execute(
            "SELECT last_name, email FROM borrowers WHERE email IS NOT NULL LIMIT 20"
        ).fetchall()
        users = office._store.listing.connection.execute("SELECT last_name FROM users").fetchall()
    finally:
        office.close()
    words = {value for row in rows for value in row if value and len(value) > 4}
    words |= {row[0] for row in users if len(row[0]) > 4}
    assert len(words) > 10
    return [word.encode() for word in words]


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_a_new_demo_office_is_encrypted_and_its_files_hold_no_name(office, encrypted_template):
    assert startup.open_office(office).state is OfficeState.LOCKED
    startup.unlock_office(office, "admin", PASSWORD)
    assert startup.open_office(office).state is OfficeState.READY
    words = demo_words(office.database)
    # A write leaves pages in the WAL; a backup is made in the backups folder.
    workspace = OfficeDatabase(office)
    session = workspace.workspace_for(workspace.authenticate("admin", PASSWORD))
    backup = session.backups.back_up()
    wal = office.database.with_name(office.database.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    database_files = [office.database, wal, backup.path]
    for path in database_files:
        data = path.read_bytes()
        assert not data.startswith(b"SQLite format 3"), path
        found = [word for word in words if word in data]
        assert not found, (path, found)
    assert key_file_path(backup.path).is_file()  # the backup carries its keys
    assert b"admin" in key_file_path(backup.path).read_bytes()  # logins, not secrets
    session.close()
    # The standard library's SQLite sees nothing but noise.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(office.database).execute("SELECT * FROM sqlite_master").fetchall()


def test_the_wrong_password_or_a_missing_key_file_opens_nothing(office):
    with pytest.raises(UnlockRefused) as refused:
        startup.unlock_office(office, "admin", "not the password")
    assert refused.value.message == (
        "Mot de passe incorrect ou clé de chiffrement absente pour cet utilisateur."
    )
    assert startup.open_office(office).state is OfficeState.LOCKED
    with pytest.raises(DomainError, match="chiffrées"):
        OfficeDatabase(office)
    key_file_path(office.database).rename(office.folder / "elsewhere.keys")
    opening = startup.open_office(office)
    assert opening.state is OfficeState.DAMAGED  # without its key file: noise on disk
    with pytest.raises(DomainError, match=r"fichier de clés .* est absent"):
        startup.unlock_office(office, "admin", PASSWORD)


def test_users_keys_follow_password_changes_resets_and_deactivations(office):
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    users = {row.login: row for row in admin.users.users()}
    keys = key_file_path(office.database)

    admin.users.reset_password(users["slegrand"].id, "Nouveau-mot-2026")
    admin.users.set_active(users["kbenali"].id, False)
    roles = admin.users.roles()
    admin.users.create_user(
        NewUser("nmartin", "Noé", "Martin", "Bienvenue-2026!", is_broker=True), roles[-1].id
    )
    admin.close()
    key_file = read_key_file(keys)
    assert not key_file.has_user("kbenali")  # destroyed: their password opens nothing
    assert key_file.has_user("nmartin")
    unlocked.forget_all()
    with pytest.raises(UnlockRefused):
        startup.unlock_office(office, "slegrand", PASSWORD)  # the old password no longer
    with pytest.raises(UnlockRefused):
        startup.unlock_office(office, "kbenali", PASSWORD)
    startup.unlock_office(office, "slegrand", "Nouveau-mot-2026")
    unlocked.forget_all()
    startup.unlock_office(office, "nmartin", "Bienvenue-2026!")

    # A user's own change; a reactivation needs a new password first (the key is gone).
    database = OfficeDatabase(office)
    slegrand = database.workspace_for(database.authenticate("slegrand", "Nouveau-mot-2026"))
    slegrand.users.change_own_password("Nouveau-mot-2026", "Encore-autre-2026", "Encore-autre-2026")
    slegrand.close()
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    with pytest.raises(DomainError, match="Réinitialiser le mot de passe"):
        admin.users.set_active(users["kbenali"].id, True)
    admin.users.reset_password(users["kbenali"].id, "Retour-2026-ok")
    admin.users.set_active(users["kbenali"].id, True)
    admin.close()
    unlocked.forget_all()
    startup.unlock_office(office, "slegrand", "Encore-autre-2026")
    unlocked.forget_all()
    startup.unlock_office(office, "kbenali", "Retour-2026-ok")


def test_a_failed_transaction_puts_the_key_file_back(office, monkeypatch):
    from sqlalchemy.orm import Session

    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    target = next(row for row in admin.users.users() if row.login == "jfaure")
    before = key_file_path(office.database).read_bytes()

    def failing_commit(self):
        raise OSError("disk gone")

    monkeypatch.setattr(Session, "commit", failing_commit)
    with pytest.raises(OSError):
        admin.users.reset_password(target.id, "Jamais-enregistre-1")
    monkeypatch.undo()
    admin.close()
    assert key_file_path(office.database).read_bytes() == before
    unlocked.forget_all()
    startup.unlock_office(office, "jfaure", PASSWORD)  # the old password still opens


def test_the_recovery_key_restores_a_backup_on_a_new_computer(office, encrypted_template, tmp_path):
    _database, recovery = encrypted_template
    startup.unlock_office(office, "admin", PASSWORD)
    backup = backup_now(office, BackupKind.MANUAL, folder=tmp_path / "usb")
    words = demo_words(office.database)
    for path in files_under(tmp_path / "usb"):
        if path.suffix != ".keys" and "documents" not in path.parts:
            data = path.read_bytes()
            assert not [w for w in words if w in data], path
    unlocked.forget_all()
    kit = tmp_path / "kit.txt"
    kit.write_text(recovery.lower().replace("-", " ") + "\n")  # typed loosely
    new_computer = tmp_path / "new-pc" / "dossia.sqlite3"

    refused = run_main(
        "--db",
        str(new_computer),
        "restore",
        "--from",
        str(backup.path),
        env={"DOSSIA_PASSWORD": ""},
    )
    assert refused.returncode == 2
    assert "chiffrées" in refused.stderr and "--recovery-key" in refused.stderr
    assert not new_computer.exists()

    done = run_main(
        "--db", str(new_computer), "--recovery-key", str(kit), "restore", "--from", str(backup.path)
    )
    assert done.returncode == 0, done.stderr
    assert key_file_path(new_computer).is_file()
    new_paths = DataPaths(new_computer)
    assert startup.open_office(new_paths).state is OfficeState.LOCKED
    # On the new computer, each user's own password opens it (the keys came along).
    exported = run_main(
        "--db",
        str(new_computer),
        "export-c1",
        "--user",
        "pmoreau",
        "--out",
        str(tmp_path / "c1.csv"),
        env={"DOSSIA_PASSWORD": PASSWORD},
    )
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "c1.csv").read_text(encoding="utf-8-sig").count("\n") > DOSSIERS


def test_command_line_backup_of_an_encrypted_office_asks_for_a_password(office, tmp_path):
    target = tmp_path / "copie.sqlite3"
    refused = run_main("--db", str(office.database), "backup", "--out", str(target))
    assert refused.returncode == 2
    assert "chiffrées" in refused.stderr
    wrong = run_main(
        "--db",
        str(office.database),
        "--user",
        "admin",
        "backup",
        "--out",
        str(target),
        env={"DOSSIA_PASSWORD": "faux"},
    )
    assert wrong.returncode == 2
    assert "Mot de passe incorrect" in wrong.stderr
    done = run_main(
        "--db",
        str(office.database),
        "--user",
        "admin",
        "backup",
        "--out",
        str(target),
        env={"DOSSIA_PASSWORD": PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    assert key_file_path(target).is_file()
    assert not target.read_bytes().startswith(b"SQLite format 3")
    listed = run_main("--db", str(office.database), "backups")
    assert listed.returncode == 0


def test_demo_plain_makes_a_file_sqlite_reads(tmp_path):
    database = tmp_path / "plain" / "dossia.sqlite3"
    made = run_main("--db", str(database), "demo", "--dossiers", "5", "--plain")
    assert made.returncode == 0, made.stderr
    assert not key_file_path(database).exists()
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0] == 5


def test_demo_writes_its_recovery_kit_and_the_kit_opens_the_office(tmp_path):
    from pypdf import PdfReader

    database = tmp_path / "demo" / "dossia.sqlite3"
    kit = tmp_path / "kit.pdf"
    made = run_main("--db", str(database), "demo", "--dossiers", "3", "--recovery-kit", str(kit))
    assert made.returncode == 0, made.stderr
    assert "Kit de secours" in made.stdout
    assert (kit.stat().st_mode & 0o077) == 0
    text = PdfReader(kit).pages[0].extract_text()
    block = text.split("établie le", 1)[1].split("caractères en", 1)[0].splitlines()
    groups = [c for line in block if re.fullmatch(r"[0-9A-Z]{4}", c := line.replace(" ", ""))]
    assert len(groups) == 14
    unlocked.forget_all()
    with pytest.raises(DomainError):
        startup.unlock_with_recovery(database, "-".join(groups[1:15]))  # one group off
    startup.unlock_with_recovery(database, " ".join(groups[:14]))
    assert startup.open_office(DataPaths(database)).state is OfficeState.READY
    unlocked.forget_all()


SECRET_TEXT = b"Avis d'imposition de M. Confidentiel, revenu fiscal 48 213 euros"


def test_documents_are_encrypted_on_disk_and_read_back_in_memory(office, tmp_path):
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    dossier_id = workspace.list_ids(ListQuery())[0]
    detail = workspace.dossiers.get(dossier_id)
    source = tmp_path / "avis.pdf"
    source.write_bytes(b"%PDF-1.4\n" + SECRET_TEXT)
    content_hash = hashlib.sha256(source.read_bytes()).hexdigest()
    attached = workspace.documents.attach(detail.id, detail.version, [source])
    document_id = attached.changed_ids[0]

    stored = files_under(office.documents)
    assert stored, "the demo's samples and the new document are stored"
    for path in stored:
        data = path.read_bytes()
        assert not data.startswith(b"%PDF") and b"Confidentiel" not in data, path
        assert b"DEMONSTRATION" not in data.upper(), path
        assert path.name != content_hash  # a keyed name: the sha256 tells nothing
    content, filename = workspace.documents.content(document_id)
    assert content == source.read_bytes() and filename == "avis.pdf"
    viewed = workspace.documents.copy_for_viewing(document_id)
    assert viewed.read_bytes() == source.read_bytes()
    assert viewed.name == "avis.pdf" and (viewed.stat().st_mode & 0o777) == 0o400

    # A backup copies the encrypted files as they are; restored on a new computer with a
    # user's password, the document reads the same.
    backup = workspace.backups.back_up(tmp_path / "usb")
    workspace.close()
    for path in files_under(tmp_path / "usb"):
        assert SECRET_TEXT not in path.read_bytes(), path
    unlocked.forget_all()
    new_computer = DataPaths(tmp_path / "new-pc" / "dossia.sqlite3")
    done = run_main(
        "--db",
        str(new_computer.database),
        "--user",
        "slegrand",
        "restore",
        "--from",
        str(backup.path),
        env={"DOSSIA_PASSWORD": PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    startup.unlock_office(new_computer, "admin", PASSWORD)
    restored = OfficeDatabase(new_computer)
    workspace = restored.workspace_for(restored.authenticate("admin", PASSWORD))
    assert workspace.documents.content(document_id)[0] == source.read_bytes()
    workspace.close()


def test_an_altered_document_file_is_refused_not_shown(office, tmp_path):
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    detail = workspace.dossiers.get(workspace.list_ids(ListQuery())[0])
    before = set(files_under(office.documents))
    source = tmp_path / "releve.pdf"
    source.write_bytes(b"%PDF-1.4\n" + SECRET_TEXT * 10)
    document_id = workspace.documents.attach(detail.id, detail.version, [source]).changed_ids[0]
    (stored,) = set(files_under(office.documents)) - before
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.chmod(0o600)
    stored.write_bytes(bytes(data))
    with pytest.raises(DamagedDocument) as refused:
        workspace.documents.content(document_id)
    assert "endommagé" in refused.value.message or "intégrité" in refused.value.message
    with pytest.raises(DamagedDocument):
        workspace.documents.copy_for_viewing(document_id)
    assert not [p for p in files_under(office.viewing) if p.is_file()]
    workspace.close()


def test_rotation_takes_an_old_backups_keys_with_it_and_prunes_by_stored_names(office):
    import datetime as dt

    from app.storage.backups import prune_documents, rotate

    startup.unlock_office(office, "admin", PASSWORD)
    today = dt.date(2026, 12, 1)
    old = backup_now(office, BackupKind.AUTOMATIC, now=dt.datetime(2026, 11, 20, 9, 0))
    new = backup_now(office, BackupKind.AUTOMATIC, now=dt.datetime(2026, 12, 1, 9, 0))
    stray = office.backups / "documents" / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"left by nothing")
    referenced = {p for p in files_under(office.backups / "documents") if p != stray}
    assert referenced
    assert rotate(office.backups, today, daily=1, weekly=0, monthly=0) == [old.path]
    assert not old.path.exists() and not key_file_path(old.path).exists()
    assert new.path.exists() and key_file_path(new.path).exists()
    assert not stray.exists()  # no backup refers to it
    assert set(files_under(office.backups / "documents")) == referenced  # the kept one's

    # Locked (another process, nobody logged in): nothing is deleted on doubt.
    unlocked.forget_all()
    stray.write_bytes(b"left by nothing")
    assert prune_documents(office.backups) == []
    assert stray.exists()


def test_the_window_opens_an_encrypted_office_with_the_password_given(office):
    """`--user` with $DOSSIA_PASSWORD: the keys are opened while Qt starts, then the window."""
    shown = run_main(
        "--db",
        str(office.database),
        "--user",
        "admin",
        "--quit-after-start",
        env={"DOSSIA_PASSWORD": PASSWORD, "DOSSIA_TRACE_STARTUP": "1"},
    )
    assert shown.returncode == 0, shown.stderr
    assert "first-paint" in shown.stdout


def test_pdfs_made_to_be_opened_do_not_stay_readable_in_an_encrypted_office(
    office, template_db, tmp_path
):
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    assert workspace.exports_folder.is_relative_to(office.viewing)
    dossier_id = workspace.list_ids(ListQuery())[0]
    target = workspace.exports_folder / "Pièces à fournir.pdf"
    workspace.documents.write_checklist(dossier_id, target)
    assert target.read_bytes().startswith(b"%PDF")
    workspace.warm_up()  # builds the documents service, as the window does
    workspace.close()
    assert not target.exists()  # the copy for the viewer goes when Dossia closes
    paths = DataPaths(tmp_path / "plain" / "dossia.sqlite3")
    paths.folder.mkdir()
    shutil.copyfile(template_db, paths.database)
    plain = OfficeDatabase(paths)
    plain_workspace = plain.workspace_for(plain.authenticate("admin", PASSWORD))
    assert plain_workspace.exports_folder == paths.folder / "exports"  # kept, as before
    plain_workspace.close()


def test_a_persons_export_holds_their_documents_in_clear(office, tmp_path):
    """The GDPR copy given to the person: their documents as they were sent, not as stored."""
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    alone = next(  # a dossier of one borrower: their documents are theirs alone
        i for i in workspace.list_ids(ListQuery()) if len(workspace.privacy.people(i)) == 1
    )
    detail = workspace.dossiers.get(alone)
    source = tmp_path / "avis.pdf"
    source.write_bytes(b"%PDF-1.4\n" + SECRET_TEXT)
    workspace.documents.attach(detail.id, detail.version, [source])
    borrower = workspace.privacy.people(detail.id)[0].borrower_id
    target = tmp_path / "export"
    target.mkdir()
    done = workspace.privacy.export_person(detail.id, borrower, target)
    (copy,) = [p for p in done.folder.rglob("*-avis.pdf") if p.is_file()]
    assert copy.read_bytes() == source.read_bytes()
    samples = [p for p in done.folder.rglob("*.pdf") if p != copy and "Documents" in p.parts]
    assert samples and all(p.read_bytes().startswith(b"%PDF") for p in samples)
    workspace.close()


def test_a_document_file_put_in_anothers_place_is_not_shown(office, tmp_path):
    """Two valid encrypted files swapped on disk: each still decrypts, but is not the
    document its row names — never handed out as it."""
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    detail = workspace.dossiers.get(workspace.list_ids(ListQuery())[0])
    sources = []
    for name in ("a.pdf", "b.pdf"):
        source = tmp_path / name
        source.write_bytes(b"%PDF-1.4\n" + name.encode() + SECRET_TEXT)
        sources.append(source)
    before = set(files_under(office.documents))
    ids = workspace.documents.attach(detail.id, detail.version, sources).changed_ids
    first, second = sorted(set(files_under(office.documents)) - before)
    data = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(data)
    for document_id in ids:
        with pytest.raises(DamagedDocument, match="remplacé ou endommagé"):
            workspace.documents.content(document_id)
        with pytest.raises(DamagedDocument):
            workspace.documents.copy_for_viewing(document_id)
    assert not [p for p in files_under(office.viewing) if p.is_file()]
    workspace.close()


def test_a_plain_backup_is_not_restored_over_an_encrypted_office(office, template_db, tmp_path):
    plain = tmp_path / "ancienne.sqlite3"
    shutil.copyfile(template_db, plain)
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    service = workspace.backups
    workspace.close()
    with pytest.raises(DomainError, match="n'est pas chiffrée"):
        service.restore(plain)
    assert key_file_path(office.database).is_file()
    assert not office.database.read_bytes().startswith(b"SQLite format 3")


def test_a_crash_around_a_password_change_locks_no_one_out(office, monkeypatch):
    """The new wrapping is written beside the old one before the commit, and replaces it
    only after: a process killed in between leaves a password that opens the office."""
    from sqlalchemy.orm import Session

    from app.office import user_service

    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    jfaure = next(row for row in admin.users.users() if row.login == "jfaure")

    # Killed at the commit: nothing puts the key file back (no rollback runs in a dead
    # process); the old password still opens both the keys and the login.
    def killed(_self):
        raise SystemExit("killed")

    monkeypatch.setattr(Session, "commit", killed)
    monkeypatch.setattr(user_service, "on_failure", lambda *args, **kwargs: None)
    with pytest.raises(SystemExit):
        admin.users.reset_password(jfaure.id, "Nouveau-2026-ok")
    monkeypatch.undo()
    assert read_key_file(key_file_path(office.database)).has_pending("jfaure")
    unlocked.forget_all()
    startup.unlock_office(office, "jfaure", PASSWORD)
    database = OfficeDatabase(office)
    assert database.authenticate("jfaure", PASSWORD).login == "jfaure"
    database.close()
    # That login drops the wrapping of the password that was never set.
    keys = read_key_file(key_file_path(office.database))
    assert keys.has_user("jfaure") and not keys.has_pending("jfaure")
    unlocked.forget_all()
    with pytest.raises(UnlockRefused):
        startup.unlock_office(office, "jfaure", "Nouveau-2026-ok")
    startup.unlock_office(office, "jfaure", PASSWORD)

    # Killed after the commit, before the new wrapping replaced the old: the new password
    # opens, and its first login makes it the only one.
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    monkeypatch.setattr(user_service.UserService, "_promote", lambda self, login: None)
    admin.users.reset_password(jfaure.id, "Nouveau-2026-ok")
    monkeypatch.undo()
    admin.close()
    unlocked.forget_all()
    startup.unlock_office(office, "jfaure", "Nouveau-2026-ok")
    database = OfficeDatabase(office)
    database.authenticate("jfaure", "Nouveau-2026-ok")
    database.close()
    keys = read_key_file(key_file_path(office.database))
    assert keys.has_user("jfaure") and not keys.has_pending("jfaure")
    unlocked.forget_all()
    with pytest.raises(UnlockRefused):
        startup.unlock_office(office, "jfaure", PASSWORD)  # the old one opens nothing now


def test_a_new_kit_whose_commit_fails_leaves_the_printed_kit_valid(
    office, encrypted_template, monkeypatch
):
    from sqlalchemy.orm import Session

    _database, recovery = encrypted_template
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    before = key_file_path(office.database).read_bytes()

    def failing_commit(_self):
        raise OSError("disk gone")

    monkeypatch.setattr(Session, "commit", failing_commit)
    with pytest.raises(OSError):
        admin.encryption.new_recovery_kit(PASSWORD)
    monkeypatch.undo()
    assert key_file_path(office.database).read_bytes() == before
    renewed = admin.encryption.new_recovery_kit(PASSWORD)
    admin.close()
    unlocked.forget_all()
    with pytest.raises(UnlockRefused):
        startup.unlock_with_recovery(office.database, recovery)  # the old kit: replaced
    assert renewed.recovery_key is not None
    startup.unlock_with_recovery(office.database, renewed.recovery_key.text())


def test_a_deactivated_users_key_goes_from_the_backups_key_files_too(office):
    """Each backup's key file opens the same office key: the deactivated user's wrapping
    is destroyed there too, and a new kit replaces the old one there too."""
    startup.unlock_office(office, "admin", PASSWORD)
    backup = backup_now(office, BackupKind.MANUAL)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    slegrand = next(row for row in admin.users.users() if row.login == "slegrand")
    admin.users.set_active(slegrand.id, False)
    renewed = admin.encryption.new_recovery_kit(PASSWORD)
    admin.close()
    backup_keys = read_key_file(key_file_path(backup.path))
    assert not backup_keys.has_user("slegrand") and backup_keys.has_user("pmoreau")
    assert renewed.recovery_key is not None
    unlocked.forget_all()
    with pytest.raises(UnlockRefused):
        unlocked.unlock(backup.path, "slegrand", PASSWORD)
    unlocked.unlock_with_recovery(backup.path, renewed.recovery_key.text())


def test_a_login_leaves_the_keys_alone_when_the_password_changed_meanwhile(office, monkeypatch):
    """Another computer changed the password between this login's check and its write
    lock: the pending wrapping of that change is not this login's to drop."""
    from sqlalchemy.orm import Session

    from app.office import user_service
    from app.storage.sqlite_accounts import SqliteAccounts

    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    jfaure = next(row for row in admin.users.users() if row.login == "jfaure")

    def killed(_self):
        raise SystemExit("killed")

    monkeypatch.setattr(Session, "commit", killed)  # a change in flight elsewhere
    monkeypatch.setattr(user_service, "on_failure", lambda *args, **kwargs: None)
    with pytest.raises(SystemExit):
        admin.users.reset_password(jfaure.id, "Nouveau-2026-ok")
    monkeypatch.undo()
    real = SqliteAccounts.active_account
    seen = []

    def changed_meanwhile(self, login):
        account = real(self, login)
        seen.append(login)
        if account is not None and len(seen) == 3:  # the look under the write lock
            return account.__class__(**{**account.__dict__, "password_hash": "changed"})
        return account

    monkeypatch.setattr(SqliteAccounts, "active_account", changed_meanwhile)
    database = OfficeDatabase(office)
    database.authenticate("jfaure", PASSWORD)
    database.close()
    assert len(seen) == 3
    assert read_key_file(key_file_path(office.database)).has_pending("jfaure")


def test_a_deactivation_rolled_back_leaves_every_key_file_as_it_was(office, monkeypatch):
    """The deactivation changes the live and the backups' key files inside its transaction;
    rolled back, they are put back before the write lock is freed."""
    from sqlalchemy.orm import Session

    startup.unlock_office(office, "admin", PASSWORD)
    backup = backup_now(office, BackupKind.MANUAL)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    slegrand = next(row for row in admin.users.users() if row.login == "slegrand")
    files = [key_file_path(office.database), key_file_path(backup.path)]
    before = [path.read_bytes() for path in files]
    put_back_under_lock = []
    real_rollback = Session.rollback

    def failing_commit(_self):
        raise OSError("disk gone")

    def rollback(self):
        put_back_under_lock.append([path.read_bytes() for path in files] == before)
        real_rollback(self)

    monkeypatch.setattr(Session, "commit", failing_commit)
    monkeypatch.setattr(Session, "rollback", rollback)
    with pytest.raises(OSError):
        admin.users.set_active(slegrand.id, False)
    monkeypatch.undo()
    assert put_back_under_lock == [True]  # before the rollback ended the transaction
    assert [path.read_bytes() for path in files] == before
    admin.close()


def test_a_reset_then_a_reactivation_gives_the_key_back_even_with_logins_between(office):
    """Deactivated, a user's key is destroyed; the administrator resets their password,
    anyone logs in meanwhile, then the reactivation is accepted and the new password
    opens the office."""
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    slegrand = next(row for row in admin.users.users() if row.login == "slegrand")
    admin.users.set_active(slegrand.id, False)
    admin.users.reset_password(slegrand.id, "Retour-2026-ok")
    admin.close()
    database = OfficeDatabase(office)
    database.authenticate("pmoreau", PASSWORD)  # a colleague logs in
    database.close()
    database = OfficeDatabase(office)
    admin = database.workspace_for(database.authenticate("admin", PASSWORD))
    admin.users.set_active(slegrand.id, True)
    admin.close()
    unlocked.forget_all()
    startup.unlock_office(office, "slegrand", "Retour-2026-ok")


def test_a_backup_stopped_while_copying_its_documents_leaves_nothing(office, tmp_path, monkeypatch):
    """Dossia quitting during the day's backup: stopped between two document files, no
    backup without its documents, and no key file without its backup."""
    from app.storage import backup_files

    startup.unlock_office(office, "admin", PASSWORD)
    wanted = {"still": True}
    original = backup_files.copy_document_file

    def one_then_quit(*args):
        copied = original(*args)
        wanted["still"] = False  # Dossia is closed after the first file
        return copied

    monkeypatch.setattr(backup_files, "copy_document_file", one_then_quit)
    target = tmp_path / "usb" / "copie.sqlite3"
    with pytest.raises(backup_files.BackupCancelled):
        backup_files.write_backup(
            office.database, target, office.documents, lambda done, total: wanted["still"]
        )
    assert not target.exists() and not key_file_path(target).exists()
    assert [p.name for p in (tmp_path / "usb").iterdir() if p.is_file()] == []


def test_the_command_line_restores_another_offices_encrypted_backup(office, tmp_path):
    """A backup of another office (another key): the same user's password opens it, and
    the office takes its data and its keys."""
    other = DataPaths(tmp_path / "autre" / "dossia.sqlite3")
    startup.create_demo_office(other, 3, seed=9, password=PASSWORD)
    backup = backup_now(other, BackupKind.MANUAL, folder=tmp_path / "usb")
    unlocked.forget_all()
    done = run_main(
        "--db",
        str(office.database),
        "--user",
        "admin",
        "restore",
        "--from",
        str(backup.path),
        env={"DOSSIA_PASSWORD": PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    assert key_file_path(office.database).read_bytes() == key_file_path(backup.path).read_bytes()
    startup.unlock_office(office, "admin", PASSWORD)
    database = OfficeDatabase(office)
    workspace = database.workspace_for(database.authenticate("admin", PASSWORD))
    assert len(workspace.list_ids(ListQuery())) == 3
    workspace.close()
